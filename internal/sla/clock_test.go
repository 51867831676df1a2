package sla

import (
	"errors"
	"testing"
	"time"
)

func TestParseClock(t *testing.T) {
	tests := []struct {
		in   string
		want Clock
		text string
	}{
		{"1h working", Clock{Mode: ModeWorking, Amount: time.Hour}, "1h working"},
		{"3d working", Clock{Mode: ModeWorking, Days: 3}, "3d working"},
		{"30m calendar", Clock{Mode: ModeCalendar, Amount: 30 * time.Minute}, "30m calendar"},
		{"2h calendar", Clock{Mode: ModeCalendar, Amount: 2 * time.Hour}, "2h calendar"},
		{"  90m   working ", Clock{Mode: ModeWorking, Amount: 90 * time.Minute}, "1h30m working"},
		{"1.5h calendar", Clock{Mode: ModeCalendar, Amount: 90 * time.Minute}, "1h30m calendar"},
		{"366d calendar", Clock{Mode: ModeCalendar, Days: 366}, "366d calendar"},
	}
	for _, tt := range tests {
		got, err := ParseClock(tt.in)
		if err != nil || got != tt.want || got.String() != tt.text {
			t.Errorf("ParseClock(%q) = %+v %q, %v; want %+v %q", tt.in, got, got, err, tt.want, tt.text)
		}
	}
	for _, bad := range []string{"", "3d", "working", "3d Working", "3 d working", "0d working", "-1d working",
		"+1d working", "367d working", "d working", "3x working", "0m working", "-5m calendar", "30s working",
		"1h30s calendar", "9000h working", "1h working extra", "1w working"} {
		if _, err := ParseClock(bad); !errors.Is(err, ErrClock) {
			t.Errorf("ParseClock(%q) error = %v, want ErrClock", bad, err)
		}
	}
}

func TestClockKind(t *testing.T) {
	for _, k := range ClockKinds() {
		got, err := ParseClockKind(k.String())
		if err != nil || got != k {
			t.Errorf("ParseClockKind(%q) = %v, %v", k, got, err)
		}
	}
	if _, err := ParseClockKind("signoff"); err == nil {
		t.Error("ParseClockKind accepted an unknown kind")
	}
}

func FuzzParseClock(f *testing.F) {
	for _, s := range []string{"3d working", "1h working", "30m calendar", "1h30m calendar", "1.5h working", "0d working", "+3d working"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		c, err := ParseClock(in)
		if err != nil {
			return
		}
		if (c.Days > 0) == (c.Amount > 0) || c.Mode == 0 {
			t.Fatalf("%q: inconsistent clock %+v", in, c)
		}
		again, err := ParseClock(c.String())
		if err != nil || again != c {
			t.Fatalf("%q: round trip %q -> %+v, %v", in, c, again, err)
		}
	})
}
