package situation

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/cases/casestest"
)

// The test oracle: the figures recomputed from scratch, case by case, the
// way a SQL GROUP BY over the case table and the event log would.

var testAreas = []cases.Location{
	{District: "D1", Street: "D1S1", Grid: "D1S1G1"},
	{District: "D1", Street: "D1S1", Grid: "D1S1G2"},
	{District: "D1", Street: "D1S2", Grid: "D1S2G1"},
	{District: "D2", Street: "D2S1", Grid: "D2S1G1"},
	{}, // not located
}

// randomLog builds n random case histories spread over four days before
// end, varied in area and category, merged into one log in time order with
// positions.
func randomLog(t testing.TB, r *rand.Rand, n int, end time.Time) []cases.Event {
	var all []cases.Event
	for i := range n {
		start := end.Add(-time.Duration(r.IntN(96*60)) * time.Minute)
		_, h, err := casestest.History(r, fmt.Sprintf("WH-%06d", i), start, r.IntN(40))
		if err != nil {
			t.Fatal(err)
		}
		nc := *h[0].Payload.Case
		loc := testAreas[r.IntN(len(testAreas))]
		nc.Location.District, nc.Location.Street, nc.Location.Grid = loc.District, loc.Street, loc.Grid
		nc.Category = []string{"01", "0102", "02", "0301", "03"}[r.IntN(5)]
		h[0].Payload.Case = &nc
		all = append(all, h...)
	}
	slices.SortStableFunc(all, func(a, b cases.Event) int { return a.At.Compare(b.At) })
	for i := range all {
		all[i].Pos = int64(i + 1)
	}
	return all
}

func inArea(c *cases.Case, area string) bool {
	l := c.Location
	return area == "" || area == l.District || area == l.Street || area == l.Grid
}

