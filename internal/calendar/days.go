package calendar

import "time"

// Civil days are numbered as days since 1970-01-01 (a Thursday), so day 4,
// 1970-01-05, is a Monday.
const mondayDay = 4

func civilDay(y int, m time.Month, d int) int64 {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 { return a - floorDiv(a, b)*b }

// isWeekday reports whether civil day d is Monday–Friday.
func isWeekday(d int64) bool { return floorMod(d-mondayDay, 7) < 5 }

// weekdaysBefore counts Monday–Friday days in [mondayDay, d), negative for
// earlier days; weekdaysIn(a, b) = weekdaysBefore(b) - weekdaysBefore(a).
func weekdaysBefore(d int64) int64 {
	x := d - mondayDay
	return 5*floorDiv(x, 7) + min(floorMod(x, 7), 5)
}

// weekdayAt is the inverse of weekdaysBefore on weekdays: the Monday–Friday
// day w with weekdaysBefore(w) == v.
func weekdayAt(v int64) int64 {
	return mondayDay + 7*floorDiv(v, 5) + floorMod(v, 5)
}

// dayTable holds the precomputed working days of the covered years.
// Working days outside [base, end) follow the Monday–Friday week.
type dayTable struct {
	always  bool    // 24x7: every day is a working day
	base    int64   // first civil day of the table (1 January of the first year)
	end     int64   // one past the last civil day (1 January after the last year)
	working []bool  // working[d-base]
	rankAt  []int32 // rankAt[i] = working days in [base, base+i), len = end-base+1
	nth     []int32 // nth[k] = d-base of the k-th working day in the table
}

func newDayTable(h *Holidays, always bool) dayTable {
	t := dayTable{
		always: always,
		base:   civilDay(h.firstYear, time.January, 1),
		end:    civilDay(h.lastYear+1, time.January, 1),
	}
	n := t.end - t.base
	t.working = make([]bool, n)
	t.rankAt = make([]int32, n+1)
	for i := range n {
		k, _ := h.kind(t.base + i)
		t.working[i] = k.Working()
		t.rankAt[i+1] = t.rankAt[i]
		if t.working[i] {
			t.rankAt[i+1]++
			t.nth = append(t.nth, int32(i))
		}
	}
	return t
}

// isWorking reports whether civil day d is a working day.
func (t *dayTable) isWorking(d int64) bool {
	if t.always {
		return true
	}
	if d >= t.base && d < t.end {
		return t.working[d-t.base]
	}
	return isWeekday(d)
}

// rank is the number of working days in [base, d), negative before base.
func (t *dayTable) rank(d int64) int64 {
	switch {
	case t.always:
		return d - t.base
	case d < t.base:
		return weekdaysBefore(d) - weekdaysBefore(t.base)
	case d <= t.end:
		return int64(t.rankAt[d-t.base])
	default:
		return int64(t.rankAt[len(t.rankAt)-1]) + weekdaysBefore(d) - weekdaysBefore(t.end)
	}
}

// day returns the working day with rank k (the inverse of rank on working days).
func (t *dayTable) day(k int64) int64 {
	switch {
	case t.always:
		return t.base + k
	case k < 0:
		return weekdayAt(weekdaysBefore(t.base) + k)
	case k < int64(len(t.nth)):
		return t.base + int64(t.nth[k])
	default:
		return weekdayAt(weekdaysBefore(t.end) + k - int64(len(t.nth)))
	}
}
