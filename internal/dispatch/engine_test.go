package dispatch

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
)

var wuchangYangyuan = []string{"420106", "420106002", "420106002001", "420106002001001"}

func TestPrecedence(t *testing.T) {
	tests := []struct {
		name  string
		rules []Rule
		q     Query
		want  string // winning rule id
	}{
		{
			name: "deeper category wins",
			rules: []Rule{
				{ID: "c1", Category: "01", Area: "420106", Lead: "cg.wc"},
				{ID: "c2", Category: "0102", Area: "420106", Lead: "cg.wc"},
				{ID: "c3", Category: "010202", Area: "420106", Lead: "cg.wc"},
			},
			q:    Query{Category: "010202", Chain: wuchangYangyuan, Severity: SeverityNormal, At: at(23, 10, 0)},
			want: "c3",
		},
		{
			name: "smaller area wins on equal category",
			rules: []Rule{
				{ID: "city", Category: "0102", Area: "420100", Lead: "cg"},
				{ID: "district", Category: "0102", Area: "420106", Lead: "cg.wc"},
				{ID: "street", Category: "0102", Area: "420106002", Lead: "jd.yy"},
			},
			q:    Query{Category: "010202", Chain: wuchangYangyuan[:2], At: at(23, 10, 0)},
			want: "street",
		},
		{
			name: "category beats area",
			rules: []Rule{
				{ID: "deep-category-city", Category: "010202", Area: "420100", Lead: "cg"},
				{ID: "shallow-category-street", Category: "01", Area: "420106002", Lead: "jd.yy"},
			},
			q:    Query{Category: "010202", Chain: wuchangYangyuan, At: at(23, 10, 0)},
			want: "deep-category-city",
		},
		{
			name: "area beats severity",
			rules: []Rule{
				{ID: "city-critical", Category: "0102", Area: "420100", Severity: SeverityCritical, Lead: "cg"},
				{ID: "district", Category: "0102", Area: "420106", Lead: "cg.wc"},
			},
			q:    Query{Category: "0102", Chain: wuchangYangyuan[:1], Severity: SeverityCritical, At: at(23, 10, 0)},
			want: "district",
		},
		{
			name: "severity beats window",
			rules: []Rule{
				{ID: "night", Category: "0102", Area: "420106", Window: "22:00-06:00", Lead: "ga"},
				{ID: "critical", Category: "0102", Area: "420106", Severity: SeverityCritical, Lead: "cg"},
			},
			q:    Query{Category: "0102", Chain: wuchangYangyuan[:1], Severity: SeverityCritical, At: at(23, 23, 0)},
			want: "critical",
		},
		{
			name: "severity rule applies only to its severity",
			rules: []Rule{
				{ID: "any", Category: "0102", Area: "420106", Lead: "cg.wc"},
				{ID: "critical", Category: "0102", Area: "420106", Severity: SeverityCritical, Lead: "cg"},
			},
			q:    Query{Category: "0102", Chain: wuchangYangyuan[:1], Severity: SeverityUrgent, At: at(23, 23, 0)},
			want: "any",
		},
		{
			name: "wildcard category is the last resort",
			rules: []Rule{
				{ID: "street-any", Category: "*", Area: "420106002", Lead: "jd.yy"},
				{ID: "city-01", Category: "01", Area: "420100", Lead: "cg"},
			},
			q:    Query{Category: "0102", Chain: wuchangYangyuan[:2], At: at(23, 10, 0)},
			want: "city-01",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := mustEngine(t, tt.rules...)
			d := e.Decide(tt.q)
			if d.RuleID != tt.want || d.Manual {
				t.Fatalf("Decide = %+v, want rule %s", d, tt.want)
			}
			x := e.DecideExplained(tt.q)
			if x.RuleID != d.RuleID || x.Lead != d.Lead || !slices.Equal(x.Co, d.Co) {
				t.Errorf("DecideExplained = %+v, Decide = %+v", x, d)
			}
			// Every other rule matched here too and must be listed as outranked.
			if got := len(x.Explanation.Outranked); got+len(x.Explanation.NearMisses) != len(tt.rules)-1 {
				t.Errorf("outranked %d + near misses %d, want %d rules accounted for", got, len(x.Explanation.NearMisses), len(tt.rules)-1)
			}
		})
	}
}

