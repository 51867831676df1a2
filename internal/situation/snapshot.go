package situation

import (
	"cmp"
	"slices"
	"time"

	"yiwang/internal/cases"
)

// KPI is one figure of a Snapshot with its definition. Value is nil for a
// rate whose denominator is zero.
type KPI struct {
	Definition
	Value       *float64 `json:"value"`
	Numerator   int64    `json:"numerator"`
	Denominator int64    `json:"denominator,omitempty"`
}

// StateCount is the number of open cases in one state.
type StateCount struct {
	State cases.State `json:"state"`
	Count int64       `json:"count"`
}

// Point is one bucket of a trend: cases created and resolutions in it.
type Point struct {
	Start    time.Time `json:"start"`
	Intake   int64     `json:"intake"`
	Resolved int64     `json:"resolved"`
}

// Group is the figures of a category or a unit within the area.
type Group struct {
	Code     string   `json:"code"`
	Total    int64    `json:"total"`
	Open     int64    `json:"open"`
	Overdue  int64    `json:"overdue"`
	Resolved int64    `json:"resolved"`
	OnTime   int64    `json:"on_time"`
	Rate     *float64 `json:"on_time_rate"`
}

// Heat is the figures of one child area, for the map.
type Heat struct {
	Code    string `json:"code"`
	Total   int64  `json:"total"`
	Open    int64  `json:"open"`
	Overdue int64  `json:"overdue"`
	Today   int64  `json:"today"`
}

// Snapshot is the situation of one area at one instant.
type Snapshot struct {
	Area   string       `json:"area"`
	At     time.Time    `json:"at"`
	KPIs   []KPI        `json:"kpis"`
	States []StateCount `json:"open_by_state"`
	Hours  []Point      `json:"hours"`
	Days   []Point      `json:"days"`
	// Categories are the level-1 categories by total cases, most first.
	Categories []Group `json:"categories"`
	// Units rank the units by on-time rate (then fewer overdue).
	Units []Group `json:"units"`
	Heat  []Heat  `json:"heat"`
	// LastPos is the log position the figures include.
	LastPos int64 `json:"last_pos"`
}

// Snapshot returns the figures of area ("" for the whole city) at now,
// with heat for the given child areas and at most top categories and
// units. Its cost is O(children + units + categories of the area + trend
// length): it never visits cases (except once after the clock goes back).
func (a *Aggregates) Snapshot(area string, children []string, top int, now time.Time) Snapshot {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.advance(now)
	s := Snapshot{Area: area, At: now, LastPos: a.lastPos}
	ag := &areaAgg{}
	id, ok := a.areaIDs[area]
	if ok {
		ag = a.areas[id]
	} else {
		id = -1
	}
	c := ag.counters
	today := dayIndex(now)
	var todayIntake int64
	if t := a.days[bucketKey{id, today}]; t != nil && id >= 0 {
		todayIntake = t.Intake
	}
	vals := map[string][2]int64{
		KPIIntakeToday:    {todayIntake, 0},
		KPIResponseRate:   {c.SignedOnTime, c.Dispatches},
		KPIResolutionRate: {c.Resolved, c.Resolved + c.OverdueUnres},
		KPISatisfaction:   {c.Satisfied, c.Rated},
		KPIOnTimeRate:     {c.ResolvedOnTime, c.Resolved},
		KPIOverdue:        {c.Overdue, 0},
		KPIOpen:           {c.Open, 0},
	}
	for _, d := range Definitions() {
		v := vals[d.ID]
		k := KPI{Definition: d, Numerator: v[0], Denominator: v[1]}
		if !d.Ratio {
			f := float64(v[0])
			k.Value = &f
		} else {
			k.Value = ratio(v[0], v[1])
		}
		s.KPIs = append(s.KPIs, k)
	}
	for i, st := range cases.States {
		if !st.Terminal() {
			s.States = append(s.States, StateCount{State: st, Count: c.ByState[i]})
		}
	}
	h := hourIndex(now)
	for i := int32(HourBuckets - 1); i >= 0; i-- {
		p := Point{Start: time.Unix(int64(h-i)*3600, 0).In(Shanghai)}
		if t := a.hours[bucketKey{id, h - i}]; t != nil && id >= 0 {
			p.Intake, p.Resolved = t.Intake, t.Resolved
		}
		s.Hours = append(s.Hours, p)
	}
	for i := int32(DayBuckets - 1); i >= 0; i-- {
		p := Point{Start: time.Unix(int64(today-i)*86400-8*3600, 0).In(Shanghai)}
		if t := a.days[bucketKey{id, today - i}]; t != nil && id >= 0 {
			p.Intake, p.Resolved = t.Intake, t.Resolved
		}
		s.Days = append(s.Days, p)
	}
	s.Categories = groups(ag.cats, top, byTotal)
	s.Units = groups(ag.units, top, byOnTime)
	for _, code := range children {
		ht := Heat{Code: code}
		if cid, ok := a.areaIDs[code]; ok {
			cc := a.areas[cid].counters
			ht.Total, ht.Open, ht.Overdue = cc.Total, cc.Open, cc.Overdue
			if t := a.days[bucketKey{cid, today}]; t != nil {
				ht.Today = t.Intake
			}
		}
		s.Heat = append(s.Heat, ht)
	}
	return s
}

// byTotal orders groups by total cases, most first.
func byTotal(x, y Group) int {
	return cmp.Or(cmp.Compare(y.Total, x.Total), cmp.Compare(x.Code, y.Code))
}

// byOnTime ranks units: higher on-time rate, then fewer overdue, then more
// resolved.
func byOnTime(x, y Group) int {
	return cmp.Or(cmpRate(x.Rate, y.Rate), cmp.Compare(x.Overdue, y.Overdue),
		cmp.Compare(y.Resolved, x.Resolved), cmp.Compare(x.Code, y.Code))
}

// cmpRate orders higher rates first and undefined rates last.
func cmpRate(x, y *float64) int {
	switch {
	case x == nil && y == nil:
		return 0
	case x == nil:
		return 1
	case y == nil:
		return -1
	}
	return cmp.Compare(*y, *x)
}

func groups(m map[string]*counters, top int, order func(x, y Group) int) []Group {
	out := make([]Group, 0, len(m))
	for code, c := range m {
		if code == "" || c.Total == 0 {
			continue
		}
		out = append(out, Group{Code: code, Total: c.Total, Open: c.Open, Overdue: c.Overdue,
			Resolved: c.Resolved, OnTime: c.ResolvedOnTime, Rate: ratio(c.ResolvedOnTime, c.Resolved)})
	}
	slices.SortFunc(out, order)
	if top > 0 && len(out) > top {
		out = out[:top]
	}
	return out
}

func ratio(num, den int64) *float64 {
	if den == 0 {
		return nil
	}
	f := float64(num) / float64(den)
	return &f
}
