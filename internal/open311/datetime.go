package open311

import (
	"errors"
	"strings"
	"time"
)

// wuhan is China Standard Time, in which responses give their times and
// date-only parameters are read.
var wuhan = time.FixedZone("CST", 8*3600)

// formatTime writes t as a W3C datetime with Wuhan's offset
// (2026-03-02T09:30:00+08:00).
func formatTime(t time.Time) string { return t.In(wuhan).Format(time.RFC3339) }

var errDatetime = errors.New("not a W3C datetime (e.g. 2026-03-02T09:30:00+08:00 or 2026-03-02)")

// w3cLayouts are the W3C datetime profiles, finest first, each with the
// length of the period it names.
var w3cLayouts = []struct {
	layout string
	period func(time.Time) time.Time // the end of the named period
}{
	// Stores keep microseconds: the period of a fine time is the
	// microsecond it falls in.
	{"2006-01-02T15:04:05.999999999Z07:00", func(t time.Time) time.Time { return t.Truncate(time.Microsecond).Add(time.Microsecond) }},
	{"2006-01-02T15:04:05Z07:00", func(t time.Time) time.Time { return t.Add(time.Second) }},
	{"2006-01-02T15:04Z07:00", func(t time.Time) time.Time { return t.Add(time.Minute) }},
	{"2006-01-02", func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }},
	{"2006-01", func(t time.Time) time.Time { return t.AddDate(0, 1, 0) }},
	{"2006", func(t time.Time) time.Time { return t.AddDate(1, 0, 0) }},
}

// parseW3C reads a W3C datetime (any of its profiles: year, month, date,
// minutes, seconds, fractions) and returns the period it names: from start
// (inclusive) to end (exclusive). Dates without a time are Wuhan days. A
// space where the offset's "+" belongs (an unencoded "+" in a query
// string) is read as "+".
func parseW3C(s string) (start, end time.Time, err error) {
	if len(s) > 40 {
		return time.Time{}, time.Time{}, errDatetime
	}
	if i := strings.LastIndexByte(s, ' '); i >= 16 && strings.Count(s, " ") == 1 {
		s = s[:i] + "+" + s[i+1:]
	}
	for _, l := range w3cLayouts {
		t, err := time.ParseInLocation(l.layout, s, wuhan)
		if err == nil {
			return t, l.period(t), nil
		}
	}
	return time.Time{}, time.Time{}, errDatetime
}