func TestNightWindowAcrossMidnight(t *testing.T) {
	e := mustEngine(t,
		Rule{ID: "day", Category: "0402", Area: "420106", Lead: "cg.wc"},
		Rule{ID: "weeknight", Category: "0402", Area: "420106", Window: "Mon-Fri 22:00-06:00", Lead: "ga", Co: []string{"cg.wc"}},
		Rule{ID: "weekend-night", Category: "0402", Area: "420106", Window: "Sat,Sun 22:00-06:00", Lead: "cg"},
	)
	tests := []struct {
		name string
		q    Query
		want string
	}{
		{"monday evening", Query{Category: "040203", Chain: wuchangYangyuan, At: at(23, 21, 59)}, "day"},
		{"monday night", Query{Category: "040203", Chain: wuchangYangyuan, At: at(23, 22, 0)}, "weeknight"},
		{"tuesday 05:59", Query{Category: "040203", Chain: wuchangYangyuan, At: at(24, 5, 59)}, "weeknight"},
		{"tuesday 06:00", Query{Category: "040203", Chain: wuchangYangyuan, At: at(24, 6, 0)}, "day"},
		{"saturday 03:00 (friday's night)", Query{Category: "040203", Chain: wuchangYangyuan, At: at(28, 3, 0)}, "weeknight"},
		{"saturday 23:00", Query{Category: "040203", Chain: wuchangYangyuan, At: at(28, 23, 0)}, "weekend-night"},
		{"monday 03:00 (sunday's night)", Query{Category: "040203", Chain: wuchangYangyuan, At: at(23, 3, 0)}, "weekend-night"},
	}
	for _, tt := range tests {
		if d := e.Decide(tt.q); d.RuleID != tt.want {
			t.Errorf("%s: rule %q, want %q", tt.name, d.RuleID, tt.want)
		}
	}
}

func TestManualWithNearMisses(t *testing.T) {
	e := mustEngine(t,
		Rule{ID: "other-district", Category: "0102", Area: "420111", Lead: "cg.hs"},
		Rule{ID: "critical-only", Category: "0102", Area: "420106", Severity: SeverityCritical, Lead: "cg.wc"},
		Rule{ID: "night-only", Category: "0102", Area: "420106", Window: "22:00-06:00", Lead: "ga"},
		Rule{ID: "sibling-category", Category: "0103", Area: "420106", Lead: "cg.wc"},
		Rule{ID: "two-misses", Category: "0103", Area: "420111", Lead: "cg.hs"},
	)
	q := Query{Category: "010202", Chain: wuchangYangyuan[:2], Severity: SeverityNormal, At: at(23, 10, 0)}
	d := e.Decide(q)
	if !d.Manual || d.Lead != "" || d.RuleID != "" {
		t.Fatalf("Decide = %+v, want Manual", d)
	}
	x := e.DecideExplained(q)
	if !x.Manual || x.Explanation == nil || x.Explanation.Winner != nil {
		t.Fatalf("DecideExplained = %+v, want Manual with an explanation", x)
	}
	got := map[string]Criterion{}
	for _, n := range x.Explanation.NearMisses {
		got[n.Rule.ID] = n.Failed
		if n.Reasons[n.Failed].OK {
			t.Errorf("near miss %s: failed criterion %v is marked OK", n.Rule.ID, n.Failed)
		}
	}
	want := map[string]Criterion{
		"other-district":   CriterionArea,
		"critical-only":    CriterionSeverity,
		"night-only":       CriterionWindow,
		"sibling-category": CriterionCategory,
	}
	if len(got) != len(want) {
		t.Errorf("near misses %v, want %v", got, want)
	}
	for id, c := range want {
		if got[id] != c {
			t.Errorf("near miss %s failed on %v, want %v", id, got[id], c)
		}
	}
	en, zh := x.Explain(LangEN), x.Explain(LangZH)
	for _, s := range []string{"manual queue", "critical-only", "severity normal ≠ critical", "area 420106002 ⊄ 420111", "window 22:00-06:00 ∌ 2026-11-23 10:00 Mon"} {
		if !strings.Contains(en, s) {
			t.Errorf("English explanation lacks %q:\n%s", s, en)
		}
	}
	for _, s := range []string{"人工派单", "紧急程度 一般 ≠ 特急", "时段 22:00-06:00 ∌ 2026-11-23 10:00 周一", "类别 010202 ⊄ 0103"} {
		if !strings.Contains(zh, s) {
			t.Errorf("Chinese explanation lacks %q:\n%s", s, zh)
		}
	}
}

