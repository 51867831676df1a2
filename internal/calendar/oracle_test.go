package calendar

import (
	"os"
	"strings"
	"testing"
	"time"
)

// oracle is the naive reference: it reads the CSV on its own, uses
// time.Weekday, and steps minute by minute. Inputs must be whole minutes.
type oracle struct {
	loc    *time.Location
	listed map[string]bool // date -> is working day
	spans  [][2]int        // minutes of day, [start, end)
	always bool
}

func newOracle(t testing.TB, spans [][2]int, always bool) *oracle {
	t.Helper()
	raw, err := os.ReadFile("data/cn_holidays_2018_2026.csv")
	if err != nil {
		t.Fatal(err)
	}
	o := &oracle{listed: map[string]bool{}, spans: spans, always: always}
	for i, line := range strings.Split(strings.ReplaceAll(string(raw), "\r", ""), "\n") {
		if i == 0 || line == "" {
			continue
		}
		f := strings.Split(line, ",")
		o.listed[f[0]] = f[2] == "false"
	}
	if o.loc, err = time.LoadLocation("Asia/Shanghai"); err != nil {
		t.Fatal(err)
	}
	return o
}

func (o *oracle) workingDay(t time.Time) bool {
	t = t.In(o.loc)
	if o.always {
		return true
	}
	if w, ok := o.listed[t.Format(time.DateOnly)]; ok {
		return w
	}
	return t.Weekday() != time.Saturday && t.Weekday() != time.Sunday
}

func (o *oracle) workingMinute(t time.Time) bool {
	if !o.workingDay(t) {
		return false
	}
	t = t.In(o.loc)
	m := t.Hour()*60 + t.Minute()
	for _, s := range o.spans {
		if m >= s[0] && m < s[1] {
			return true
		}
	}
	return false
}

func (o *oracle) add(start time.Time, d time.Duration) time.Time {
	need := int(d / time.Minute)
	t := start
	for need > 0 {
		if o.workingMinute(t) {
			need--
		}
		t = t.Add(time.Minute)
	}
	return t
}

func (o *oracle) between(a, b time.Time) time.Duration {
	var n time.Duration
	for t := a; t.Before(b); t = t.Add(time.Minute) {
		if o.workingMinute(t) {
			n += time.Minute
		}
	}
	return n
}

// addDays steps to the next working minute, then walks whole days.
func (o *oracle) addDays(start time.Time, n int) time.Time {
	t := start
	for !o.workingMinute(t) {
		t = t.Add(time.Minute)
	}
	t = t.In(o.loc)
	for n > 0 {
		t = t.AddDate(0, 0, 1)
		if o.workingDay(t) {
			n--
		}
	}
	return t
}

var officeSpans = [][2]int{{8*60 + 30, 12 * 60}, {14 * 60, 17*60 + 30}}
