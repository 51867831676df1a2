package workflow

import (
	"time"

	"yiwang/internal/calendar"
	"yiwang/internal/cases"
	"yiwang/internal/sla"
)

// unitClocks are the clocks that start when a case goes to a unit.
var unitClocks = []sla.ClockKind{sla.ClockSignOff, sla.ClockOnSite, sla.ClockResolve, sla.ClockReply}

// slot returns the field of d holding clock k.
func slot(d *cases.Deadlines, k sla.ClockKind) **time.Time {
	switch k {
	case sla.ClockDispatch:
		return &d.Dispatch
	case sla.ClockSignOff:
		return &d.SignOff
	case sla.ClockOnSite:
		return &d.OnSite
	case sla.ClockResolve:
		return &d.Resolve
	}
	return &d.Reply
}

// terms are the SLA clocks that apply to c (tiered by severity: the
// policies match on it).
func (w *Workflow) terms(c *cases.Case) sla.Terms {
	return w.sla.Resolve(sla.Case{Channel: string(c.Channel), Category: c.Category, Severity: string(c.Severity)})
}

// unitDeadlines starts the unit clocks at at on unit's calendar. It
// returns nil when no policy defines any of them.
func (w *Workflow) unitDeadlines(c *cases.Case, unit string, at time.Time) *cases.Deadlines {
	t := w.terms(c)
	cal := w.unitCalendar(unit)
	var d cases.Deadlines
	set := false
	for _, k := range unitClocks {
		if r, ok := t.Rule(k); ok {
			due := sla.Deadline(r.Clock, at, nil, cal)
			*slot(&d, k) = &due
			set = true
		}
	}
	if !set {
		return nil
	}
	return &d
}

// dispatchDeadline starts the dispatch clock at at on the centre's
// calendar; nil when no policy defines it.
func (w *Workflow) dispatchDeadline(c *cases.Case, at time.Time) *time.Time {
	r, ok := w.terms(c).Rule(sla.ClockDispatch)
	if !ok {
		return nil
	}
	due := sla.Deadline(r.Clock, at, nil, w.centre)
	return &due
}

// pauseIntervals returns the closed pauses of c, and the same with the
// open pause started by closing ending at at: the pauses the current
// deadlines account for, and those the moved deadlines must.
func pauseIntervals(c *cases.Case, closing cases.Action, at time.Time) (before, after []sla.Interval) {
	closed := false
	for i := len(c.Pauses) - 1; i >= 0; i-- {
		p := c.Pauses[i]
		switch {
		case p.End != nil:
			before = append(before, sla.Interval{Start: p.Start, End: *p.End})
		case p.Reason == closing && !closed:
			after = append(after, sla.Interval{Start: p.Start, End: at})
			closed = true
		}
	}
	after = append(after, before...)
	return before, after
}

// movedDeadlines moves each running unit deadline of c by the pause that
// ends at at (closing is the action that started it). A deadline still
// equal to its policy's is recomputed from the dispatch instant with every
// closed pause; any other keeps its net budget. Fields set in keep (an
// approver's deadline) are left as given. It returns nil when nothing
// moves.
func (w *Workflow) movedDeadlines(c *cases.Case, closing cases.Action, at time.Time, keep *cases.Deadlines) *cases.Deadlines {
	if c.DispatchedAt == nil {
		return nil
	}
	start := *c.DispatchedAt
	before, after := pauseIntervals(c, closing, at)
	t := w.terms(c)
	cal := w.unitCalendar(c.Unit)
	var out cases.Deadlines
	if keep != nil {
		out = *keep
	}
	moved := false
	for _, k := range unitClocks {
		old := *slot(&c.Deadlines, k)
		if old == nil || (keep != nil && *slot(keep, k) != nil) {
			continue
		}
		due := moveOne(t, k, start, *old, before, after, cal)
		if !due.Equal(*old) {
			*slot(&out, k) = &due
			moved = true
		}
	}
	if !moved {
		return keep
	}
	return &out
}

// moveOne recomputes one deadline for the pauses after instead of before.
func moveOne(t sla.Terms, k sla.ClockKind, start, old time.Time, before, after []sla.Interval, cal *calendar.Calendar) time.Time {
	r, ok := t.Rule(k)
	if ok && sla.Deadline(r.Clock, start, before, cal).Equal(old) {
		return sla.Deadline(r.Clock, start, after, cal)
	}
	mode := sla.ModeWorking
	if ok {
		mode = r.Mode
	}
	budget := sla.Clock{Mode: mode, Amount: time.Minute}.Status(start, start, old, before, cal, 0).Left
	if budget <= 0 {
		return old
	}
	return sla.Deadline(sla.Clock{Mode: mode, Amount: budget}, start, after, cal)
}