// naiveSnapshot recomputes a Snapshot from the whole log.
func naiveSnapshot(log []cases.Event, area string, children []string, top int, now time.Time) Snapshot {
	byCase := map[string][]cases.Event{}
	var ids []string
	for _, e := range log {
		if _, ok := byCase[e.CaseID]; !ok {
			ids = append(ids, e.CaseID)
		}
		byCase[e.CaseID] = append(byCase[e.CaseID], e)
	}
	total := map[string]*counters{} // by area code
	cats, units := map[string]*counters{}, map[string]*counters{}
	hours, days := map[int32]*trendCounts{}, map[int32]*trendCounts{}
	todayByArea := map[string]int64{}
	get := func(m map[string]*counters, k string) *counters {
		if m[k] == nil {
			m[k] = &counters{}
		}
		return m[k]
	}
	trend := func(m map[int32]*trendCounts, k int32) *trendCounts {
		if m[k] == nil {
			m[k] = &trendCounts{}
		}
		return m[k]
	}
	shDay := func(t time.Time) string { return t.In(Shanghai).Format("2006-01-02") }
	for _, id := range ids {
		h := byCase[id]
		var c cases.Case
		onTime := false
		var rated, satisfied int64
		var dispatchUnits, acceptUnits []string
		for _, e := range h {
			before := c.Deadlines
			if err := cases.Apply(&c, e); err != nil {
				panic(err)
			}
			switch e.Action {
			case cases.ActionDispatch, cases.ActionReassign, cases.ActionReopen:
				dispatchUnits = append(dispatchUnits, c.Unit)
			case cases.ActionAccept:
				if before.SignOff == nil || !e.At.After(*before.SignOff) {
					acceptUnits = append(acceptUnits, c.Unit)
				}
			case cases.ActionResolve:
				onTime = before.Resolve == nil || !e.At.After(*before.Resolve)
			case cases.ActionVerify:
				rated++
				if e.Payload.Satisfaction != cases.Unsatisfied {
					satisfied++
				}
			}
		}
		codes := []string{""}
		for _, code := range []string{c.Location.District, c.Location.Street, c.Location.Grid} {
			if code != "" {
				codes = append(codes, code)
			}
		}
		due, hasDue := c.NextDue()
		overdue := c.Open() && hasDue && due.Before(now)
		contribute := func(x *counters) {
			x.Total++
			if c.Open() {
				x.Open++
				x.ByState[slices.Index(cases.States, c.State)]++
			}
			if c.State == cases.StateResolved || c.State == cases.StateVerified || c.State == cases.StateClosed {
				x.Resolved++
				if onTime {
					x.ResolvedOnTime++
				}
			} else if overdue {
				x.OverdueUnres++
			}
			if overdue {
				x.Overdue++
			}
			x.Rated += rated
			x.Satisfied += satisfied
		}
		for _, code := range codes {
			contribute(get(total, code))
			get(total, code).Dispatches += int64(len(dispatchUnits))
			get(total, code).SignedOnTime += int64(len(acceptUnits))
			if shDay(c.CreatedAt) == shDay(now) {
				todayByArea[code]++
			}
		}
		if !inArea(&c, area) {
			continue
		}
		contribute(get(cats, level1(c.Category)))
		if c.Unit != "" {
			contribute(get(units, c.Unit))
		}
		trend(hours, int32(c.CreatedAt.Unix()/3600)).Intake++
		trend(days, dayIndex(c.CreatedAt)).Intake++
		for _, e := range h {
			if e.Action == cases.ActionResolve {
				trend(hours, int32(e.At.Unix()/3600)).Resolved++
				trend(days, dayIndex(e.At)).Resolved++
			}
		}
	}
	c := get(total, area)
	s := Snapshot{Area: area, At: now, LastPos: int64(len(log))}
	if len(log) > 0 {
		s.LastPos = log[len(log)-1].Pos
	}
	vals := map[string][2]int64{
		KPIIntakeToday: {todayByArea[area], 0}, KPIResponseRate: {c.SignedOnTime, c.Dispatches},
		KPIResolutionRate: {c.Resolved, c.Resolved + c.OverdueUnres}, KPISatisfaction: {c.Satisfied, c.Rated},
		KPIOnTimeRate: {c.ResolvedOnTime, c.Resolved}, KPIOverdue: {c.Overdue, 0}, KPIOpen: {c.Open, 0},
	}
	for _, d := range Definitions() {
		v := vals[d.ID]
		k := KPI{Definition: d, Numerator: v[0], Denominator: v[1], Value: ratio(v[0], v[1])}
		if !d.Ratio {
			f := float64(v[0])
			k.Value = &f
		}
		s.KPIs = append(s.KPIs, k)
	}
	for i, st := range cases.States {
		if !st.Terminal() {
			s.States = append(s.States, StateCount{State: st, Count: c.ByState[i]})
		}
	}
	for i := HourBuckets - 1; i >= 0; i-- {
		start := now.Truncate(time.Hour).Add(-time.Duration(i) * time.Hour)
		p := Point{Start: start.In(Shanghai)}
		if t := hours[int32(start.Unix()/3600)]; t != nil {
			p.Intake, p.Resolved = t.Intake, t.Resolved
		}
		s.Hours = append(s.Hours, p)
	}
	y, m, d := now.In(Shanghai).Date()
	midnight := time.Date(y, m, d, 0, 0, 0, 0, Shanghai)
	for i := DayBuckets - 1; i >= 0; i-- {
		start := midnight.AddDate(0, 0, -i)
		p := Point{Start: start}
		if t := days[dayIndex(start)]; t != nil {
			p.Intake, p.Resolved = t.Intake, t.Resolved
		}
		s.Days = append(s.Days, p)
	}
	s.Categories = groups(cats, top, byTotal)
	s.Units = groups(units, top, byOnTime)
	for _, code := range children {
		ht := Heat{Code: code}
		if x := total[code]; x != nil {
			ht.Total, ht.Open, ht.Overdue, ht.Today = x.Total, x.Open, x.Overdue, todayByArea[code]
		}
		s.Heat = append(s.Heat, ht)
	}
	return s
}

func TestSnapshotMatchesRecomputation(t *testing.T) {
	end := time.Date(2026, 3, 10, 9, 30, 0, 0, Shanghai)
	children := map[string][]string{"": {"D1", "D2", "D3"}, "D1": {"D1S1", "D1S2"}, "D1S1": {"D1S1G1", "D1S1G2"}, "D2S1G1": nil, "nowhere": nil}
	for seed := range uint64(6) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 7))
			log := randomLog(t, r, 300, end)
			a := New()
			// Apply in random chunks, some overlapping (replayed events
			// must be skipped), snapshotting at times that move on and,
			// once, go back.
			nows := []time.Duration{-70 * time.Hour, -40 * time.Hour, -41 * time.Hour, -3 * time.Hour, 0, 30 * time.Hour}
			applied := 0
			for step, off := range nows {
				upto := len(log) * (step + 1) / len(nows)
				from := max(0, applied-r.IntN(20))
				if err := a.Apply(log[from:upto]...); err != nil {
					t.Fatal(err)
				}
				applied = upto
				now := end.Add(off)
				for area, kids := range children {
					got := a.Snapshot(area, kids, 3, now)
					want := naiveSnapshot(log[:upto], area, kids, 3, now)
					if dump(got) != dump(want) {
						t.Fatalf("step %d area %q at %v:\n got %s\nwant %s", step, area, now, dump(got), dump(want))
					}
				}
			}
		})
	}
}

func dump(s Snapshot) string {
	b, err := json.MarshalIndent(s, "", " ")
	if err != nil {
		return err.Error()
	}
	return string(b)
}
