package calendar

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestOfficialHolidays(t *testing.T) {
	h, err := OfficialHolidays()
	if err != nil {
		t.Fatal(err)
	}
	if h.Len() != 315 || h.FirstYear() != 2018 || h.LastYear() != 2026 {
		t.Fatalf("got %d rows %d..%d, want 315 rows 2018..2026", h.Len(), h.FirstYear(), h.LastYear())
	}
}

func TestParseHolidaysErrors(t *testing.T) {
	const header = "date,name,is_off_day,notice_year\n"
	tests := []struct{ name, in string }{
		{"empty", ""},
		{"wrong header", "day,name,off,year\n2025-10-01,x,true,2025\n"},
		{"no rows", header},
		{"bad date", header + "2025-13-01,x,true,2025\n"},
		{"bad bool", header + "2025-10-01,x,yes,2025\n"},
		{"duplicate", header + "2025-10-01,x,true,2025\n2025-10-01,x,true,2025\n"},
		{"short row", header + "2025-10-01,x,true\n"},
	}
	for _, tt := range tests {
		if _, err := ParseHolidays(strings.NewReader(tt.in)); !errors.Is(err, ErrHolidayData) {
			t.Errorf("%s: error = %v, want ErrHolidayData", tt.name, err)
		}
	}
}

func TestCustomHolidays(t *testing.T) {
	h, err := ParseHolidays(strings.NewReader("date,name,is_off_day,notice_year\r\n2030-01-01,元旦,true,2030\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := ParseSchedule(office)
	c, err := New(h, s)
	if err != nil {
		t.Fatal(err)
	}
	// 2029-12-31 is a Monday, 2030-01-01 (Tuesday) is off.
	if got := c.Add(at(t, "2029-12-31 17:00"), time.Hour); !got.Equal(at(t, "2030-01-02 09:00")) {
		t.Fatalf("Add = %s", got)
	}
}
