package dispatch

import (
	"testing"
	"time"
)

func TestParseWindow(t *testing.T) {
	tests := []struct {
		in   string
		want Window
		str  string
	}{
		{"22:00-06:00", Window{allDays, 22 * 60, 6 * 60}, "22:00-06:00"},
		{"* 22:00-06:00", Window{allDays, 22 * 60, 6 * 60}, "22:00-06:00"},
		{"Mon-Fri 08:30-17:30", Window{0b0111110, 510, 1050}, "Mon-Fri 08:30-17:30"},
		{"sat,sun 00:00-24:00", Window{0b1000001, 0, 1440}, "Sat,Sun 00:00-24:00"},
		{"Sat-Mon 20:00-02:00", Window{0b1000011, 1200, 120}, "Mon,Sat,Sun 20:00-02:00"},
		{"Fri 23:59-00:01", Window{1 << 5, 1439, 1}, "Fri 23:59-00:01"},
	}
	for _, tt := range tests {
		got, err := ParseWindow(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseWindow(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			continue
		}
		if got.String() != tt.str {
			t.Errorf("ParseWindow(%q).String() = %q, want %q", tt.in, got.String(), tt.str)
		}
	}
	for _, bad := range []string{"", "22:00", "22:00-22:00", "24:00-06:00", "22:00-24:01", "25:00-06:00",
		"22:60-06:00", "Mon-Fry 22:00-06:00", "Mon 22:00-06:00 x", "Mon,,Tue 22:00-06:00", "2:00-06:00", "22h00-06:00"} {
		if w, err := ParseWindow(bad); err == nil {
			t.Errorf("ParseWindow(%q) = %+v, want an error", bad, w)
		}
	}
}

func TestWindowContains(t *testing.T) {
	night := mustWindow(t, "22:00-06:00")
	weekdayNight := mustWindow(t, "Mon-Fri 22:00-06:00")
	office := mustWindow(t, "Mon-Fri 08:30-17:30")
	// 2026-11-23 is a Monday; 2026-11-28 a Saturday.
	tests := []struct {
		w    Window
		t    time.Time
		want bool
	}{
		{night, at(23, 22, 0), true},
		{night, at(23, 21, 59), false},
		{night, at(24, 5, 59), true},
		{night, at(24, 6, 0), false},
		{night, at(23, 0, 0), true},
		{weekdayNight, at(27, 23, 0), true},  // Friday night
		{weekdayNight, at(28, 5, 0), true},   // Saturday early: started on Friday
		{weekdayNight, at(28, 23, 0), false}, // Saturday night
		{weekdayNight, at(23, 5, 0), false},  // Monday early: would have started on Sunday
		{weekdayNight, at(23, 22, 30), true},
		{office, at(23, 8, 30), true},
		{office, at(23, 17, 30), false},
		{office, at(28, 10, 0), false},
		// The same instant given in UTC: 2026-11-23 14:30 UTC is 22:30 CST.
		{night, time.Date(2026, 11, 23, 14, 30, 0, 0, time.UTC), true},
		{office, time.Date(2026, 11, 23, 14, 30, 0, 0, time.UTC), false},
	}
	for _, tt := range tests {
		if got := tt.w.Contains(tt.t); got != tt.want {
			t.Errorf("%v.Contains(%v) = %v, want %v", tt.w, tt.t, got, tt.want)
		}
	}
}

func TestWindowOverlaps(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"22:00-06:00", "05:00-07:00", true},
		{"22:00-06:00", "06:00-22:00", false},
		{"Mon-Fri 22:00-06:00", "Sat 05:00-06:00", true}, // Friday's window runs into Saturday
		{"Mon-Fri 22:00-06:00", "Mon 05:00-06:00", false},
		{"Sun 22:00-06:00", "Mon 00:00-01:00", true}, // wraps over the week's end
		{"Sat,Sun 00:00-24:00", "Mon-Fri 08:00-18:00", false},
	}
	for _, tt := range tests {
		a, b := mustWindow(t, tt.a), mustWindow(t, tt.b)
		if got := a.Overlaps(b); got != tt.want {
			t.Errorf("%q overlaps %q = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := b.Overlaps(a); got != tt.want {
			t.Errorf("%q overlaps %q = %v, want %v (symmetry)", tt.b, tt.a, got, tt.want)
		}
	}
}

func mustWindow(t testing.TB, s string) Window {
	t.Helper()
	w, err := ParseWindow(s)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestSchedule(t *testing.T) {
	s, err := ParseSchedule("08:30-12:00,14:00-17:30")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		t    time.Time
		want bool
	}{{at(23, 8, 29), false}, {at(23, 8, 30), true}, {at(23, 12, 0), false}, {at(23, 17, 29), true}} {
		if got := s.Covers(tt.t); got != tt.want {
			t.Errorf("Covers(%v) = %v, want %v", tt.t, got, tt.want)
		}
	}
	if a, _ := ParseSchedule("24x7"); !a.Always() || !a.Covers(at(23, 3, 0)) {
		t.Error("24x7 should cover 03:00")
	}
	for _, bad := range []string{"", "24x6", "12:00-08:30", "08:00-12:00,11:00-13:00", "22:00-02:00", "08:00-12:00,"} {
		if _, err := ParseSchedule(bad); err == nil {
			t.Errorf("ParseSchedule(%q): want an error", bad)
		}
	}
}

// FuzzParseWindow checks that accepted windows render canonically, parse
// back to themselves, and that Contains agrees with Overlaps' week bitmap.
func FuzzParseWindow(f *testing.F) {
	for _, s := range []string{"22:00-06:00", "Mon-Fri 08:30-17:30", "Sat-Mon 20:00-02:00", "sun 00:00-24:00", "x", "Fri 23:59-00:01"} {
		f.Add(s, int64(1_764_000_000))
	}
	f.Fuzz(func(t *testing.T, s string, unix int64) {
		w, err := ParseWindow(s)
		if err != nil {
			return
		}
		back, err := ParseWindow(w.String())
		if err != nil || back != w {
			t.Fatalf("ParseWindow(%q) = %+v, rendered %q, reparsed %+v, %v", s, w, w.String(), back, err)
		}
		tm := time.Unix(unix%(1<<40), 0)
		wd, m := chinaClock(tm)
		bits := w.weekBits()
		i := wd*minutesDay + m
		if got, want := w.Contains(tm), bits[i/64]&(1<<(i%64)) != 0; got != want {
			t.Fatalf("%v.Contains(%v) = %v, week bitmap says %v", w, tm, got, want)
		}
	})
}

func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{"24x7", "08:30-12:00,14:00-17:30", "00:00-24:00", "a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sc, err := ParseSchedule(s)
		if err != nil {
			return
		}
		back, err := ParseSchedule(sc.String())
		if err != nil || back.String() != sc.String() {
			t.Fatalf("ParseSchedule(%q) renders %q, reparsed %q, %v", s, sc.String(), back.String(), err)
		}
	})
}