func TestExplanationOfWinner(t *testing.T) {
	e := mustEngine(t,
		Rule{ID: "district", Category: "01", Area: "420106", Lead: "cg.wc"},
		Rule{ID: "city", Category: "0103", Area: "420100", Lead: "cg", Co: []string{"sw"}},
	)
	d := e.DecideExplained(Query{Category: "010302", Chain: wuchangYangyuan[:2], At: at(23, 10, 0)})
	if d.RuleID != "city" || !slices.Equal(d.Co, []string{"sw"}) {
		t.Fatalf("decision %+v, want rule city with co sw", d)
	}
	x := d.Explanation
	if len(x.Outranked) != 1 || x.Outranked[0].Rule.ID != "district" || x.Outranked[0].LostOn != CriterionCategory {
		t.Fatalf("outranked %+v, want district lost on category", x.Outranked)
	}
	en := d.Explain(LangEN)
	for _, s := range []string{"Lead: 市城管委 (cg)", "co: 市水务局 (sw)", "category 010302 ⊂ 0103", "area 420106002 ⊂ 420100",
		"category 01 (depth 1) is less specific than 0103 (depth 2)"} {
		if !strings.Contains(en, s) {
			t.Errorf("explanation lacks %q:\n%s", s, en)
		}
	}
	if zh := d.Explain(LangZH); !strings.Contains(zh, "主办：市城管委 (cg)") || !strings.Contains(zh, "类别 01（1 级）不如 0103（2 级）具体") {
		t.Errorf("Chinese explanation:\n%s", zh)
	}
	if plain := e.Decide(Query{Category: "010302", Chain: wuchangYangyuan[:2]}).Explain(LangEN); !strings.Contains(plain, "by rule city") {
		t.Errorf("plain Explain = %q", plain)
	}
}

func TestRuleValidation(t *testing.T) {
	base := Rule{ID: "r", Category: "0102", Area: "420106", Lead: "cg.wc"}
	with := func(f func(*Rule)) Rule { r := base; f(&r); return r }
	tests := []struct {
		name      string
		rules     []Rule
		target    error
		fragments []string
	}{
		{"equal specificity, same severity", []Rule{base, with(func(r *Rule) { r.ID = "r2" })}, ErrConflict, []string{`"r"`, `"r2"`}},
		{"equal specificity, overlapping windows", []Rule{
			with(func(r *Rule) { r.ID = "a"; r.Window = "Mon-Fri 22:00-06:00" }),
			with(func(r *Rule) { r.ID = "b"; r.Window = "Sat 05:00-07:00" }),
		}, ErrConflict, []string{`"a"`, `"b"`}},
		{"unknown lead", []Rule{with(func(r *Rule) { r.Lead = "cg.jh" })}, ErrUnknownUnit, []string{`rule "r"`, "field lead", "cg.jh"}},
		{"unknown co", []Rule{with(func(r *Rule) { r.Co = []string{"sw", "zz"} })}, ErrUnknownUnit, []string{"field co", "zz"}},
		{"co repeats lead", []Rule{with(func(r *Rule) { r.Co = []string{"cg.wc"} })}, ErrDuplicate, []string{"field co"}},
		{"lead outside its areas", []Rule{with(func(r *Rule) { r.Lead = "cg.hs" })}, ErrJurisdiction, []string{"field lead", "cg.hs", "420106"}},
		{"malformed category", []Rule{with(func(r *Rule) { r.Category = "012" })}, ErrMalformed, []string{"field category", `"012"`}},
		{"malformed area", []Rule{with(func(r *Rule) { r.Area = "42O106" })}, ErrMalformed, []string{"field area", "42O106"}},
		{"malformed severity", []Rule{with(func(r *Rule) { r.Severity = "high" })}, ErrMalformed, []string{"field severity", "high"}},
		{"malformed window", []Rule{with(func(r *Rule) { r.Window = "nights" })}, ErrMalformed, []string{"field window", "nights"}},
		{"duplicate id", []Rule{base, with(func(r *Rule) { r.Area = "420111"; r.Lead = "cg.hs" })}, ErrDuplicate, []string{"field id"}},
		{"empty id", []Rule{with(func(r *Rule) { r.ID = "" })}, ErrMalformed, []string{"field id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := NewEngine(testDir(t), tt.rules)
			if e != nil {
				t.Error("got an engine despite the error")
			}
			wantErr(t, err, tt.target, tt.fragments...)
		})
	}
}

