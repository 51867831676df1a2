package rules

import (
	"testing"
	"time"
)

// TestAdopt swaps rule sets over an engine whose water level rule fires
// by hysteresis only (28.6 raised it, 28.2 is below the level but above
// the clear): unchanged rules keep that state, changed rules are judged
// afresh on the newest readings, composites follow their children.
func TestAdopt(t *testing.T) {
	const base = `rules:
- {id: hi, kind: threshold, sensor: WL1, above: 28.5, clear: 28.0, category: "0101"}
- {id: rain, kind: threshold, sensor: RF1, above: 50, silent: true}
- {id: both, kind: composite, all: [hi, rain], category: "0101"}
`
	tests := []struct {
		name  string
		rules string
		want  map[string]bool
	}{
		{"same rules keep hysteresis state", base, map[string]bool{"hi": true, "rain": true, "both": true}},
		{"level raised above the reading", `rules:
- {id: hi, kind: threshold, sensor: WL1, above: 30, clear: 28.0, category: "0101"}
- {id: rain, kind: threshold, sensor: RF1, above: 50, silent: true}
- {id: both, kind: composite, all: [hi, rain], category: "0101"}
`, map[string]bool{"hi": false, "rain": true, "both": false}},
		{"level lowered below the reading", `rules:
- {id: hi, kind: threshold, sensor: WL1, above: 28.1, category: "0101"}
- {id: rain, kind: threshold, sensor: RF1, above: 50, silent: true}
- {id: both, kind: composite, all: [hi, rain], category: "0101"}
`, map[string]bool{"hi": true, "rain": true, "both": true}},
		{"rule removed, composite rewritten", `rules:
- {id: rain, kind: threshold, sensor: RF1, above: 50, silent: true}
- {id: both, kind: composite, any: [rain], category: "0101"}
- {id: gas, kind: threshold, sensor: GS1, above: 20, category: "0101"}
`, map[string]bool{"rain": true, "both": true, "gas": false}},
	}
	reg := testRegistry(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs, err := ParseBytes([]byte(base))
			if err != nil {
				t.Fatal(err)
			}
			old, err := Compile(rs, reg, Options{})
			if err != nil {
				t.Fatal(err)
			}
			latest := map[int32][2]float64{}
			for k, r := range []struct {
				sensor string
				v      float64
			}{{"WL1", 28.6}, {"WL1", 28.2}, {"RF1", 60}} {
				idx, _ := reg.Lookup(r.sensor)
				at := t0.Add(time.Duration(k) * time.Minute)
				old.Observe(at, idx, at.UnixNano(), r.v, nil)
				latest[idx] = [2]float64{float64(at.UnixNano()), r.v}
			}
			rs, err = ParseBytes([]byte(tc.rules))
			if err != nil {
				t.Fatal(err)
			}
			e, err := Compile(rs, reg, Options{})
			if err != nil {
				t.Fatal(err)
			}
			e.Adopt(old, func(s int32) (int64, float64, bool) {
				l, ok := latest[s]
				return int64(l[0]), l[1], ok
			})
			for id, want := range tc.want {
				i, ok := e.Lookup(id)
				if !ok {
					t.Fatalf("no rule %s", id)
				}
				if got := e.Firing(i); got != want {
					t.Errorf("%s firing %v, want %v", id, got, want)
				}
			}
		})
	}
}
