package dispatch

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the oracle reads windows with the real Asia/Shanghai zone
)

// linearRule is a rule prepared for the naive scan: the baseline of
// BenchmarkDecide and the oracle the engine must agree with. It shares no
// matching code with the engine.
type linearRule struct {
	Rule
	win      *Window
	catDepth int
	areaLvl  int
	key      [4]int // specificity: category depth, area level, severity set, window set
}

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}()

func newLinear(rules []Rule) []linearRule {
	out := make([]linearRule, len(rules))
	for i, r := range rules {
		lr := linearRule{Rule: r}
		if r.Category != "*" {
			lr.catDepth = len(r.Category) / 2
		}
		switch {
		case len(r.Area) == 6 && strings.HasSuffix(r.Area, "00"):
			lr.areaLvl = 1
		case len(r.Area) == 6:
			lr.areaLvl = 2
		default:
			lr.areaLvl = len(r.Area) / 3
		}
		if r.Window != "" {
			w, err := ParseWindow(r.Window)
			if err != nil {
				panic(err)
			}
			lr.win = &w
		}
		lr.key = [4]int{lr.catDepth, lr.areaLvl, b2i(r.Severity != ""), b2i(r.Window != "")}
		out[i] = lr
	}
	return out
}

// criteria evaluates the four criteria of a rule for a case.
func (r *linearRule) criteria(q Query, area string, local time.Time) [4]bool {
	cat := r.Category == "*" || strings.HasPrefix(q.Category, r.Category)
	var ar bool
	if r.areaLvl == 1 {
		ar = strings.HasPrefix(area, r.Area[:4])
	} else {
		ar = strings.HasPrefix(area, r.Area)
	}
	sev := r.Severity == "" || r.Severity == q.Severity
	win := true
	if w := r.win; w != nil {
		wd, m := int(local.Weekday()), local.Hour()*60+local.Minute()
		on := func(d int) bool { return w.Days&(1<<((d+7)%7)) != 0 }
		if w.Start < w.End {
			win = on(wd) && m >= int(w.Start) && m < int(w.End)
		} else {
			win = (on(wd) && m >= int(w.Start)) || (on(wd-1) && m < int(w.End))
		}
	}
	return [4]bool{cat, ar, sev, win}
}

// less reports whether a is less specific than b.
func (a *linearRule) less(b *linearRule) bool {
	return slices.Compare(a.key[:], b.key[:]) < 0
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func longest(chain []string) string {
	best := ""
	for _, c := range chain {
		if len(c) >= len(best) {
			best = c
		}
	}
	return best
}

// linearDecide scans every rule; it returns the index of the winner or -1.
func linearDecide(rules []linearRule, q Query) int {
	area, local := longest(q.Chain), q.At.In(shanghai)
	best := -1
	for i := range rules {
		c := rules[i].criteria(q, area, local)
		if c[0] && c[1] && c[2] && c[3] && (best < 0 || rules[best].less(&rules[i])) {
			best = i
		}
	}
	return best
}

// genRules makes n rules that do not conflict with each other or with the
// existing rules, led by city-level units from leads.
func genRules(rng *rand.Rand, n int, existing []Rule, leads []string) []Rule {
	windows := []string{"22:00-06:00", "Mon-Fri 08:30-17:30", "Sat,Sun 00:00-24:00", "Fri 20:00-02:00"}
	sevs := []Severity{"", "", SeverityNormal, SeverityUrgent, SeverityCritical}
	type key struct {
		cat, area string
		sev       Severity
		win       bool
	}
	used := map[key]bool{}
	keyOf := func(r Rule) key {
		a := r.Area
		if l, _ := AreaLevelOf(a); l == AreaCity {
			a = a[:4]
		}
		return key{r.Category, a, r.Severity, r.Window != ""}
	}
	for _, r := range existing {
		used[keyOf(r)] = true
	}
	var out []Rule
	for len(out) < n {
		r := Rule{
			ID:       fmt.Sprintf("gen-%05d", len(out)),
			Category: randomCategory(rng, 1+rng.IntN(3)),
			Area:     randomArea(rng, 1+rng.IntN(5)),
			Severity: sevs[rng.IntN(len(sevs))],
			Lead:     leads[rng.IntN(len(leads))],
		}
		if rng.IntN(50) == 0 {
			r.Category = "*"
		}
		if rng.IntN(4) == 0 {
			r.Window = windows[rng.IntN(len(windows))]
		}
		if k := keyOf(r); !used[k] {
			used[k] = true
			out = append(out, r)
		}
	}
	return out
}

func randomCategory(rng *rand.Rand, depth int) string {
	c := fmt.Sprintf("%02d", 1+rng.IntN(16))
	for i := 1; i < depth; i++ {
		c += fmt.Sprintf("%02d", 1+rng.IntN(12))
	}
	return c
}

var testDistricts = []string{"420102", "420103", "420104", "420105", "420106", "420107", "420111", "420112", "420113", "420114", "420115", "420116", "420117"}

func randomArea(rng *rand.Rand, level int) string {
	if level == 1 {
		return "420100"
	}
	a := testDistricts[rng.IntN(len(testDistricts))]
	for l := 3; l <= level; l++ {
		a += fmt.Sprintf("%03d", 1+rng.IntN(6))
	}
	return a
}

func randomQuery(rng *rand.Rand) Query {
	depth := 1 + rng.IntN(5) // 1..5: district..grid, sometimes out of Wuhan
	grid := randomArea(rng, 5)
	if rng.IntN(40) == 0 {
		grid = "420201" + grid[6:] // 黄石, outside every Wuhan rule
	}
	var chain []string
	for l, n := range []int{6, 9, 12, 15} {
		if l < depth {
			chain = append(chain, grid[:n])
		}
	}
	sevs := []Severity{SeverityNormal, SeverityUrgent, SeverityCritical}
	return Query{
		Category: randomCategory(rng, 3),
		Chain:    chain,
		Severity: sevs[rng.IntN(3)],
		At:       time.Unix(1_764_000_000+rng.Int64N(14*86400), 0).UTC(),
	}
}

// demoLeads are city-level demo units, which may lead a rule anywhere.
func demoLeads(t testing.TB, dir *Directory) []string {
	var out []string
	for _, u := range dir.Units() {
		if slices.Equal(u.Areas, []string{"420100"}) {
			out = append(out, u.Code)
		}
	}
	if len(out) == 0 {
		t.Fatal("no city-level demo units")
	}
	return out
}

// bigEngine is the demo rules plus n generated ones.
func bigEngine(t testing.TB, n int) (*Engine, []Rule) {
	t.Helper()
	units, err := DemoUnits()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := NewDirectory(units)
	if err != nil {
		t.Fatal(err)
	}
	rules, err := DemoRules()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 11))
	rules = append(rules, genRules(rng, n, rules, demoLeads(t, dir))...)
	e, err := NewEngine(dir, rules)
	if err != nil {
		t.Fatal(err)
	}
	return e, rules
}

