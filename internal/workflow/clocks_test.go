package workflow

import (
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/sla"
)

// TestClocksColours checks when clocks turn yellow and red. The water
// bureau is 24x7, so its 2h working sign-off clock is 2h of wall time
// and turns yellow at 80% (1h36m); a critical case's clocks turn yellow
// at half their budget.
func TestClocksColours(t *testing.T) {
	f := newFixture(t, newFakeStore())
	t0 := at(2025, 9, 29, 10, 0)
	normal := f.create(newCase("0102", cases.SeverityNormal), t0)
	critical := f.create(newCase("0102", cases.SeverityCritical), t0)
	office := f.create(newCase("0101", cases.SeverityNormal), at(2025, 9, 30, 17, 0))
	tests := []struct {
		name   string
		c      cases.Case
		clock  string
		now    time.Time
		colour sla.Colour
		left   time.Duration
	}{
		{"normal sign-off, 1h in", normal, cases.ClockSignOff, t0.Add(time.Hour), sla.Green, time.Hour},
		{"normal sign-off, 1m before yellow", normal, cases.ClockSignOff, t0.Add(95 * time.Minute), sla.Green, 25 * time.Minute},
		{"normal sign-off, 80% used", normal, cases.ClockSignOff, t0.Add(96 * time.Minute), sla.Yellow, 24 * time.Minute},
		{"normal sign-off, due", normal, cases.ClockSignOff, t0.Add(2 * time.Hour), sla.Red, 0},
		{"normal sign-off, 1h overdue", normal, cases.ClockSignOff, t0.Add(3 * time.Hour), sla.Red, -time.Hour},
		{"critical sign-off, 14m in", critical, cases.ClockSignOff, t0.Add(14 * time.Minute), sla.Green, 16 * time.Minute},
		{"critical sign-off, half used", critical, cases.ClockSignOff, t0.Add(15 * time.Minute), sla.Yellow, 15 * time.Minute},
		{"critical on-site, due", critical, cases.ClockOnSite, t0.Add(time.Hour), sla.Red, 0},
		// Office hours: 30 working minutes used on 09-30, none during
		// the holiday, so still green on 10-05 with 1h30m working left.
		{"office sign-off over the holiday", office, cases.ClockSignOff, at(2025, 10, 5, 12, 0), sla.Green, 90 * time.Minute},
		{"office sign-off, 10-09 09:42", office, cases.ClockSignOff, at(2025, 10, 9, 9, 42), sla.Yellow, 18 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *ClockStatus
			for _, cs := range f.w.Clocks(tt.c, tt.now) {
				if cs.Clock == tt.clock {
					got = &cs
				}
			}
			if got == nil {
				t.Fatalf("no %s clock in %+v", tt.clock, f.w.Clocks(tt.c, tt.now))
			}
			if got.Colour != tt.colour || got.Left != tt.left || got.Paused {
				t.Errorf("%s at %s = %s, left %v, paused %v; want %s, left %v", tt.clock, tt.now.In(shanghai), got.Colour, got.Left, got.Paused, tt.colour, tt.left)
			}
		})
	}
}

// TestClocksByState checks which clocks a case shows in each state.
func TestClocksByState(t *testing.T) {
	f := newFixture(t, newFakeStore())
	t0 := at(2025, 9, 29, 10, 0)
	c := f.create(newCase("0102", cases.SeverityCritical), t0)
	names := func(c cases.Case, now time.Time) (out []string, paused bool) {
		for _, cs := range f.w.Clocks(c, now) {
			out = append(out, cs.Clock)
			paused = cs.Paused
		}
		return out, paused
	}
	check := func(what string, c cases.Case, want []string, wantPaused bool) {
		t.Helper()
		got, paused := names(c, c.UpdatedAt.Add(time.Minute))
		if len(got) != len(want) || paused != wantPaused {
			t.Errorf("%s: clocks %v paused %v, want %v paused %v", what, got, paused, want, wantPaused)
			return
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s: clocks %v, want %v", what, got, want)
			}
		}
	}
	check("dispatched", c, []string{"sign_off", "on_site", "resolve"}, false)
	c = f.do(c.ID, t0.Add(5*time.Minute), cases.Command{Action: cases.ActionAccept})
	check("accepted", c, []string{"on_site", "resolve"}, false)
	c = f.do(c.ID, t0.Add(10*time.Minute), cases.Command{Action: cases.ActionSuspend, Payload: cases.Payload{Reason: "等待"}})
	check("suspended", c, []string{"on_site", "resolve"}, true)
	c = f.do(c.ID, t0.Add(20*time.Minute), cases.Command{Action: cases.ActionResume})
	check("resumed", c, []string{"on_site", "resolve"}, false)
	sameTime(t, "on_site after a 10 minute pause", c.Deadlines.OnSite, t0.Add(70*time.Minute))
	c = f.do(c.ID, t0.Add(30*time.Minute), cases.Command{Action: cases.ActionResolve, Payload: cases.Payload{Reply: "已处理"}})
	check("resolved", c, nil, false)
}
