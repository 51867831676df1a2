package sla

import (
	"math/rand/v2"
	"testing"
	"time"

	"yiwang/internal/calendar"
)

const office = "08:30-12:00,14:00-17:30"

func mustCal(t testing.TB, sched string) *calendar.Calendar {
	t.Helper()
	s, err := calendar.ParseSchedule(sched)
	if err != nil {
		t.Fatal(err)
	}
	c, err := calendar.Official(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// at parses "2006-01-02 15:04" in Shanghai.
func at(t testing.TB, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation(calendar.Zone)
	if err != nil {
		t.Fatal(err)
	}
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestDeadline(t *testing.T) {
	cal := mustCal(t, office)
	type pause struct{ from, to string }
	tests := []struct {
		name   string
		clock  string
		start  string
		pauses []pause
		want   string
	}{
		{"no pause", "2h working", "2025-09-30 09:00", nil, "2025-09-30 11:00"},
		{"suspension spanning National Day", "2h working", "2025-09-30 09:00",
			[]pause{{"2025-09-30 10:00", "2025-10-09 10:00"}}, "2025-10-09 11:00"},
		// Sep 29 10:00 → Sep 30 10:00 uses 7h of 21h; the pause holds Sep 30
		// 10:00-17:30 and Oct 9 08:30-10:00; 14h more from Oct 9 10:00 ends
		// on the 调休 Saturday Oct 11 at 10:00.
		{"working days suspended over the holiday", "3d working", "2025-09-29 10:00",
			[]pause{{"2025-09-30 10:00", "2025-10-09 10:00"}}, "2025-10-11 10:00"},
		{"working days without pause is AddDays", "3d working", "2025-09-29 10:00", nil, "2025-10-10 10:00"},
		{"pause entirely on the holiday changes nothing", "3d working", "2025-09-29 10:00",
			[]pause{{"2025-10-02 00:00", "2025-10-05 00:00"}}, "2025-10-10 10:00"},
		{"pause ending inside the roll-forward gap", "1d working", "2025-09-29 08:30",
			[]pause{{"2025-09-29 18:00", "2025-09-30 09:00"}}, "2025-09-30 09:00"},
		{"pause before start is ignored", "1h working", "2025-10-09 09:00",
			[]pause{{"2025-09-30 10:00", "2025-10-01 10:00"}}, "2025-10-09 10:00"},
		{"start inside a pause", "1h working", "2025-10-09 09:00",
			[]pause{{"2025-10-09 08:00", "2025-10-09 15:00"}}, "2025-10-09 16:00"},
		{"calendar clock paused", "2h calendar", "2025-09-30 16:00",
			[]pause{{"2025-09-30 16:30", "2025-09-30 17:30"}}, "2025-09-30 19:00"},
		{"calendar clock runs through holidays", "24h calendar", "2025-09-30 10:00", nil, "2025-10-01 10:00"},
		{"calendar clock paused over holidays", "24h calendar", "2025-09-30 10:00",
			[]pause{{"2025-10-01 00:00", "2025-10-03 00:00"}}, "2025-10-03 10:00"},
		{"unsorted overlapping pauses merge", "2h calendar", "2025-09-30 10:00",
			[]pause{{"2025-09-30 11:30", "2025-09-30 12:00"}, {"2025-09-30 10:30", "2025-09-30 11:00"}, {"2025-09-30 10:45", "2025-09-30 11:40"}},
			"2025-09-30 13:30"}, // union 10:30-12:00
		{"inverted pause ignored", "2h calendar", "2025-09-30 10:00",
			[]pause{{"2025-09-30 11:00", "2025-09-30 10:30"}}, "2025-09-30 12:00"},
		{"budget used up exactly when the pause starts", "1h working", "2025-09-30 09:00",
			[]pause{{"2025-09-30 10:00", "2025-10-09 10:00"}}, "2025-09-30 10:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ps []Interval
			for _, p := range tt.pauses {
				ps = append(ps, Interval{at(t, p.from), at(t, p.to)})
			}
			c := clk(t, tt.clock)
			got := Deadline(c, at(t, tt.start), ps, cal)
			if want := at(t, tt.want); !got.Equal(want) {
				t.Fatalf("Deadline = %s, want %s", got.Format(time.DateTime), tt.want)
			}
		})
	}
}

func TestStatusColours(t *testing.T) {
	cal := mustCal(t, office)
	start := at(t, "2025-09-29 09:00")
	cal100 := clk(t, "100m calendar")
	due := Deadline(cal100, start, nil, cal)
	work := clk(t, "1h working")
	wstart := at(t, "2025-09-29 11:30")
	wdue := Deadline(work, wstart, nil, cal) // 11:30-12:00 + 14:00-14:30
	if !wdue.Equal(at(t, "2025-09-29 14:30")) {
		t.Fatalf("working due %s", wdue)
	}
	tests := []struct {
		name       string
		clock      Clock
		start, due time.Time
		now        time.Time
		yellowAt   float64
		used       float64
		left       time.Duration
		colour     Colour
	}{
		{"before start", cal100, start, due, start.Add(-time.Hour), 0.8, 0, 100 * time.Minute, Green},
		{"just under the threshold", cal100, start, due, start.Add(79 * time.Minute), 0.8, 0.79, 21 * time.Minute, Green},
		{"at the threshold", cal100, start, due, start.Add(80 * time.Minute), 0.8, 0.80, 20 * time.Minute, Yellow},
		{"one minute before due", cal100, start, due, start.Add(99 * time.Minute), 0.8, 0.99, time.Minute, Yellow},
		{"at due", cal100, start, due, due, 0.8, 1, 0, Red},
		{"overdue", cal100, start, due, due.Add(10 * time.Minute), 0.8, 1.1, -10 * time.Minute, Red},
		{"critical threshold 0.5", cal100, start, due, start.Add(50 * time.Minute), 0.5, 0.5, 50 * time.Minute, Yellow},
		{"invalid threshold means 0.8", cal100, start, due, start.Add(79 * time.Minute), 0, 0.79, 21 * time.Minute, Green},
		{"lunch does not count", work, wstart, wdue, at(t, "2025-09-29 13:59"), 0.8, 0.5, 30 * time.Minute, Green},
		{"working threshold after lunch", work, wstart, wdue, at(t, "2025-09-29 14:18"), 0.8, 0.8, 12 * time.Minute, Yellow},
		{"working overdue counts working time", work, wstart, wdue, at(t, "2025-09-30 09:00"), 0.8, 4.5, -3*time.Hour - 30*time.Minute, Red},
	}
	for _, tt := range tests {
		st := tt.clock.Status(tt.now, tt.start, tt.due, nil, cal, tt.yellowAt)
		if !near(st.Used, tt.used) || st.Left != tt.left || st.Colour != tt.colour {
			t.Errorf("%s: got %.4f %v %v, want %.4f %v %v", tt.name, st.Used, st.Left, st.Colour, tt.used, tt.left, tt.colour)
		}
	}
}

func TestStatusPausedOverHoliday(t *testing.T) {
	cal := mustCal(t, office)
	c := clk(t, "2h working")
	start := at(t, "2025-09-30 09:00")
	ps := []Interval{{at(t, "2025-09-30 10:00"), at(t, "2025-10-09 10:00")}}
	due := Deadline(c, start, ps, cal)
	for _, tt := range []struct {
		now    string
		used   float64
		colour Colour
	}{
		{"2025-09-30 09:59", 59.0 / 120, Green},
		{"2025-10-05 12:00", 0.5, Green}, // suspended: the clock stands still
		{"2025-10-09 10:36", 96.0 / 120, Yellow},
		{"2025-10-09 11:00", 1, Red},
	} {
		st := c.Status(at(t, tt.now), start, due, ps, cal, 0.8)
		if !near(st.Used, tt.used) || st.Colour != tt.colour {
			t.Errorf("now %s: used %.4f %v, want %.4f %v", tt.now, st.Used, st.Colour, tt.used, tt.colour)
		}
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

// naive is the minute-stepping reference for Deadline and Status.
type naive struct {
	cal *calendar.Calendar
}

func (n naive) counts(c Clock, t time.Time, pauses []Interval) bool {
	for _, p := range pauses {
		if !t.Before(p.Start) && t.Before(p.End) {
			return false
		}
	}
	return c.Mode == ModeCalendar || n.cal.IsWorkingTime(t)
}

func (n naive) deadline(c Clock, start time.Time, pauses []Interval) time.Time {
	need := int(c.Budget(n.cal) / time.Minute)
	t := start
	for need > 0 {
		if n.counts(c, t, pauses) {
			need--
		}
		t = t.Add(time.Minute)
	}
	if c.Mode == ModeWorking && c.Days > 0 {
		for !n.counts(c, t, pauses) {
			t = t.Add(time.Minute)
		}
	}
	return t
}

func (n naive) used(c Clock, a, b time.Time, pauses []Interval) time.Duration {
	var u time.Duration
	for t := a; t.Before(b); t = t.Add(time.Minute) {
		if n.counts(c, t, pauses) {
			u += time.Minute
		}
	}
	return u
}

func (n naive) status(c Clock, now, start, due time.Time, pauses []Interval, yellowAt float64) Status {
	budget, used := n.used(c, start, due, pauses), n.used(c, start, now, pauses)
	st := Status{Used: float64(used) / float64(budget), Left: budget - used}
	switch {
	case !now.Before(due):
		st.Colour = Red
	case st.Used >= yellowAt:
		st.Colour = Yellow
	}
	return st
}

var oracleClocks = []string{"30m calendar", "2h calendar", "1h working", "2h working", "1h30m working", "1d working", "3d working", "1d calendar"}

func randomCase(r *rand.Rand, t testing.TB, cal *calendar.Calendar) (Clock, time.Time, []Interval) {
	c := clk(t, oracleClocks[r.IntN(len(oracleClocks))])
	// Minutes in 2025-09-15 .. 2026-03-15, across National Day and Spring Festival.
	base := at(t, "2025-09-15 00:00")
	start := base.Add(time.Duration(r.IntN(181*24*60)) * time.Minute)
	var ps []Interval
	for range r.IntN(4) {
		from := start.Add(time.Duration(r.IntN(6*24*60)-24*60) * time.Minute)
		ps = append(ps, Interval{from, from.Add(time.Duration(r.IntN(5*24*60)) * time.Minute)})
	}
	return c, start, ps
}

func TestAgainstNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, sched := range []string{office, "24x7"} {
		cal := mustCal(t, sched)
		n := naive{cal}
		for i := range 300 {
			c, start, ps := randomCase(r, t, cal)
			due := Deadline(c, start, ps, cal)
			if want := n.deadline(c, start, ps); !due.Equal(want) {
				t.Fatalf("%s #%d %s from %s pauses %v: Deadline %s, naive %s", sched, i, c, start, ps, due, want)
			}
			now := start.Add(time.Duration(r.IntN(int(due.Sub(start)/time.Minute)*5/4+2)) * time.Minute)
			got, want := c.Status(now, start, due, ps, cal, 0.8), n.status(c, now, start, due, ps, 0.8)
			if !near(got.Used, want.Used) || got.Left != want.Left || got.Colour != want.Colour {
				t.Fatalf("%s #%d %s now %s: Status %+v, naive %+v", sched, i, c, now, got, want)
			}
		}
	}
}

func TestWorkingDaysMatchAddDays(t *testing.T) {
	cal := mustCal(t, office)
	r := rand.New(rand.NewPCG(9, 10))
	for range 2000 {
		start := at(t, "2024-01-01 00:00").Add(time.Duration(r.IntN(4*365*24*60)) * time.Minute)
		c := Clock{Mode: ModeWorking, Days: 1 + r.IntN(20)}
		want := cal.AddDays(start, c.Days)
		// A pause before start forces the general path.
		p := []Interval{{start.Add(-2 * time.Hour), start.Add(-time.Hour)}}
		if got := Deadline(c, start, p, cal); !got.Equal(want) {
			t.Fatalf("%s from %s: general path %s, AddDays %s", c, start, got, want)
		}
	}
}