func TestEngineAgreesWithLinearScan(t *testing.T) {
	e, rules := bigEngine(t, 5000)
	lin := newLinear(rules)
	rng := rand.New(rand.NewPCG(3, 5))
	manual := 0
	const n = 5000
	for i := range n {
		q := randomQuery(rng)
		d := e.Decide(q)
		w := linearDecide(lin, q)
		switch {
		case w < 0 && !d.Manual:
			t.Fatalf("query %d %+v: engine chose %s, linear scan found no rule", i, q, d.RuleID)
		case w < 0:
			manual++
		case d.RuleID != rules[w].ID || d.Lead != rules[w].Lead || !slices.Equal(d.Co, rules[w].Co):
			t.Fatalf("query %d %+v: engine %+v, linear scan %s", i, q, d, rules[w].ID)
		}
	}
	if manual == 0 || manual == n {
		t.Errorf("%d of %d queries were manual: the random queries do not exercise both outcomes", manual, n)
	}
}

func TestExplanationAgreesWithLinearScan(t *testing.T) {
	e, rules := bigEngine(t, 2000)
	lin := newLinear(rules)
	rng := rand.New(rand.NewPCG(13, 17))
	for i := range 300 {
		q := randomQuery(rng)
		area, local := longest(q.Chain), q.At.In(shanghai)
		var wantMatched []string
		wantNear := map[string]Criterion{}
		for j := range lin {
			c := lin[j].criteria(q, area, local)
			failed := -1
			nFail := 0
			for k, ok := range c {
				if !ok {
					nFail++
					failed = k
				}
			}
			switch nFail {
			case 0:
				wantMatched = append(wantMatched, lin[j].ID)
			case 1:
				wantNear[lin[j].ID] = Criterion(failed)
			}
		}
		d := e.DecideExplained(q)
		x := d.Explanation
		var gotMatched []string
		if x.Winner != nil {
			gotMatched = append(gotMatched, x.Winner.Rule.ID)
		}
		for _, o := range x.Outranked {
			gotMatched = append(gotMatched, o.Rule.ID)
			if x.Winner.Specificity.Compare(o.Specificity) <= 0 {
				t.Fatalf("query %d: outranked %s is not less specific than the winner", i, o.Rule.ID)
			}
		}
		sort.Strings(gotMatched)
		sort.Strings(wantMatched)
		if !slices.Equal(gotMatched, wantMatched) {
			t.Fatalf("query %d %+v: matched %v, linear scan %v", i, q, gotMatched, wantMatched)
		}
		if x.NearMissCount != len(wantNear) || len(x.NearMisses) != min(len(wantNear), MaxNearMisses) {
			t.Fatalf("query %d %+v: %d near misses (%d listed), linear scan %d", i, q, x.NearMissCount, len(x.NearMisses), len(wantNear))
		}
		for _, n := range x.NearMisses {
			if c, ok := wantNear[n.Rule.ID]; !ok || c != n.Failed {
				t.Fatalf("query %d: near miss %s failed on %v, linear scan says %v (%v)", i, n.Rule.ID, n.Failed, c, ok)
			}
		}
		if p := e.Decide(q); p.RuleID != d.RuleID || p.Lead != d.Lead || p.Manual != d.Manual || !slices.Equal(p.Co, d.Co) {
			t.Fatalf("query %d: DecideExplained and Decide disagree", i)
		}
	}
}
