package calendar

import (
	"errors"
	"testing"
	"time"
)

func TestParseSchedule(t *testing.T) {
	tests := []struct {
		in      string
		want    string // canonical form; "" means an error is expected
		perDay  time.Duration
		is24x7  bool
		wantErr bool
	}{
		{in: "08:30-12:00,14:00-17:30", want: "08:30-12:00,14:00-17:30", perDay: 7 * time.Hour},
		{in: " 08:30-12:00 , 14:00-17:30 ", want: "08:30-12:00,14:00-17:30", perDay: 7 * time.Hour},
		{in: "24x7", want: "24x7", perDay: 24 * time.Hour, is24x7: true},
		{in: "24X7", want: "24x7", perDay: 24 * time.Hour, is24x7: true},
		{in: "00:00-24:00", want: "00:00-24:00", perDay: 24 * time.Hour},
		{in: "09:00-12:00,12:00-13:00", want: "09:00-12:00,12:00-13:00", perDay: 4 * time.Hour},
		{in: "", wantErr: true},
		{in: "08:30", wantErr: true},
		{in: "8:30-12:00", wantErr: true},
		{in: "08:30-08:30", wantErr: true},
		{in: "12:00-08:30", wantErr: true},
		{in: "08:00-12:00,11:00-13:00", wantErr: true},
		{in: "14:00-17:30,08:30-12:00", wantErr: true},
		{in: "24:01-24:30", wantErr: true},
		{in: "23:00-25:00", wantErr: true},
		{in: "08:60-09:00", wantErr: true},
		{in: "+8:30-12:00", wantErr: true},
		{in: "08:30-12:00,", wantErr: true},
		{in: "24x7,08:00-09:00", wantErr: true},
	}
	for _, tt := range tests {
		s, err := ParseSchedule(tt.in)
		if tt.wantErr {
			if !errors.Is(err, ErrSchedule) {
				t.Errorf("ParseSchedule(%q) error = %v, want ErrSchedule", tt.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseSchedule(%q): %v", tt.in, err)
			continue
		}
		if s.String() != tt.want || s.DayLength() != tt.perDay || s.Is24x7() != tt.is24x7 {
			t.Errorf("ParseSchedule(%q) = %q %v %v, want %q %v %v", tt.in, s, s.DayLength(), s.Is24x7(), tt.want, tt.perDay, tt.is24x7)
		}
	}
}

func TestScheduleText(t *testing.T) {
	var s Schedule
	if err := s.UnmarshalText([]byte(office)); err != nil {
		t.Fatal(err)
	}
	b, err := s.MarshalText()
	if err != nil || string(b) != office {
		t.Fatalf("MarshalText = %q, %v", b, err)
	}
	if _, err := (Schedule{}).MarshalText(); err == nil {
		t.Fatal("zero schedule marshalled without error")
	}
	if _, err := Official(Schedule{}); err == nil {
		t.Fatal("calendar built from the zero schedule")
	}
}

func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{office, "24x7", "00:00-24:00", "09:00-12:00,12:00-13:00", "8:30-12", "23:59-24:00,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseSchedule(in)
		if err != nil {
			return
		}
		if s.DayLength() <= 0 || s.DayLength() > 24*time.Hour {
			t.Fatalf("%q: day length %v", in, s.DayLength())
		}
		again, err := ParseSchedule(s.String())
		if err != nil || again.String() != s.String() || again.DayLength() != s.DayLength() {
			t.Fatalf("%q: round trip %q -> %q, %v", in, s, again, err)
		}
		var sum time.Duration
		for _, sp := range s.Spans() {
			sum += sp.End - sp.Start
		}
		if sum != s.DayLength() {
			t.Fatalf("%q: spans sum to %v, day length %v", in, sum, s.DayLength())
		}
	})
}
