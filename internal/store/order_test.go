package store

import (
	"errors"
	"testing"
	"time"

	"yiwang/internal/cases"
)

func TestDueCursorRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 23, 9, 30, 15, 123456789, time.UTC)
	tests := []struct {
		due    time.Time
		hasDue bool
		n      int64
	}{
		{at, true, 1},
		{at.Add(-1000 * time.Hour), true, 987654321},
		{time.Unix(0, 0), true, 5},
		{time.Time{}, false, 42},
	}
	for _, tt := range tests {
		c := EncodeDueCursor(tt.due, tt.hasDue, tt.n)
		due, hasDue, n, err := DecodeDueCursor(c)
		if err != nil || hasDue != tt.hasDue || n != tt.n || (tt.hasDue && !due.Equal(Time(tt.due))) {
			t.Errorf("%+v → %q → %v %v %d %v", tt, c, due, hasDue, n, err)
		}
	}
	for _, bad := range []string{"", "bjE", "!!", EncodeDueCursor(at, true, 1)[:4], "ejEyMw", "ZDEyMy4w"} {
		var fe *cases.FieldError
		if _, _, _, err := DecodeDueCursor(bad); !errors.As(err, &fe) || fe.Field != "cursor" {
			t.Errorf("DecodeDueCursor(%q) = %v, want a field error on cursor", bad, err)
		}
	}
}

func FuzzDecodeDueCursor(f *testing.F) {
	f.Add(EncodeDueCursor(time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC), true, 7))
	f.Add(EncodeDueCursor(time.Time{}, false, 3))
	f.Add("bjEyMw")
	f.Fuzz(func(t *testing.T, c string) {
		due, hasDue, n, err := DecodeDueCursor(c)
		if err != nil {
			return
		}
		// What decodes re-encodes to a cursor meaning the same place.
		due2, hasDue2, n2, err := DecodeDueCursor(EncodeDueCursor(due, hasDue, n))
		if err != nil || hasDue2 != hasDue || n2 != n || !due2.Equal(due) || n <= 0 {
			t.Fatalf("%q: %v %v %d does not round-trip: %v %v %d %v", c, due, hasDue, n, due2, hasDue2, n2, err)
		}
	})
}