func TestNoConflictWhenDisjoint(t *testing.T) {
	base := Rule{ID: "r", Category: "0102", Area: "420106", Lead: "cg.wc"}
	ok := [][]Rule{
		{base, {ID: "r2", Category: "0102", Area: "420106", Severity: SeverityCritical, Lead: "cg"}},                                                                                // different specificity
		{{ID: "a", Category: "0102", Area: "420106", Severity: SeverityUrgent, Lead: "cg.wc"}, {ID: "b", Category: "0102", Area: "420106", Severity: SeverityCritical, Lead: "cg"}}, // different severities
		{{ID: "a", Category: "0102", Area: "420106", Window: "Mon-Fri 22:00-06:00", Lead: "ga"}, {ID: "b", Category: "0102", Area: "420106", Window: "Sat,Sun 22:00-06:00", Lead: "cg"}},
		{base, {ID: "r2", Category: "0102", Area: "420111", Lead: "cg.hs"}},
		{base, {ID: "r2", Category: "0103", Area: "420106", Lead: "cg.wc"}},
	}
	for i, rules := range ok {
		if _, err := NewEngine(testDir(t), rules); err != nil {
			t.Errorf("case %d: %v", i, err)
		}
	}
}

func TestAllErrorsReported(t *testing.T) {
	_, err := NewEngine(testDir(t), []Rule{
		{ID: "a", Category: "0x", Area: "420106", Lead: "cg.wc"},
		{ID: "b", Category: "01", Area: "420106", Lead: "nobody"},
	})
	if !errors.Is(err, ErrMalformed) || !errors.Is(err, ErrUnknownUnit) {
		t.Errorf("error %v: want both the malformed category and the unknown unit", err)
	}
}

func TestDecideDoesNotAllocate(t *testing.T) {
	e, err := DemoEngine()
	if err != nil {
		t.Fatal(err)
	}
	queries := []Query{
		{Category: "010216", Chain: wuchangYangyuan, Severity: SeverityCritical, At: at(23, 10, 0)},
		{Category: "040203", Chain: wuchangYangyuan[:2], Severity: SeverityNormal, At: at(23, 23, 0)},
		{Category: "99", Chain: []string{"420111"}, Severity: SeverityNormal, At: at(23, 23, 0)},
	}
	for _, q := range queries {
		if n := testing.AllocsPerRun(100, func() { e.Decide(q) }); n != 0 {
			t.Errorf("Decide(%+v) allocates %.1f times per call", q, n)
		}
	}
}

func TestConcurrentDecide(t *testing.T) {
	e, _ := bigEngine(t, 500)
	rng := rand.New(rand.NewPCG(9, 9))
	queries := make([]Query, 500)
	want := make([]Decision, len(queries))
	for i := range queries {
		queries[i] = randomQuery(rng)
		want[i] = e.Decide(queries[i])
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for g := range 4 {
		wg.Go(func() {
			for i, q := range queries {
				var d Decision
				if (i+g)%7 == 0 {
					d = e.DecideExplained(q)
				} else {
					d = e.Decide(q)
				}
				if d.RuleID != want[i].RuleID || d.Manual != want[i].Manual {
					errs <- fmt.Sprintf("goroutine %d query %d: %s, want %s", g, i, d.RuleID, want[i].RuleID)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
}

func TestRulesCopy(t *testing.T) {
	e := mustEngine(t, Rule{ID: "r", Category: "0102", Area: "420106", Lead: "cg.wc", Co: []string{"sw"}})
	rs := e.Rules()
	rs[0].Co[0] = "ga"
	if d := e.Decide(Query{Category: "0102", Chain: []string{"420106"}}); d.Co[0] != "sw" {
		t.Errorf("mutating Rules() changed the engine: co %v", d.Co)
	}
}
