package sla

import (
	"slices"
	"strconv"
	"time"

	"yiwang/internal/calendar"
)

// Interval is a pause [Start, End) during which a clock stops (case
// suspended, extension pending). Intervals with End <= Start are ignored.
// For a pause still running, pass End = now.
type Interval struct {
	Start, End time.Time
}

// Colour is the traffic light of a running clock.
type Colour uint8

// Colours, from good to bad.
const (
	Green  Colour = iota // within budget
	Yellow               // share used >= the yellow threshold
	Red                  // due time reached or passed
)

// String returns "green", "yellow" or "red".
func (c Colour) String() string {
	switch c {
	case Green:
		return "green"
	case Yellow:
		return "yellow"
	case Red:
		return "red"
	}
	return "Colour(" + strconv.Itoa(int(c)) + ")"
}

// Status is how far a clock has run.
type Status struct {
	// Used is the share of the budget used by now, net of pauses; above 1
	// once overdue.
	Used float64
	// Left is the budget remaining, in the clock's measure (working time
	// for working clocks, wall time for calendar clocks), net of pauses;
	// negative by the amount overdue.
	Left   time.Duration
	Colour Colour
}

// Budget is the clock's budget in its own measure: Amount, or Days times
// the calendar's working day (working) or 24h (calendar).
func (c Clock) Budget(cal *calendar.Calendar) time.Duration {
	if c.Days == 0 {
		return c.Amount
	}
	if c.Mode == ModeCalendar {
		return time.Duration(c.Days) * 24 * time.Hour
	}
	return time.Duration(c.Days) * cal.DayLength()
}

// Deadline returns the instant clock c started at start is due, given the
// pauses (which need not be sorted or disjoint and may overlap holidays):
// the earliest instant at which the budget, counted in c's measure and
// excluding time inside pauses, is used up. For "<n>d working" clocks the
// result then moves forward to the next working instant outside a pause,
// so that without pauses it equals cal.AddDays(start, n): the same clock
// time n working days later. cal is only read for working clocks.
func Deadline(c Clock, start time.Time, pauses []Interval, cal *calendar.Calendar) time.Time {
	if c.Mode == ModeWorking && c.Days > 0 && len(pauses) == 0 {
		return cal.AddDays(start, c.Days)
	}
	pauses = sorted(pauses)
	m := measure{mode: c.Mode, cal: cal}
	left := c.Budget(cal)
	cur := start
	var due time.Time
	for _, p := range pauses {
		if !p.End.After(p.Start) || !p.End.After(cur) {
			continue
		}
		if p.Start.After(cur) {
			avail := m.between(cur, p.Start)
			if avail >= left {
				break
			}
			left -= avail
		}
		cur = p.End
	}
	due = m.add(cur, left)
	if c.Mode == ModeWorking && c.Days > 0 {
		due = rollForward(due, pauses, cal)
	}
	return due
}

// rollForward moves t to the next working instant not inside a pause.
func rollForward(t time.Time, pauses []Interval, cal *calendar.Calendar) time.Time {
	t = cal.NextWorkingTime(t)
	for _, p := range pauses {
		if p.End.After(p.Start) && !t.Before(p.Start) && t.Before(p.End) {
			t = cal.NextWorkingTime(p.End)
		}
	}
	return t
}

// Status reports clock c's state at now for a clock started at start and
// due at due (as computed by Deadline). The budget is measured from start
// to due net of pauses, so a stored due stays consistent even if policies
// change. It is red once now >= due, yellow once Used >= yellowAt (values
// outside (0, 1] mean DefaultYellowAt), green otherwise. Red follows due,
// not Used: a "<n>d working" clock due at 08:30 has Used = 1 from the
// previous closing time onwards but stays yellow until 08:30.
func (c Clock) Status(now, start, due time.Time, pauses []Interval, cal *calendar.Calendar, yellowAt float64) Status {
	if !validShare(yellowAt) {
		yellowAt = DefaultYellowAt
	}
	pauses = sorted(pauses)
	m := measure{mode: c.Mode, cal: cal}
	budget := m.net(start, due, pauses)
	used := m.net(start, now, pauses)
	st := Status{Left: budget - used, Used: 1}
	if budget > 0 {
		st.Used = float64(used) / float64(budget)
	}
	switch {
	case !now.Before(due):
		st.Colour = Red
	case st.Used >= yellowAt:
		st.Colour = Yellow
	}
	return st
}

// measure counts time in a clock's mode.
type measure struct {
	mode Mode
	cal  *calendar.Calendar
}

func (m measure) between(a, b time.Time) time.Duration {
	if m.mode == ModeWorking {
		return m.cal.Between(a, b)
	}
	if !a.Before(b) {
		return 0
	}
	return b.Sub(a)
}

func (m measure) add(t time.Time, d time.Duration) time.Time {
	if m.mode == ModeWorking {
		return m.cal.Add(t, d)
	}
	return t.Add(d)
}

// net is the measure of [a, b) outside the sorted pauses.
func (m measure) net(a, b time.Time, pauses []Interval) time.Duration {
	if !a.Before(b) {
		return 0
	}
	var total time.Duration
	cur := a
	for _, p := range pauses {
		if !p.End.After(p.Start) || !p.End.After(cur) {
			continue
		}
		if !p.Start.Before(b) {
			break
		}
		total += m.between(cur, p.Start)
		cur = p.End
		if !cur.Before(b) {
			return total
		}
	}
	return total + m.between(cur, b)
}

// sorted returns pauses ordered by Start, copying only if they are not.
func sorted(pauses []Interval) []Interval {
	for i := 1; i < len(pauses); i++ {
		if pauses[i].Start.Before(pauses[i-1].Start) {
			s := slices.Clone(pauses)
			slices.SortFunc(s, func(a, b Interval) int { return a.Start.Compare(b.Start) })
			return s
		}
	}
	return pauses
}
