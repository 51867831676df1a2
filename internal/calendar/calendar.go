package calendar

import (
	"errors"
	"fmt"
	"math"
	"time"
	_ "time/tzdata" // Asia/Shanghai must load on machines without zoneinfo
)

// Zone is the time zone of all calendar arithmetic.
const Zone = "Asia/Shanghai"

// Calendar combines the official holidays with a unit's Schedule and does
// working-time arithmetic in Asia/Shanghai. Results are returned in that
// location. It is immutable and safe for concurrent use.
type Calendar struct {
	loc   *time.Location
	hol   *Holidays
	sched Schedule
	days  dayTable
	// The zone offset is constant for Unix seconds in [fixLo, fixHi)
	// (Shanghai: since September 1991), which keeps conversions cheap.
	fixLo, fixHi, fixOff int64
}

// New returns the calendar of holidays h under schedule s.
func New(h *Holidays, s Schedule) (*Calendar, error) {
	if h == nil || len(h.days) == 0 {
		return nil, errors.New("calendar: no holiday data")
	}
	if s.total == 0 {
		return nil, fmt.Errorf("calendar: %w: zero schedule", ErrSchedule)
	}
	loc, err := time.LoadLocation(Zone)
	if err != nil {
		return nil, fmt.Errorf("calendar: loading %s: %w", Zone, err)
	}
	c := &Calendar{loc: loc, hol: h, sched: s, days: newDayTable(h, s.always)}
	ref := time.Date(h.firstYear, time.January, 1, 0, 0, 0, 0, loc)
	lo, hi := ref.ZoneBounds()
	_, off := ref.Zone()
	c.fixOff = int64(off)
	c.fixLo, c.fixHi = int64(math.MinInt64), int64(math.MaxInt64)
	if !lo.IsZero() {
		c.fixLo = lo.Unix()
	}
	if !hi.IsZero() {
		c.fixHi = hi.Unix()
	}
	return c, nil
}

// Official returns the calendar of the embedded official holidays under
// schedule s.
func Official(s Schedule) (*Calendar, error) {
	h, err := OfficialHolidays()
	if err != nil {
		return nil, err
	}
	return New(h, s)
}

// Location returns Asia/Shanghai.
func (c *Calendar) Location() *time.Location { return c.loc }

// Schedule returns the working hours.
func (c *Calendar) Schedule() Schedule { return c.sched }

// DayLength is the working time of one working day (24h under 24x7).
func (c *Calendar) DayLength() time.Duration { return c.sched.total }

// FirstYear is the first year with official holiday data.
func (c *Calendar) FirstYear() int { return c.hol.firstYear }

// LastYear is the last year with official holiday data; later years are
// computed as ordinary Monday–Friday weeks.
func (c *Calendar) LastYear() int { return c.hol.lastYear }

// Covers reports whether t (in Shanghai) falls in a year with official
// holiday data. Results for other instants assume ordinary weeks.
func (c *Calendar) Covers(t time.Time) bool {
	y := t.In(c.loc).Year()
	return y >= c.hol.firstYear && y <= c.hol.lastYear
}

// Kind classifies t's Shanghai day on the official calendar and returns the
// holiday's name for listed days. It ignores the schedule (see IsWorkingDay).
func (c *Calendar) Kind(t time.Time) (DayKind, string) {
	day, _ := c.split(t)
	return c.hol.kind(day)
}

// IsWorkingDay reports whether t's Shanghai day is a working day: always
// under 24x7, otherwise per the official calendar.
func (c *Calendar) IsWorkingDay(t time.Time) bool {
	day, _ := c.split(t)
	return c.days.isWorking(day)
}

// IsWorkingTime reports whether t is inside working hours on a working day.
// Intervals are half-open: 12:00 is not working time on 08:30-12:00.
func (c *Calendar) IsWorkingTime(t time.Time) bool {
	day, off := c.split(t)
	if !c.days.isWorking(day) {
		return false
	}
	for _, sp := range c.sched.spans {
		if off < sp.End {
			return off >= sp.Start
		}
	}
	return false
}

// NextWorkingTime returns t if it is working time, otherwise the start of
// the next working period.
func (c *Calendar) NextWorkingTime(t time.Time) time.Time {
	day, off := c.split(t)
	if c.days.isWorking(day) {
		for _, sp := range c.sched.spans {
			if off < sp.End {
				if off >= sp.Start {
					return t
				}
				return c.join(day, sp.Start)
			}
		}
	}
	next := c.days.day(c.days.rank(day + 1))
	return c.join(next, c.sched.spans[0].Start)
}

// Between returns the working time in [a, b); zero if b is not after a.
func (c *Calendar) Between(a, b time.Time) time.Duration {
	if !a.Before(b) {
		return 0
	}
	return c.elapsed(b) - c.elapsed(a)
}

// Add returns the earliest instant at which d of working time has elapsed
// after start. A start outside working hours begins counting at the next
// working instant. A deadline that falls exactly at the end of a working
// period is that end (12:00, not 14:00). Add returns start for d <= 0.
func (c *Calendar) Add(start time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return start
	}
	p := int64(c.sched.total)
	target := int64(c.elapsed(start)) + int64(d)
	q := floorDiv(target-1, p)
	r := time.Duration(target - q*p) // in (0, p]
	return c.join(c.days.day(q), c.sched.offsetFor(r))
}

// AddDays returns the deadline n working days after start ("n 个工作日"):
// start is moved to the next working instant, and the deadline is the same
// clock time on the n-th following working day. Under 24x7 it is the same
// clock time n calendar days later. AddDays returns start for n <= 0.
//
// Equivalently, AddDays(start, n) == NextWorkingTime(Add(start, n*DayLength())).
func (c *Calendar) AddDays(start time.Time, n int) time.Time {
	if n <= 0 {
		return start
	}
	day, off := c.split(c.NextWorkingTime(start))
	return c.join(c.days.day(c.days.rank(day)+int64(n)), off)
}

// elapsed is the working time from the table's base day to t (negative
// before it); differences of elapsed are working time.
func (c *Calendar) elapsed(t time.Time) time.Duration {
	day, off := c.split(t)
	w := time.Duration(c.days.rank(day)) * c.sched.total
	if c.days.isWorking(day) {
		w += c.sched.within(off)
	}
	return w
}

// split returns t's Shanghai civil day number and offset from midnight.
func (c *Calendar) split(t time.Time) (int64, time.Duration) {
	sec := t.Unix()
	zoff := c.fixOff
	if sec < c.fixLo || sec >= c.fixHi {
		_, o := t.In(c.loc).Zone()
		zoff = int64(o)
	}
	local := sec + zoff
	day := floorDiv(local, 86400)
	return day, time.Duration(local-day*86400)*time.Second + time.Duration(t.Nanosecond())
}

// join is the inverse of split; off may be 24h (the next midnight).
func (c *Calendar) join(day int64, off time.Duration) time.Time {
	local := day*86400 + int64(off/time.Second)
	nsec := int64(off % time.Second)
	if u := local - c.fixOff; u >= c.fixLo && u < c.fixHi {
		return time.Unix(u, nsec).In(c.loc)
	}
	y, m, d := time.Unix(day*86400, 0).UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, c.loc).Add(off)
}
