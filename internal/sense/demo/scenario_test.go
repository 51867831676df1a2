package demo

import (
	"bytes"
	"testing"
	"time"

	"yiwang/internal/sense/lineproto"
)

// TestScenario checks what the simulator promises: every line parses,
// the storm pushes some water level over the warning line at the start,
// the silent sensors stop after a fifth of the span, and the flapping
// sensor crosses both its levels.
func TestScenario(t *testing.T) {
	t0 := time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)
	sc := NewScenario(1, t0, time.Minute)
	var ps lineproto.Parser
	var flap []float64
	for _, tc := range []struct {
		at         time.Duration
		wantSilent bool
	}{{0, false}, {time.Second, false}, {15 * time.Second, true}, {59 * time.Second, true}} {
		buf, n := sc.AppendLines(nil, t0.Add(tc.at))
		lines := bytes.Split(bytes.TrimSuffix(buf, []byte("\n")), []byte("\n"))
		if len(lines) != n {
			t.Fatalf("at %v: %d lines, n = %d", tc.at, len(lines), n)
		}
		over, silent := 0, 0
		for _, l := range lines {
			p, err := ps.Parse(l)
			if err != nil {
				t.Fatalf("line %q: %v", l, err)
			}
			id := string(p.Tags[0].Value)
			v := p.Fields[0].Float
			if sc.Silent(id) {
				silent++
			}
			if id == sc.Flapping() {
				flap = append(flap, v)
			} else if string(p.Measurement) == "water_level" && v > WaterWarning {
				over++
			}
		}
		if tc.at == 0 && over == 0 {
			t.Errorf("no water level over the warning line at the start")
		}
		if (silent == 0) != tc.wantSilent {
			t.Errorf("at %v: %d silent sensors reported", tc.at, silent)
		}
		if want := sc.Sensors() - 3; tc.wantSilent && n != want {
			t.Errorf("at %v: %d readings, want %d", tc.at, n, want)
		}
	}
	lo, hi := false, false
	for _, v := range flap {
		lo, hi = lo || v < WaterClear, hi || v > WaterWarning
	}
	if !lo || !hi {
		t.Errorf("flapping sensor read %v", flap)
	}
}
