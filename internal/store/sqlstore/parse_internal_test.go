package sqlstore

import (
	"testing"
	"time"
)

func TestParseID(t *testing.T) {
	s := &Store{prefix: "WH"}
	tests := []struct {
		id   string
		day  string
		n    int64
		want bool
	}{
		{"WH-20261123-000123", "20261123", 123, true},
		{"WH-20261123-1000000", "20261123", 1000000, true},
		{"WH-20261123-00012", "", 0, false},
		{"XX-20261123-000123", "", 0, false},
		{"WH-20261323-000123", "", 0, false},
		{"WH-2026112-000123", "", 0, false},
		{"WH-20261123-00012a", "", 0, false},
		{"WH-20261123--00012", "", 0, false},
		{"WH-20261123-+00012", "", 0, false},
	}
	for _, tt := range tests {
		day, n, ok := s.parseID(tt.id)
		if ok != tt.want || day != tt.day || n != tt.n {
			t.Errorf("parseID(%q) = %q, %d, %v; want %q, %d, %v", tt.id, day, n, ok, tt.day, tt.n, tt.want)
		}
	}
}

func FuzzParseID(f *testing.F) {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		f.Fatal(err)
	}
	s := &Store{prefix: "WH", shanghai: loc}
	f.Add("WH-20261123-000123")
	f.Add("WH-20261123-99999999")
	f.Add("WH--")
	f.Fuzz(func(t *testing.T, id string) {
		day, n, ok := s.parseID(id)
		if !ok {
			return
		}
		// Whatever parses formats back to an id with the same day and number.
		d2, n2, ok2 := s.parseID(s.formatID(day, n))
		if !ok2 || d2 != day || n2 != n {
			t.Fatalf("%q parsed to %s/%d, which does not round-trip", id, day, n)
		}
	})
}

func FuzzDecodeCursor(f *testing.F) {
	f.Add(encodeCursor(1))
	f.Add(encodeCursor(1 << 40))
	f.Add("bjEyMw")
	f.Add("!!")
	f.Fuzz(func(t *testing.T, c string) {
		n, err := decodeCursor(c)
		if err != nil {
			return
		}
		if n <= 0 {
			t.Fatalf("cursor %q decoded to %d", c, n)
		}
		if back, err := decodeCursor(encodeCursor(n)); err != nil || back != n {
			t.Fatalf("cursor for %d does not round-trip: %d, %v", n, back, err)
		}
	})
}
