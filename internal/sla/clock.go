package sla

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ErrClock reports an unparsable clock such as "3x working".
var ErrClock = errors.New("invalid clock")

// Limits on a clock's budget.
const (
	maxDays   = 366
	maxAmount = maxDays * 24 * time.Hour
)

// Mode is the measure a clock counts in.
type Mode uint8

// Clock modes. The zero Mode means "no clock".
const (
	ModeWorking  Mode = iota + 1 // working time on the unit's calendar
	ModeCalendar                 // wall-clock time
)

// String returns "working" or "calendar".
func (m Mode) String() string {
	switch m {
	case ModeWorking:
		return "working"
	case ModeCalendar:
		return "calendar"
	}
	return "Mode(" + strconv.Itoa(int(m)) + ")"
}

// Clock is a time budget: either Days (whole days) or Amount, in Mode.
// "3d working" is three working days (calendar.AddDays), "3d calendar" is
// 72 wall-clock hours, "90m working" is 90 minutes of working time.
type Clock struct {
	Mode   Mode
	Days   int           // set for "<n>d" clocks; Amount is then zero
	Amount time.Duration // set for minute/hour clocks
}

// ParseClock parses "<amount> <mode>": amount is "<n>d" or a positive
// whole-minute Go duration such as "30m", "2h", "1h30m"; mode is "working"
// or "calendar".
func ParseClock(s string) (Clock, error) {
	f := strings.Fields(s)
	if len(f) != 2 {
		return Clock{}, fmt.Errorf("%w: %q is not \"<amount> working|calendar\"", ErrClock, s)
	}
	var c Clock
	switch f[1] {
	case "working":
		c.Mode = ModeWorking
	case "calendar":
		c.Mode = ModeCalendar
	default:
		return Clock{}, fmt.Errorf("%w: mode %q is not working or calendar", ErrClock, f[1])
	}
	if n, ok := strings.CutSuffix(f[0], "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 1 || days > maxDays || n[0] == '+' {
			return Clock{}, fmt.Errorf("%w: days %q must be an integer from 1 to %d", ErrClock, f[0], maxDays)
		}
		c.Days = days
		return c, nil
	}
	d, err := time.ParseDuration(f[0])
	if err != nil {
		return Clock{}, fmt.Errorf("%w: amount %q: %w", ErrClock, f[0], err)
	}
	if d <= 0 || d > maxAmount || d%time.Minute != 0 {
		return Clock{}, fmt.Errorf("%w: amount %q must be whole minutes up to %d days", ErrClock, f[0], maxDays)
	}
	c.Amount = d
	return c, nil
}

// IsZero reports whether c is the zero Clock (no clock).
func (c Clock) IsZero() bool { return c == Clock{} }

// String returns the canonical form ParseClock accepts, e.g. "1h30m working".
func (c Clock) String() string {
	if c.Days > 0 {
		return strconv.Itoa(c.Days) + "d " + c.Mode.String()
	}
	m := int64(c.Amount / time.Minute)
	var amount string
	switch h := m / 60; {
	case h == 0:
		amount = strconv.FormatInt(m, 10) + "m"
	case m%60 == 0:
		amount = strconv.FormatInt(h, 10) + "h"
	default:
		amount = strconv.FormatInt(h, 10) + "h" + strconv.FormatInt(m%60, 10) + "m"
	}
	return amount + " " + c.Mode.String()
}

// MarshalText implements encoding.TextMarshaler.
func (c Clock) MarshalText() ([]byte, error) {
	if c.Mode == 0 {
		return nil, fmt.Errorf("%w: zero clock", ErrClock)
	}
	return []byte(c.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (c *Clock) UnmarshalText(b []byte) error {
	v, err := ParseClock(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// ClockKind names one of a case's deadline clocks.
type ClockKind uint8

// The clocks of a case.
const (
	ClockDispatch ClockKind = iota // 受理→派单
	ClockSignOff                   // 派单→签收
	ClockOnSite                    // 到场
	ClockResolve                   // →办结
	ClockReply                     // 答复
	numClocks
)

var clockNames = [numClocks]string{"dispatch", "sign_off", "on_site", "resolve", "reply"}

// ClockKinds lists every clock kind in order.
func ClockKinds() []ClockKind {
	return []ClockKind{ClockDispatch, ClockSignOff, ClockOnSite, ClockResolve, ClockReply}
}

// String returns the YAML key of the clock, e.g. "sign_off".
func (k ClockKind) String() string {
	if k < numClocks {
		return clockNames[k]
	}
	return "ClockKind(" + strconv.Itoa(int(k)) + ")"
}

// ParseClockKind is the inverse of ClockKind.String.
func ParseClockKind(s string) (ClockKind, error) {
	for k, n := range clockNames {
		if n == s {
			return ClockKind(k), nil
		}
	}
	return 0, fmt.Errorf("%w: unknown clock kind %q", ErrClock, s)
}
