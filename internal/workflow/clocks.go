package workflow

import (
	"time"

	"yiwang/internal/calendar"
	"yiwang/internal/cases"
	"yiwang/internal/sla"
)

// ClockStatus is how far one of a case's deadlines has run.
type ClockStatus struct {
	// Clock is the clock's name (cases.ClockSignOff …).
	Clock string
	Due   time.Time
	// Left is the time remaining in the clock's measure (working time on
	// the unit's calendar for working clocks), net of pauses; negative by
	// the amount overdue.
	Left time.Duration
	// Used is the share of the budget used, above 1 once overdue.
	Used float64
	// Colour is green, yellow (the policy's yellow_at share used) or red
	// (due time reached).
	Colour sla.Colour
	// Mode is the clock's measure: working or calendar time.
	Mode sla.Mode
	// Paused is set while the case is suspended or an extension is pending.
	Paused bool
}

// Clocks reports every deadline running in the case's state, in clock
// order: the dispatch clock while the case waits for a unit, the unit
// clocks after (sign-off only until it is signed for). A suspended case
// shows the clocks of the state it will resume, Paused; a finished case
// shows none. Summons (吹哨报到) are not SLA clocks and are not included.
func (w *Workflow) Clocks(c cases.Case, now time.Time) []ClockStatus {
	if !c.Open() {
		return nil
	}
	state := c.State
	if state == cases.StateSuspended {
		state = c.Resume
	}
	var kinds []sla.ClockKind
	switch state {
	case cases.StateReceived, cases.StateReturned:
		kinds = []sla.ClockKind{sla.ClockDispatch}
	case cases.StateDispatched:
		kinds = unitClocks
	case cases.StateAccepted, cases.StateInProgress:
		kinds = unitClocks[1:]
	}
	paused := c.Paused()
	var pauses []sla.Interval
	for _, p := range c.Pauses {
		end := now
		if p.End != nil {
			end = *p.End
		}
		pauses = append(pauses, sla.Interval{Start: p.Start, End: end})
	}
	t := w.terms(&c)
	var out []ClockStatus
	for _, k := range kinds {
		due := *slot(&c.Deadlines, k)
		if due == nil {
			continue
		}
		rule, ok := t.Rule(k)
		if !ok {
			rule = sla.Rule{Clock: sla.Clock{Mode: sla.ModeWorking}, YellowAt: sla.DefaultYellowAt}
		}
		cal := w.centre
		if k != sla.ClockDispatch {
			cal = w.unitCalendar(c.Unit)
		}
		start := w.clockStart(&c, k, rule, *due, cal)
		st := rule.Clock.Status(now, start, *due, pauses, cal, rule.YellowAt)
		out = append(out, ClockStatus{Clock: k.String(), Due: *due, Left: st.Left, Used: st.Used, Colour: st.Colour,
			Mode: rule.Mode, Paused: paused})
	}
	return out
}

// clockStart is when a clock started: the dispatch instant for the unit
// clocks, the creation for the first dispatch clock. A returned case's
// dispatch clock started at its (unrecorded) return: it is found back from
// the due time and the policy's budget.
func (w *Workflow) clockStart(c *cases.Case, k sla.ClockKind, r sla.Rule, due time.Time, cal *calendar.Calendar) time.Time {
	switch {
	case k != sla.ClockDispatch && c.DispatchedAt != nil:
		return *c.DispatchedAt
	case k != sla.ClockDispatch, c.Returns == 0, r.Clock.Budget(cal) <= 0:
		return c.CreatedAt
	}
	budget := r.Clock.Budget(cal)
	if r.Mode == sla.ModeCalendar {
		return due.Add(-budget)
	}
	// The latest start whose working time up to due covers the budget.
	lo, hi := due.Add(-budget).Add(-40*24*time.Hour), due
	for hi.Sub(lo) > time.Second {
		mid := lo.Add(hi.Sub(lo) / 2)
		if cal.Between(mid, due) >= budget {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo
}
