package escalate

import (
	"time"

	"yiwang/internal/cases"
)

// DefaultEvery is the default time between two reminders of one missed
// deadline.
const DefaultEvery = 4 * time.Hour

// Schedule says when a missed deadline is supervised. The zero Schedule
// supervises at the deadline and every DefaultEvery after it, without end.
type Schedule struct {
	// First is how long after the deadline the first supervision (level 1)
	// comes; 0 means at the deadline. Negative values count as 0.
	First time.Duration
	// Every is the time between two levels (default DefaultEvery).
	Every time.Duration
	// MaxLevel caps the level; once reached, the deadline is not supervised
	// again. 0 means no cap.
	MaxLevel int
}

func (s Schedule) withDefaults() Schedule {
	if s.First < 0 {
		s.First = 0
	}
	if s.Every <= 0 {
		s.Every = DefaultEvery
	}
	return s
}

// Level returns the supervision level due for a deadline that has been
// overdue for the given time: 0 before the first supervision, then 1, 2, 3 …
// one more every Every, capped at MaxLevel.
func (s Schedule) Level(overdue time.Duration) int {
	s = s.withDefaults()
	if overdue < 0 || overdue < s.First {
		return 0
	}
	l := 1 + int((overdue-s.First)/s.Every)
	if s.MaxLevel > 0 && l > s.MaxLevel {
		l = s.MaxLevel
	}
	return l
}

// SeverityBoost is how many steps up the chain a case's severity moves its
// supervisions (分级响应): 0 for normal, 1 for urgent, 2 for critical.
func SeverityBoost(s cases.Severity) int {
	switch s {
	case cases.SeverityUrgent:
		return 1
	case cases.SeverityCritical:
		return 2
	}
	return 0
}

// overdue is how long a deadline due at due has been missed at now, less
// the time the case spent paused in between. Summons clocks do not stop
// while a case is paused, so pass pauses only for the SLA clocks.
func overdue(due, now time.Time, pauses []cases.Pause) time.Duration {
	d := now.Sub(due)
	for _, p := range pauses {
		end := now
		if p.End != nil && p.End.Before(now) {
			end = *p.End
		}
		start := p.Start
		if start.Before(due) {
			start = due
		}
		if end.After(start) {
			d -= end.Sub(start)
		}
	}
	return d
}
