package dispatch

import (
	"strings"
	"time"
)

// Window is a weekly time window in China Standard Time: the days on which
// it starts and a start and end minute of the day. An End below Start
// crosses midnight into the next day.
type Window struct {
	Days  uint8 // bit d is set when the window starts on time.Weekday(d)
	Start int16 // minute of the day, 0..1439
	End   int16 // minute of the day, 1..1440; End < Start crosses midnight
}

const (
	allDays     uint8 = 1<<7 - 1
	minutesDay        = 24 * 60
	minutesWeek       = 7 * minutesDay
	chinaOffset       = 8 * 3600
)

var dayNames = [...]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}

// ParseWindow parses "[days ]HH:MM-HH:MM". Days is "*" or a comma list of
// days (Mon, Tue, …, Sun, case-insensitive) and day ranges ("Mon-Fri",
// "Sat-Mon"); without days the window applies every day. End may be
// "24:00"; an end before the start crosses midnight. Start and end must
// differ.
func ParseWindow(s string) (Window, error) {
	f := strings.Fields(s)
	var days, span string
	switch len(f) {
	case 1:
		days, span = "*", f[0]
	case 2:
		days, span = f[0], f[1]
	default:
		return Window{}, malformed("window %q: want \"[days ]HH:MM-HH:MM\"", s)
	}
	mask, err := parseDays(days)
	if err != nil {
		return Window{}, malformed("window %q: %v", s, err)
	}
	start, end, err := parseSpan(span)
	if err != nil {
		return Window{}, malformed("window %q: %v", s, err)
	}
	return Window{Days: mask, Start: start, End: end}, nil
}

type parseError string

func (e parseError) Error() string { return string(e) }

func parseDays(s string) (uint8, error) {
	if s == "*" {
		return allDays, nil
	}
	var mask uint8
	for _, item := range strings.Split(s, ",") {
		from, to, isRange := strings.Cut(item, "-")
		a, ok := dayIndex(from)
		if !ok {
			return 0, parseError("unknown day " + quote(from))
		}
		b := a
		if isRange {
			if b, ok = dayIndex(to); !ok {
				return 0, parseError("unknown day " + quote(to))
			}
		}
		for d := a; ; d = (d + 1) % 7 {
			mask |= 1 << d
			if d == b {
				break
			}
		}
	}
	return mask, nil
}

func dayIndex(s string) (int, bool) {
	for i, n := range dayNames {
		if strings.EqualFold(s, n) {
			return i, true
		}
	}
	return 0, false
}

func parseSpan(s string) (start, end int16, err error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return 0, 0, parseError("want HH:MM-HH:MM")
	}
	if start, err = parseClock(a, false); err != nil {
		return 0, 0, err
	}
	if end, err = parseClock(b, true); err != nil {
		return 0, 0, err
	}
	if start == end {
		return 0, 0, parseError("start equals end")
	}
	return start, end, nil
}

// parseClock parses "HH:MM"; "24:00" only as an end.
func parseClock(s string, isEnd bool) (int16, error) {
	if len(s) != 5 || s[2] != ':' || !allDigits(s[:2]) || !allDigits(s[3:]) {
		return 0, parseError("time " + quote(s) + ": want HH:MM")
	}
	h := int16(s[0]-'0')*10 + int16(s[1]-'0')
	m := int16(s[3]-'0')*10 + int16(s[4]-'0')
	switch {
	case m > 59, h > 24, h == 24 && (m != 0 || !isEnd):
		return 0, parseError("time " + quote(s) + " out of range")
	}
	return h*60 + m, nil
}

func quote(s string) string { return "\"" + s + "\"" }

// CrossesMidnight reports whether the window ends on the day after it starts.
func (w Window) CrossesMidnight() bool { return w.End < w.Start }

// Contains reports whether the instant t, read in China Standard Time,
// falls inside the window.
func (w Window) Contains(t time.Time) bool {
	wd, m := chinaClock(t)
	return w.contains(wd, m)
}

func (w Window) contains(wd, m int) bool {
	if w.Start < w.End {
		return w.Days&(1<<wd) != 0 && int(w.Start) <= m && m < int(w.End)
	}
	prev := (wd + 6) % 7
	return (w.Days&(1<<wd) != 0 && m >= int(w.Start)) || (w.Days&(1<<prev) != 0 && m < int(w.End))
}

// chinaClock returns the weekday (0 = Sunday) and minute of the day of t
// in UTC+08:00, without allocating.
func chinaClock(t time.Time) (weekday, minute int) {
	s := t.Unix() + chinaOffset
	day, rem := s/86400, s%86400
	if rem < 0 {
		rem += 86400
		day--
	}
	wd := (day + 4) % 7 // 1970-01-01 was a Thursday
	if wd < 0 {
		wd += 7
	}
	return int(wd), int(rem / 60)
}

// Overlaps reports whether some instant lies in both windows.
func (w Window) Overlaps(o Window) bool {
	a, b := w.weekBits(), o.weekBits()
	for i := range a {
		if a[i]&b[i] != 0 {
			return true
		}
	}
	return false
}

type weekBits [(minutesWeek + 63) / 64]uint64

func (w Window) weekBits() *weekBits {
	var bits weekBits
	set := func(from, to int) {
		for m := from; m < to; m++ {
			i := m % minutesWeek
			bits[i/64] |= 1 << (i % 64)
		}
	}
	for d := 0; d < 7; d++ {
		if w.Days&(1<<d) == 0 {
			continue
		}
		base := d * minutesDay
		if w.Start < w.End {
			set(base+int(w.Start), base+int(w.End))
		} else {
			set(base+int(w.Start), base+minutesDay+int(w.End))
		}
	}
	return &bits
}

// String renders the canonical form, e.g. "Mon-Fri 22:00-06:00"; a window
// on every day renders without days.
func (w Window) String() string {
	span := clockText(w.Start) + "-" + clockText(w.End)
	if w.Days&allDays == allDays {
		return span
	}
	return daysText(w.Days) + " " + span
}

func clockText(m int16) string {
	b := []byte{byte('0' + m/600), byte('0' + m/60%10), ':', byte('0' + m%60/10), byte('0' + m%10)}
	return string(b)
}

// daysText lists days Monday first, runs of three or more as ranges.
func daysText(mask uint8) string {
	order := [7]int{1, 2, 3, 4, 5, 6, 0}
	var parts []string
	for i := 0; i < 7; {
		if mask&(1<<order[i]) == 0 {
			i++
			continue
		}
		j := i
		for j+1 < 7 && mask&(1<<order[j+1]) != 0 {
			j++
		}
		switch {
		case j-i >= 2:
			parts = append(parts, dayNames[order[i]]+"-"+dayNames[order[j]])
		default:
			for k := i; k <= j; k++ {
				parts = append(parts, dayNames[order[k]])
			}
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}
