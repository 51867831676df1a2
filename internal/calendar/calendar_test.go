package calendar

import (
	"math/rand/v2"
	"testing"
	"time"
)

const office = "08:30-12:00,14:00-17:30"

func mustCal(t testing.TB, sched string) *Calendar {
	t.Helper()
	s, err := ParseSchedule(sched)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Official(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// at parses "2006-01-02 15:04" in Shanghai.
func at(t testing.TB, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation(Zone)
	if err != nil {
		t.Fatal(err)
	}
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestKind(t *testing.T) {
	c := mustCal(t, office)
	tests := []struct {
		day     string
		kind    DayKind
		name    string
		working bool
		covers  bool
	}{
		{"2025-09-27 10:00", Weekend, "", false, true},
		{"2025-09-28 10:00", MakeupWorkday, "国庆节、中秋节", true, true},
		{"2025-10-01 10:00", Holiday, "国庆节、中秋节", false, true},
		{"2025-10-08 10:00", Holiday, "国庆节、中秋节", false, true},
		{"2025-10-09 10:00", Workday, "", true, true},
		{"2025-10-11 10:00", MakeupWorkday, "国庆节、中秋节", true, true},
		{"2026-02-14 10:00", MakeupWorkday, "春节", true, true},
		{"2026-02-23 10:00", Holiday, "春节", false, true},
		{"2018-12-29 10:00", MakeupWorkday, "元旦", true, true},
		{"2027-01-01 10:00", Workday, "", true, false}, // no data: an ordinary Friday
		{"2017-12-30 10:00", Weekend, "", false, false},
	}
	for _, tt := range tests {
		ts := at(t, tt.day)
		kind, name := c.Kind(ts)
		if kind != tt.kind || name != tt.name {
			t.Errorf("Kind(%s) = %v %q, want %v %q", tt.day, kind, name, tt.kind, tt.name)
		}
		if got := c.IsWorkingDay(ts); got != tt.working {
			t.Errorf("IsWorkingDay(%s) = %v, want %v", tt.day, got, tt.working)
		}
		if got := c.Covers(ts); got != tt.covers {
			t.Errorf("Covers(%s) = %v, want %v", tt.day, got, tt.covers)
		}
	}
	if c.FirstYear() != 2018 || c.LastYear() != 2026 {
		t.Errorf("years %d..%d, want 2018..2026", c.FirstYear(), c.LastYear())
	}
}

func TestIsWorkingTime(t *testing.T) {
	c := mustCal(t, office)
	tests := []struct {
		at   string
		want bool
	}{
		{"2025-09-29 08:29", false},
		{"2025-09-29 08:30", true},
		{"2025-09-29 11:59", true},
		{"2025-09-29 12:00", false}, // intervals are half-open
		{"2025-09-29 14:00", true},
		{"2025-09-29 17:30", false},
		{"2025-09-28 09:00", true},  // 调休 Sunday
		{"2025-10-01 09:00", false}, // National Day
		{"2025-10-12 09:00", false}, // ordinary Sunday
	}
	for _, tt := range tests {
		if got := c.IsWorkingTime(at(t, tt.at)); got != tt.want {
			t.Errorf("IsWorkingTime(%s) = %v, want %v", tt.at, got, tt.want)
		}
	}
}

func TestAdd(t *testing.T) {
	tests := []struct {
		name  string
		sched string
		start string
		d     time.Duration
		want  string
	}{
		{"crosses National Day 2025", office, "2025-09-30 16:00", 3 * time.Hour, "2025-10-09 10:00"},
		{"uses 调休 Sunday 2025-09-28", office, "2025-09-26 17:00", time.Hour, "2025-09-28 09:00"},
		{"uses 调休 Saturday 2025-10-11", office, "2025-10-10 17:00", time.Hour, "2025-10-11 09:00"},
		{"one minute before the holiday: ends at closing", office, "2025-09-30 17:29", time.Minute, "2025-09-30 17:30"},
		{"one minute before the holiday: spills over", office, "2025-09-30 17:29", 2 * time.Minute, "2025-10-09 08:31"},
		{"one minute before the holiday: one hour", office, "2025-09-30 17:29", time.Hour, "2025-10-09 09:29"},
		{"exact end of morning is 12:00, not 14:00", office, "2025-09-29 11:00", time.Hour, "2025-09-29 12:00"},
		{"lunch is skipped", office, "2025-09-29 11:00", time.Hour + time.Minute, "2025-09-29 14:01"},
		{"start in lunch counts from 14:00", office, "2025-09-29 12:30", time.Hour, "2025-09-29 15:00"},
		{"Spring Festival 2026 via 调休 Saturday", office, "2026-02-13 15:00", 5 * time.Hour, "2026-02-14 11:00"},
		{"Spring Festival 2026 across the break", office, "2026-02-14 17:00", time.Hour, "2026-02-24 09:00"},
		{"midnight on a working day", office, "2025-10-09 00:00", time.Hour, "2025-10-09 09:30"},
		{"midnight on a holiday", office, "2025-10-01 00:00", time.Hour, "2025-10-09 09:30"},
		{"midnight with a full-day schedule", "00:00-24:00", "2025-09-30 23:30", time.Hour, "2025-10-09 00:30"},
		{"full day ends exactly at midnight", "00:00-24:00", "2025-09-30 23:00", time.Hour, "2025-10-01 00:00"},
		{"24x7 ignores holidays", "24x7", "2025-09-30 17:29", time.Hour, "2025-09-30 18:29"},
		{"24x7 across days", "24x7", "2025-09-30 17:29", 50 * time.Hour, "2025-10-02 19:29"},
		{"before the data: New Year 2018", office, "2017-12-29 17:00", time.Hour, "2018-01-02 09:00"},
		{"after the data: ordinary weeks", office, "2026-12-31 17:00", time.Hour, "2027-01-01 09:00"},
		{"weeks after the data", office, "2027-01-01 09:00", 14 * time.Hour, "2027-01-05 09:00"},
		{"zero duration returns start", office, "2025-10-01 10:00", 0, "2025-10-01 10:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustCal(t, tt.sched)
			start := at(t, tt.start)
			got := c.Add(start, tt.d)
			if want := at(t, tt.want); !got.Equal(want) {
				t.Fatalf("Add(%s, %v) = %s, want %s", tt.start, tt.d, got.Format(time.DateTime), tt.want)
			}
			if got.Location().String() != Zone && tt.d > 0 {
				t.Errorf("location %s, want %s", got.Location(), Zone)
			}
			if b := c.Between(start, got); b != tt.d {
				t.Errorf("Between(start, Add) = %v, want %v", b, tt.d)
			}
		})
	}
}

func TestAddDays(t *testing.T) {
	tests := []struct {
		name  string
		sched string
		start string
		n     int
		want  string
	}{
		{"3 working days across National Day", office, "2025-09-29 10:00", 3, "2025-10-10 10:00"},
		{"5 working days use 调休 2025-10-11", office, "2025-09-29 10:00", 5, "2025-10-13 10:00"},
		{"Friday before uses 调休 Sunday", office, "2025-09-26 16:00", 1, "2025-09-28 16:00"},
		{"one minute before the holiday", office, "2025-09-30 17:29", 1, "2025-10-09 17:29"},
		{"after closing counts from next opening", office, "2025-09-30 17:30", 1, "2025-10-10 08:30"},
		{"Saturday request normalised to the 调休 Sunday", office, "2025-09-27 10:00", 1, "2025-09-29 08:30"},
		{"lunch request counts from 14:00", office, "2025-09-29 12:30", 1, "2025-09-30 14:00"},
		{"Spring Festival 2026: 调休 Saturday", office, "2026-02-13 15:00", 1, "2026-02-14 15:00"},
		{"Spring Festival 2026: across the break", office, "2026-02-13 15:00", 2, "2026-02-24 15:00"},
		{"midnight request", office, "2025-10-09 00:00", 1, "2025-10-10 08:30"},
		{"24x7 counts calendar days", "24x7", "2025-09-30 17:29", 3, "2025-10-03 17:29"},
		{"zero days returns start", office, "2025-10-01 10:00", 0, "2025-10-01 10:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustCal(t, tt.sched)
			got := c.AddDays(at(t, tt.start), tt.n)
			if want := at(t, tt.want); !got.Equal(want) {
				t.Fatalf("AddDays(%s, %d) = %s, want %s", tt.start, tt.n, got.Format(time.DateTime), tt.want)
			}
		})
	}
}

func TestNextWorkingTime(t *testing.T) {
	c := mustCal(t, office)
	tests := []struct{ in, want string }{
		{"2025-09-29 09:00", "2025-09-29 09:00"},
		{"2025-09-29 12:00", "2025-09-29 14:00"},
		{"2025-09-29 18:00", "2025-09-30 08:30"},
		{"2025-09-30 17:30", "2025-10-09 08:30"},
		{"2025-09-27 00:00", "2025-09-28 08:30"},
	}
	for _, tt := range tests {
		if got := c.NextWorkingTime(at(t, tt.in)); !got.Equal(at(t, tt.want)) {
			t.Errorf("NextWorkingTime(%s) = %s, want %s", tt.in, got.Format(time.DateTime), tt.want)
		}
	}
}

func TestBetween(t *testing.T) {
	tests := []struct {
		sched, a, b string
		want        time.Duration
	}{
		{office, "2025-09-30 16:00", "2025-10-09 10:00", 3 * time.Hour},
		// Sep 26, 28 (调休), 29, 30, Oct 9, 10, 11 (调休): 7 days of 7h.
		{office, "2025-09-26 08:30", "2025-10-13 08:30", 49 * time.Hour},
		{office, "2025-10-01 00:00", "2025-10-08 23:59", 0},
		{office, "2025-10-09 10:00", "2025-10-09 09:00", 0}, // reversed
		{"24x7", "2025-10-01 00:00", "2025-10-08 00:00", 7 * 24 * time.Hour},
	}
	for _, tt := range tests {
		c := mustCal(t, tt.sched)
		if got := c.Between(at(t, tt.a), at(t, tt.b)); got != tt.want {
			t.Errorf("%s Between(%s, %s) = %v, want %v", tt.sched, tt.a, tt.b, got, tt.want)
		}
	}
}

func TestInputLocationIrrelevant(t *testing.T) {
	c := mustCal(t, office)
	s := at(t, "2025-09-30 16:00")
	if got := c.Add(s.UTC(), 3*time.Hour); !got.Equal(at(t, "2025-10-09 10:00")) {
		t.Fatalf("Add from a UTC time = %s", got)
	}
}

// randomMinute returns a whole-minute instant between 2017-06 and 2027-06,
// so the property tests cross both ends of the holiday data.
func randomMinute(r *rand.Rand, loc *time.Location) time.Time {
	base := time.Date(2017, 6, 1, 0, 0, 0, 0, loc)
	return base.Add(time.Duration(r.IntN(10*365*24*60)) * time.Minute)
}

func TestAddBetweenInverse(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, sched := range []string{office, "24x7", "00:00-24:00", "09:00-09:01,23:59-24:00"} {
		c := mustCal(t, sched)
		for range 20000 {
			a := randomMinute(r, c.loc).Add(time.Duration(r.IntN(60)) * time.Second)
			d := time.Duration(r.Int64N(int64(40 * 24 * time.Hour)))
			end := c.Add(a, d)
			if got := c.Between(a, end); got != d {
				t.Fatalf("%s: Between(%s, Add(%v)) = %v", sched, a, d, got)
			}
			if d > 0 && c.Between(a, end.Add(-time.Nanosecond)) >= d {
				t.Fatalf("%s: Add(%s, %v) = %s is not the earliest instant", sched, a, d, end)
			}
			b := a.Add(time.Duration(r.Int64N(int64(60 * 24 * time.Hour))))
			w := c.Between(a, b)
			if back := c.Add(a, w); back.After(b) || c.Between(a, back) != w {
				t.Fatalf("%s: Add(a, Between(a, b)) = %s, b = %s", sched, back, b)
			}
			n := r.IntN(30)
			if got, want := c.AddDays(a, n), c.NextWorkingTime(c.Add(a, time.Duration(n)*c.DayLength())); n > 0 && !got.Equal(want) {
				t.Fatalf("%s: AddDays(%s, %d) = %s, want %s", sched, a, n, got, want)
			}
		}
	}
}

func TestAgainstOracle(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	cases := []struct {
		sched  string
		spans  [][2]int
		always bool
	}{
		{office, officeSpans, false},
		{"24x7", [][2]int{{0, 1440}}, true},
		{"07:00-07:30,22:00-24:00", [][2]int{{420, 450}, {1320, 1440}}, false},
	}
	for _, cs := range cases {
		c := mustCal(t, cs.sched)
		o := newOracle(t, cs.spans, cs.always)
		for range 150 {
			a := randomMinute(r, c.loc)
			d := time.Duration(r.IntN(3*24*60)) * time.Minute
			if got, want := c.Add(a, d), o.add(a, d); d > 0 && !got.Equal(want) {
				t.Fatalf("%s: Add(%s, %v) = %s, oracle %s", cs.sched, a, d, got, want)
			}
			b := a.Add(time.Duration(r.IntN(10*24*60)) * time.Minute)
			if got, want := c.Between(a, b), o.between(a, b); got != want {
				t.Fatalf("%s: Between(%s, %s) = %v, oracle %v", cs.sched, a, b, got, want)
			}
			if got, want := c.IsWorkingTime(a), o.workingMinute(a); got != want {
				t.Fatalf("%s: IsWorkingTime(%s) = %v, oracle %v", cs.sched, a, got, want)
			}
			n := 1 + r.IntN(10)
			if got, want := c.AddDays(a, n), o.addDays(a, n); !got.Equal(want) {
				t.Fatalf("%s: AddDays(%s, %d) = %s, oracle %s", cs.sched, a, n, got, want)
			}
		}
	}
}

func TestEveryDayAgainstCSV(t *testing.T) {
	c := mustCal(t, office)
	o := newOracle(t, officeSpans, false)
	for d := at(t, "2017-12-01 10:00"); d.Year() < 2028; d = d.AddDate(0, 0, 1) {
		if got, want := c.IsWorkingDay(d), o.workingDay(d); got != want {
			t.Fatalf("IsWorkingDay(%s) = %v, CSV says %v", d.Format(time.DateOnly), got, want)
		}
	}
}
