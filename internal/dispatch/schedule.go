package dispatch

import (
	"strings"
	"time"
)

// Schedule is a unit's daily service hours: "24x7" or a comma list of
// increasing, non-overlapping "HH:MM-HH:MM" spans within one day, e.g.
// "08:30-12:00,14:00-17:30". Which days are working days is the calendar's
// business, not the schedule's.
type Schedule struct {
	always bool
	spans  [][2]int16
}

// ParseSchedule parses a schedule.
func ParseSchedule(s string) (Schedule, error) {
	if s == "24x7" {
		return Schedule{always: true}, nil
	}
	if s == "" {
		return Schedule{}, malformed("schedule is empty: want \"24x7\" or HH:MM-HH:MM[,…]")
	}
	var sc Schedule
	prevEnd := int16(-1)
	for _, part := range strings.Split(s, ",") {
		start, end, err := parseSpan(strings.TrimSpace(part))
		if err != nil {
			return Schedule{}, malformed("schedule %q: %v", s, err)
		}
		if end < start {
			return Schedule{}, malformed("schedule %q: span %q crosses midnight", s, part)
		}
		if start < prevEnd {
			return Schedule{}, malformed("schedule %q: spans must increase and not overlap", s)
		}
		prevEnd = end
		sc.spans = append(sc.spans, [2]int16{start, end})
	}
	return sc, nil
}

// Always reports whether the schedule is "24x7".
func (s Schedule) Always() bool { return s.always }

// Covers reports whether the time of day of t, read in China Standard
// Time, lies in the schedule.
func (s Schedule) Covers(t time.Time) bool {
	if s.always {
		return true
	}
	_, m := chinaClock(t)
	for _, sp := range s.spans {
		if int(sp[0]) <= m && m < int(sp[1]) {
			return true
		}
	}
	return false
}

// String renders the canonical form.
func (s Schedule) String() string {
	if s.always {
		return "24x7"
	}
	parts := make([]string, len(s.spans))
	for i, sp := range s.spans {
		parts[i] = clockText(sp[0]) + "-" + clockText(sp[1])
	}
	return strings.Join(parts, ",")
}
