package escalate

import (
	"fmt"
	"strings"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/dispatch"
)

// chinaTime is China Standard Time, in which notes show deadlines.
var chinaTime = time.FixedZone("CST", 8*3600)

var clockLabels = map[string]string{
	cases.ClockDispatch: "派单",
	cases.ClockSignOff:  "签收",
	cases.ClockOnSite:   "到场",
	cases.ClockResolve:  "办结",
	cases.ClockReply:    "答复",
}

// ClockLabel returns the Chinese name of a clock ("签收", "吹哨报到"), or the
// clock itself when it is unknown.
func ClockLabel(clock string) string {
	if strings.HasPrefix(clock, cases.ClockSummons) {
		return "吹哨报到"
	}
	if l, ok := clockLabels[clock]; ok {
		return l
	}
	return clock
}

// target is the unit a supervision goes to, or why there is none.
type target struct {
	code, name string
	// top is set when the level reached past the top of the chain.
	top bool
	// none explains an empty code.
	none string
}

// supervisor picks the supervising unit of level (from 1) for a deadline
// that unit answers for, raised by boost steps.
func supervisor(dir *dispatch.Directory, unit string, level, boost int) target {
	switch {
	case unit == "":
		return target{none: "尚未派单，无承办单位"}
	case dir == nil:
		return target{none: "单位目录不可用"}
	case !dir.Has(unit):
		return target{none: "单位 " + unit + " 不在单位目录中"}
	}
	chain, err := dir.Ancestors(unit)
	if err != nil || len(chain) == 0 {
		return target{none: unitRef(dir, unit) + "已是最高层级，无上级督办单位"}
	}
	i := level - 1 + boost
	t := target{}
	if i >= len(chain) {
		i, t.top = len(chain)-1, true
	}
	t.code, t.name = chain[i].Code, chain[i].Name
	return t
}

func unitRef(dir *dispatch.Directory, code string) string {
	if dir != nil {
		if n := dir.Name(code); n != "" {
			return n + "（" + code + "）"
		}
	}
	return code
}

// note writes the Chinese text of a supervision, e.g.
// "超时督办：签收时限 2025-10-09 10:30 已过，第1次督办，督办单位 武汉市城市管理执法委员会（chengguan.420100）。"
func note(dir *dispatch.Directory, c *cases.Case, d cases.Due, level int, t target) string {
	var b strings.Builder
	fmt.Fprintf(&b, "超时督办：%s时限 %s 已过", ClockLabel(d.Clock), d.At.In(chinaTime).Format("2006-01-02 15:04"))
	if u, ok := strings.CutPrefix(d.Clock, cases.ClockSummons); ok {
		fmt.Fprintf(&b, "，被召单位 %s未报到", unitRef(dir, u))
	} else if c.Unit != "" {
		fmt.Fprintf(&b, "，承办单位 %s", unitRef(dir, c.Unit))
	}
	fmt.Fprintf(&b, "，第%d次督办", level)
	switch SeverityBoost(c.Severity) {
	case 1:
		b.WriteString("（紧急件，督办上提一级）")
	case 2:
		b.WriteString("（特急件，督办上提两级）")
	}
	if t.code == "" {
		fmt.Fprintf(&b, "，无督办单位：%s。", t.none)
		return b.String()
	}
	fmt.Fprintf(&b, "，督办单位 %s", unitRef(dir, t.code))
	if t.top {
		b.WriteString("（已至最高层级）")
	}
	b.WriteString("。")
	return b.String()
}
