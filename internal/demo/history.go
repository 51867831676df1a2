package demo

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"time"

	"yiwang/internal/cases"
)

// hotlineUnit is the unit of the 12345 centre's agents, who create,
// dispatch, call back and close cases.
const hotlineUnit = "12345"

// history builds one case's events through cases.Decide and cases.Apply,
// so every history is legal by construction.
type history struct {
	c   cases.Case
	evs []cases.Event
	err error
}

func (h *history) create(id string, n cases.NewCase, actor string, at time.Time, note string) {
	e := cases.NewCreate(id, n, actor, hotlineUnit, at)
	e.Note = note
	h.apply(e)
}

func (h *history) apply(e cases.Event) {
	if h.err != nil {
		return
	}
	if err := cases.Apply(&h.c, e); err != nil {
		h.err = err
		return
	}
	h.evs = append(h.evs, e)
}

// do decides and applies cmd at time at.
func (h *history) do(at time.Time, cmd cases.Command) {
	if h.err != nil {
		return
	}
	e, err := cases.Decide(&h.c, cmd, at)
	if err != nil {
		h.err = fmt.Errorf("case %s: %w", h.c.ID, err)
		return
	}
	h.apply(e)
}

// actors names the people acting on cases (generated ids).
type actors struct{ r *rand.Rand }

func (a actors) agent() string    { return fmt.Sprintf("agent%02d", 1+a.r.IntN(12)) }
func (a actors) callback() string { return fmt.Sprintf("callback%02d", 1+a.r.IntN(6)) }
func (a actors) staff(unit string) string {
	return fmt.Sprintf("%s.staff%d", unit, 1+a.r.IntN(3))
}

// clock hands out event times after a start, never reaching now.
type clock struct {
	r   *rand.Rand
	now time.Time
}

// after returns t plus a random duration in [lo, hi], capped at a third of
// the time left until now so that a chain of steps stays in the past.
func (k clock) after(t time.Time, lo, hi time.Duration) time.Time {
	d := lo
	if hi > lo {
		d += time.Duration(k.r.Int64N(int64(hi - lo)))
	}
	if left := k.now.Sub(t) / 3; d > left {
		d = max(left, 0)
	}
	return t.Add(d)
}

// Reasons used by the generated workflow steps (the steps are generated;
// only titles, bodies, categories of labelled rows and replies are real).
var (
	returnReasons  = []string{"非本单位职责范围，申请退回重新派单", "诉求地点不在本单位辖区", "该事项已移交其他部门办理"}
	suspendReasons = []string{"需等待施工条件具备后处理", "需第三方机构鉴定，暂停计时", "当事人暂时无法联系，待补充材料", "涉及法院诉讼程序，待判决后处理"}
	extendReasons  = []string{"需协调多个部门共同处理，申请延期", "涉及资金审批，需延长办理时限", "现场整改需要较长周期"}
	voidReasons    = []string{"不属于本市管辖范围", "留言内容不完整，无法受理", "重复提交的无效留言"}
)

func pick(r *rand.Rand, xs []string) string { return xs[r.IntN(len(xs))] }

// replyUnit finds the answering unit named at the start of a real reply
// ("…的问题，A3区学士街道高度重视…"); "" when the pattern is absent.
var replyUnit = regexp.MustCompile(`[,，。]([^,，。：:“”"]{2,40}?)(?:高度重视|非常重视|已收悉|收悉)`)

func answeringUnit(reply string) string {
	head := reply
	if rs := []rune(reply); len(rs) > 300 {
		head = string(rs[:300])
	}
	if m := replyUnit.FindStringSubmatch(head); m != nil {
		return m[1]
	}
	return ""
}
