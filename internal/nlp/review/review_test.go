package review

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"yiwang/internal/demo"
)

var t0 = time.Date(2019, 3, 1, 9, 0, 0, 0, time.UTC)

const msg = "A市B区万家丽路某小区门口的下水道堵塞，污水外溢已经一个多月，气味难闻，居民出行困难，希望有关部门尽快疏通下水道。"

func TestScoreOrdersReplies(t *testing.T) {
	good := "网友您好：您反映的万家丽路某小区门口下水道堵塞、污水外溢的问题已收悉。经核实，该处下水道因施工泥沙淤积堵塞。" +
		"B区城市管理局已安排养护单位于3月5日疏通下水道，清理外溢污水，并要求施工单位在10个工作日内完成整改。感谢您的监督。"
	vague := "网友您好，您的留言已收悉，我们将高度重视，感谢您对我们工作的支持。"
	offTopic := "网友您好：关于您反映的公积金贷款问题，经核实，根据市住房公积金管理中心规定，已于3月5日为您办理，请您近期到窗口领取材料。"
	tests := []struct {
		name     string
		reply    string
		delay    time.Duration
		wantFlag []string
		noFlag   []string
	}{
		{"good and fast", good, 3 * 24 * time.Hour, nil, []string{FlagWeak, FlagNoUnit, FlagNoAction, FlagNoDate, FlagOffTopic, FlagSlow}},
		{"good but late", good, 60 * 24 * time.Hour, []string{FlagLate}, []string{FlagWeak}},
		{"off topic", offTopic, 3 * 24 * time.Hour, []string{FlagOffTopic}, nil},
		{"vague", vague, 3 * 24 * time.Hour, []string{FlagTooShort, FlagNoAction, FlagNoDate, FlagWeak}, nil},
	}
	var overall []float64
	for _, tt := range tests {
		r := Score(msg, tt.reply, t0, t0.Add(tt.delay))
		t.Logf("%-14s %+v", tt.name, r)
		for _, f := range tt.wantFlag {
			if !slices.Contains(r.Flags, f) {
				t.Errorf("%s: flags %v lack %s", tt.name, r.Flags, f)
			}
		}
		for _, f := range tt.noFlag {
			if slices.Contains(r.Flags, f) {
				t.Errorf("%s: flags %v carry %s", tt.name, r.Flags, f)
			}
		}
		overall = append(overall, r.Overall)
	}
	if !sort.IsSorted(sort.Reverse(sort.Float64Slice(overall))) {
		t.Errorf("overall scores %v are not in the order good > late > off topic > vague", overall)
	}
	g, o := Score(msg, good, t0, t0), Score(msg, offTopic, t0, t0)
	if g.Relevance <= o.Relevance || g.Completeness < o.Completeness-1e-9 {
		t.Errorf("good %+v vs off topic %+v", g, o)
	}
	if r := Score(msg, good, time.Time{}, time.Time{}); !slices.Contains(r.Flags, FlagNoTimes) || r.Timeliness != 0.5 {
		t.Errorf("unknown times: %+v", r)
	}
}

func TestTimeliness(t *testing.T) {
	day := 24 * time.Hour
	tests := []struct {
		d    time.Duration
		want float64
	}{{-day, 1}, {0, 1}, {MedianDelay, 0.75}, {P90Delay, 0.25}, {2 * P90Delay, 0.125}}
	for _, tt := range tests {
		if got := Timeliness(tt.d); got < tt.want-1e-9 || got > tt.want+1e-9 {
			t.Errorf("Timeliness(%v) = %v, want %v", tt.d, got, tt.want)
		}
	}
	prev := 2.0
	for d := time.Duration(0); d < 200*day; d += day {
		v := Timeliness(d)
		if v > prev || v < 0 {
			t.Fatalf("Timeliness not decreasing in [0,1] at %v: %v after %v", d, v, prev)
		}
		prev = v
	}
}

