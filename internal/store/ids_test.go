package store

import (
	"errors"
	"testing"
	"time"

	"yiwang/internal/cases"
)

func TestIDFormat(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	f := IDFormat{Prefix: "WH", Zone: sh}
	// 23:30 UTC on the 22nd is the 23rd in Wuhan
	day := f.Day(time.Date(2026, 11, 22, 23, 30, 0, 0, time.UTC))
	if day != "20261123" {
		t.Fatalf("day = %s", day)
	}
	for _, tt := range []struct {
		n    int64
		want string
	}{{123, "WH-20261123-000123"}, {1234567, "WH-20261123-1234567"}} {
		id := f.Format(day, tt.n)
		if id != tt.want {
			t.Errorf("Format(%d) = %s, want %s", tt.n, id, tt.want)
		}
		if d, n, ok := f.Parse(id); !ok || d != day || n != tt.n {
			t.Errorf("Parse(%s) = %s %d %v", id, d, n, ok)
		}
	}
	for _, bad := range []string{"", "WH-20261123-12345", "XX-20261123-000001", "WH-20261332-000001", "WH-20261123-00000a", "WH-20261123"} {
		if _, _, ok := f.Parse(bad); ok {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

func FuzzIDParse(f *testing.F) {
	f.Add("WH-20261123-000123")
	f.Fuzz(func(t *testing.T, id string) {
		x := IDFormat{Prefix: "WH", Zone: time.UTC}
		day, n, ok := x.Parse(id)
		if ok && n >= 0 {
			if back, _, ok2 := x.Parse(x.Format(day, n)); !ok2 || back != day {
				t.Fatalf("%q parsed to %s/%d which does not round-trip", id, day, n)
			}
		}
	})
}

func TestPrepareImport(t *testing.T) {
	at := time.Date(2026, 11, 1, 9, 0, 0, 123456789, time.UTC)
	n := cases.NewCase{Channel: cases.ChannelWeb, Title: "t", Category: "01", Severity: cases.SeverityNormal}
	h := []cases.Event{cases.NewCreate("WH-20261101-000001", n, "a", "", at)}
	got, err := PrepareImport([][]cases.Event{h})
	if err != nil || len(got) != 1 || got[0].Events[0].At.Nanosecond() != 123456000 {
		t.Fatalf("PrepareImport = %+v, %v", got, err)
	}
	if _, err := PrepareImport([][]cases.Event{h, h}); !errors.Is(err, ErrExists) || !errors.Is(err, cases.ErrInvalid) {
		t.Errorf("repeated id: %v", err)
	}
	if _, err := PrepareImport([][]cases.Event{{}}); !errors.Is(err, cases.ErrInvalid) {
		t.Errorf("empty history: %v", err)
	}
}
