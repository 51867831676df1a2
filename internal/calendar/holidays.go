package calendar

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"
)

//go:embed data/cn_holidays_2018_2026.csv
var officialCSV []byte

// ErrHolidayData reports malformed holiday data.
var ErrHolidayData = errors.New("invalid holiday data")

// DayKind classifies a civil day on the official calendar.
type DayKind uint8

// Day kinds.
const (
	Workday       DayKind = iota // an ordinary Monday–Friday
	Weekend                      // an ordinary Saturday or Sunday
	Holiday                      // a statutory holiday (放假), off
	MakeupWorkday                // a weekend day that is a working day (调休补班)
)

// String returns the kind's name.
func (k DayKind) String() string {
	switch k {
	case Workday:
		return "workday"
	case Weekend:
		return "weekend"
	case Holiday:
		return "holiday"
	case MakeupWorkday:
		return "makeup_workday"
	}
	return "DayKind(" + strconv.Itoa(int(k)) + ")"
}

// Working reports whether a day of this kind is a working day.
func (k DayKind) Working() bool { return k == Workday || k == MakeupWorkday }

// Holidays is the table of official exceptions to the Monday–Friday week.
// It is immutable once parsed.
type Holidays struct {
	firstYear, lastYear int
	days                map[int64]special // keyed by civil day number (days since 1970-01-01)
}

type special struct {
	off  bool
	name string
}

// FirstYear is the first year the data covers.
func (h *Holidays) FirstYear() int { return h.firstYear }

// LastYear is the last year the data covers. Later years are treated as
// ordinary Monday–Friday weeks.
func (h *Holidays) LastYear() int { return h.lastYear }

// Len is the number of listed days (holidays plus make-up working days).
func (h *Holidays) Len() int { return len(h.days) }

var officialOnce = sync.OnceValues(func() (*Holidays, error) {
	return ParseHolidays(bytes.NewReader(officialCSV))
})

// OfficialHolidays returns the embedded State Council holiday data
// (NateScarlet/holiday-cn, 2018–2026). It is parsed once; the result is
// shared and must not be modified (it cannot be through its API).
func OfficialHolidays() (*Holidays, error) { return officialOnce() }

// ParseHolidays reads CSV with the header date,name,is_off_day,notice_year.
// is_off_day=true marks a holiday, false a weekend make-up working day.
// The covered years are those of the listed dates.
func ParseHolidays(r io.Reader) (*Holidays, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 4
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%w: reading header: %w", ErrHolidayData, err)
	}
	if header[0] != "date" || header[1] != "name" || header[2] != "is_off_day" || header[3] != "notice_year" {
		return nil, fmt.Errorf("%w: unexpected header %q", ErrHolidayData, header)
	}
	h := &Holidays{days: make(map[int64]special)}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrHolidayData, err)
		}
		line, _ := cr.FieldPos(0)
		d, err := time.Parse(time.DateOnly, rec[0])
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: date: %w", ErrHolidayData, line, err)
		}
		off, err := strconv.ParseBool(rec[2])
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: is_off_day: %w", ErrHolidayData, line, err)
		}
		num := civilDay(d.Year(), d.Month(), d.Day())
		if _, dup := h.days[num]; dup {
			return nil, fmt.Errorf("%w: line %d: date %s listed twice", ErrHolidayData, line, rec[0])
		}
		h.days[num] = special{off: off, name: rec[1]}
		if y := d.Year(); h.firstYear == 0 || y < h.firstYear {
			h.firstYear = y
		}
		if y := d.Year(); y > h.lastYear {
			h.lastYear = y
		}
	}
	if len(h.days) == 0 {
		return nil, fmt.Errorf("%w: no rows", ErrHolidayData)
	}
	return h, nil
}

// kind classifies a civil day number.
func (h *Holidays) kind(day int64) (DayKind, string) {
	if s, ok := h.days[day]; ok {
		switch {
		case s.off:
			return Holiday, s.name
		case isWeekday(day):
			// A weekday listed as working, such as 2020-02-03 after the
			// extended Spring Festival of 2020: an ordinary workday.
			return Workday, s.name
		default:
			return MakeupWorkday, s.name
		}
	}
	if isWeekday(day) {
		return Workday, ""
	}
	return Weekend, ""
}