// TestDemoReplies reviews the embedded replied messages and logs the
// distribution and a few flagged examples (go test -v -run DemoReplies).
func TestDemoReplies(t *testing.T) {
	msgs, err := demo.Messages()
	if err != nil {
		t.Fatal(err)
	}
	var rs []Review
	flags := map[string]int{}
	var examples []string
	for _, m := range msgs {
		if m.Set != demo.SetReplies || m.Reply == "" {
			continue
		}
		r := Score(m.Title+"\n"+m.Body, m.Reply, m.CreatedAt, m.RepliedAt)
		rs = append(rs, r)
		for _, f := range r.Flags {
			flags[f]++
		}
		if slices.Contains(r.Flags, FlagWeak) && len(examples) < 4 {
			examples = append(examples, fmt.Sprintf("%s | %.60s… | reply %.80s… | %+v", m.ID, m.Title, m.Reply, r))
		}
	}
	if len(rs) < 1000 {
		t.Fatalf("only %d replied messages", len(rs))
	}
	pct := func(get func(Review) float64) string {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = get(r)
		}
		slices.Sort(v)
		q := func(p float64) float64 { return v[int(p*float64(len(v)-1))] }
		return fmt.Sprintf("p10 %.2f p25 %.2f p50 %.2f p75 %.2f p90 %.2f", q(.1), q(.25), q(.5), q(.75), q(.9))
	}
	t.Logf("%d replied messages", len(rs))
	t.Logf("relevance    %s", pct(func(r Review) float64 { return r.Relevance }))
	t.Logf("completeness %s", pct(func(r Review) float64 { return r.Completeness }))
	t.Logf("timeliness   %s", pct(func(r Review) float64 { return r.Timeliness }))
	t.Logf("overall      %s", pct(func(r Review) float64 { return r.Overall }))
	var fl []string
	for f, n := range flags {
		fl = append(fl, fmt.Sprintf("%s %.1f%%", f, 100*float64(n)/float64(len(rs))))
	}
	slices.Sort(fl)
	t.Logf("flags: %s", strings.Join(fl, ", "))
	for _, e := range examples {
		t.Logf("weak: %s", e)
	}
	weak := flags[FlagWeak]
	if weak == 0 || weak > len(rs)/2 {
		t.Errorf("%d of %d replies flagged weak: the screen should flag some, not most", weak, len(rs))
	}
}

func FuzzScore(f *testing.F) {
	f.Add(msg, "已安排3月5日疏通", int64(3600))
	f.Fuzz(func(t *testing.T, m, r string, secs int64) {
		v := Score(m, r, t0, t0.Add(time.Duration(secs)*time.Second))
		for _, x := range []float64{v.Relevance, v.Completeness, v.Timeliness, v.Overall} {
			if !(x >= 0 && x <= 1) {
				t.Fatalf("score out of [0,1]: %+v", v)
			}
		}
	})
}

func TestActionAndQuestions(t *testing.T) {
	tests := []struct {
		name, message, reply string
		noAction             bool
	}{
		{"action with a date between", msg, "经核实，A区城管局已于2019年5月完成下水道疏通。", false},
		{"action done by 进行了", msg, "街道对该处下水道进行了全面清理。", false},
		{"planned action", msg, "区市政局将对该路段下水道进行改造。", false},
		{"promise only", msg, "网友您好，我们将高度重视，感谢您的支持。", true},
		{"question answered with guidance", "咨询异地驾照到期换证问题\n驾照快到期了怎么办", "您可以到体检医院体检后到车管所办理换证业务。", false},
		{"question answered with a rule", "请问公积金贷款的条件\n想了解一下", "根据《A市住房公积金管理办法》规定，连续缴存6个月以上可以申请。", false},
		{"question not answered", "请问公积金贷款的条件\n想了解一下", "网友：您好！留言已收悉", true},
	}
	for _, tt := range tests {
		r := Score(tt.message, tt.reply, t0, t0)
		if got := slices.Contains(r.Flags, FlagNoAction); got != tt.noAction {
			t.Errorf("%s: no_action %v, want %v (%+v)", tt.name, got, tt.noAction, r)
		}
	}
	if !IsQuestion("咨询异地驾照换证\n…") || IsQuestion(msg) {
		t.Errorf("IsQuestion misreads the messages")
	}
}
