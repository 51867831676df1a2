package calendar

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrSchedule reports an invalid working-hours schedule.
var ErrSchedule = errors.New("invalid schedule")

// maxSpans bounds the number of intervals in a schedule.
const maxSpans = 16

// Span is one working interval of a day, [Start, End), as offsets from
// local midnight. End may be 24h.
type Span struct {
	Start, End time.Duration
}

// Schedule is a unit's working hours: either intervals applied on every
// working day of the official calendar, or 24x7 (every minute counts,
// holidays included). The zero Schedule is invalid. Schedules are values
// and are not modified after construction.
type Schedule struct {
	always bool
	spans  []Span
	total  time.Duration
}

// TwentyFourSeven returns the schedule under which all wall-clock time is
// working time, holidays and weekends included.
func TwentyFourSeven() Schedule {
	return Schedule{always: true, spans: []Span{{0, 24 * time.Hour}}, total: 24 * time.Hour}
}

// NewSchedule builds a schedule from working intervals, which must be
// non-empty, whole minutes, within [00:00, 24:00], in increasing order and
// not overlapping (touching is allowed).
func NewSchedule(spans ...Span) (Schedule, error) {
	if len(spans) == 0 {
		return Schedule{}, fmt.Errorf("%w: no working intervals", ErrSchedule)
	}
	if len(spans) > maxSpans {
		return Schedule{}, fmt.Errorf("%w: more than %d intervals", ErrSchedule, maxSpans)
	}
	var total time.Duration
	for i, s := range spans {
		if s.Start%time.Minute != 0 || s.End%time.Minute != 0 {
			return Schedule{}, fmt.Errorf("%w: interval %s is not in whole minutes", ErrSchedule, s)
		}
		if s.Start < 0 || s.End > 24*time.Hour || s.Start >= s.End {
			return Schedule{}, fmt.Errorf("%w: interval %s is empty or outside 00:00-24:00", ErrSchedule, s)
		}
		if i > 0 && s.Start < spans[i-1].End {
			return Schedule{}, fmt.Errorf("%w: interval %s overlaps or precedes %s", ErrSchedule, s, spans[i-1])
		}
		total += s.End - s.Start
	}
	return Schedule{spans: append([]Span(nil), spans...), total: total}, nil
}

// ParseSchedule parses "24x7" or comma-separated intervals such as
// "08:30-12:00,14:00-17:30" (HH:MM, 24:00 allowed as an end). Spaces around
// items are ignored.
func ParseSchedule(s string) (Schedule, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "24x7") {
		return TwentyFourSeven(), nil
	}
	if s == "" {
		return Schedule{}, fmt.Errorf("%w: empty", ErrSchedule)
	}
	items := strings.Split(s, ",")
	if len(items) > maxSpans {
		return Schedule{}, fmt.Errorf("%w: more than %d intervals", ErrSchedule, maxSpans)
	}
	spans := make([]Span, 0, len(items))
	for _, item := range items {
		from, to, ok := strings.Cut(strings.TrimSpace(item), "-")
		if !ok {
			return Schedule{}, fmt.Errorf("%w: interval %q is not HH:MM-HH:MM", ErrSchedule, item)
		}
		a, err := parseClock(from)
		if err != nil {
			return Schedule{}, err
		}
		b, err := parseClock(to)
		if err != nil {
			return Schedule{}, err
		}
		spans = append(spans, Span{a, b})
	}
	return NewSchedule(spans...)
}

// parseClock parses HH:MM (00:00 to 24:00).
func parseClock(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	hh, mm, ok := strings.Cut(s, ":")
	if !ok || len(hh) != 2 || len(mm) != 2 {
		return 0, fmt.Errorf("%w: time %q is not HH:MM", ErrSchedule, s)
	}
	h, err1 := strconv.ParseUint(hh, 10, 8)
	m, err2 := strconv.ParseUint(mm, 10, 8)
	if err1 != nil || err2 != nil || h > 24 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("%w: time %q out of range", ErrSchedule, s)
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}

// Is24x7 reports whether every minute is working time.
func (s Schedule) Is24x7() bool { return s.always }

// Spans returns a copy of the working intervals (00:00-24:00 for 24x7).
func (s Schedule) Spans() []Span { return append([]Span(nil), s.spans...) }

// DayLength is the working time in one working day (24h for 24x7).
func (s Schedule) DayLength() time.Duration { return s.total }

// String returns the canonical text form, which ParseSchedule accepts.
func (s Schedule) String() string {
	if s.always {
		return "24x7"
	}
	parts := make([]string, len(s.spans))
	for i, sp := range s.spans {
		parts[i] = sp.String()
	}
	return strings.Join(parts, ",")
}

// MarshalText implements encoding.TextMarshaler.
func (s Schedule) MarshalText() ([]byte, error) {
	if s.total == 0 {
		return nil, fmt.Errorf("%w: zero schedule", ErrSchedule)
	}
	return []byte(s.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Schedule) UnmarshalText(b []byte) error {
	v, err := ParseSchedule(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// String formats the span as HH:MM-HH:MM.
func (sp Span) String() string { return clock(sp.Start) + "-" + clock(sp.End) }

func clock(d time.Duration) string {
	m := int64(d / time.Minute)
	return fmt.Sprintf("%02d:%02d", m/60, m%60)
}

// within is the working time in [00:00, off) of a working day.
func (s *Schedule) within(off time.Duration) time.Duration {
	var w time.Duration
	for _, sp := range s.spans {
		if off <= sp.Start {
			break
		}
		w += min(off, sp.End) - sp.Start
	}
	return w
}

// offsetFor is the earliest offset at which r of the day's working time has
// elapsed, for 0 < r <= total.
func (s *Schedule) offsetFor(r time.Duration) time.Duration {
	for _, sp := range s.spans {
		if n := sp.End - sp.Start; r > n {
			r -= n
			continue
		}
		return sp.Start + r
	}
	return s.spans[len(s.spans)-1].End
}
