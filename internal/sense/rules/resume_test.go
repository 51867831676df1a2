package rules

import (
	"slices"
	"testing"
	"time"
)

// TestResume: an engine resumed from the stored readings and the open
// alarms of one that ran without stopping agrees with it on every rule,
// and both make the same transitions on the readings that follow.
func TestResume(t *testing.T) {
	const text = `rules:
- {id: hi, kind: threshold, sensor: WL1, above: 28.5, clear: 28.0, category: "0101"}
- {id: held, kind: duration, sensor: WL1, above: 28.0, for: 10m, category: "0101"}
- {id: rise, kind: rate, sensor: WL1, rise: 0.5, window: 30m, category: "0101"}
- {id: quiet, kind: stale, sensor: RF1, after: 10m, category: "0101"}
- {id: rain, kind: threshold, sensor: RF1, above: 50, silent: true}
- {id: both, kind: composite, all: [hi, rain], category: "0101"}
`
	type reading struct {
		sensor string
		min    int
		v      float64
	}
	tests := []struct {
		name        string
		before, aft []reading
		stopAt      int // minutes: the restart, and the ticks' clock
	}{
		{"hysteresis holds an alarm below the level", []reading{{"WL1", 0, 28.6}, {"WL1", 1, 28.2}, {"RF1", 1, 60}},
			[]reading{{"WL1", 3, 28.3}, {"WL1", 4, 27.9}}, 2},
		{"duration held across the restart", []reading{{"WL1", 0, 28.1}, {"WL1", 5, 28.2}, {"WL1", 11, 28.2}},
			[]reading{{"WL1", 13, 28.3}, {"WL1", 14, 27.0}}, 12},
		{"rate window rebuilt", []reading{{"WL1", 0, 27.0}, {"WL1", 10, 27.2}, {"WL1", 20, 27.6}},
			[]reading{{"WL1", 35, 27.7}, {"WL1", 45, 27.7}}, 21},
		{"stale sensor stays stale", []reading{{"RF1", 0, 10}, {"WL1", 0, 27}},
			[]reading{{"WL1", 30, 27}, {"RF1", 31, 12}}, 20},
	}
	reg := testRegistry(t)
	rs, err := ParseBytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ran, _ := Compile(rs, reg, Options{})
			stored := map[int32][][2]float64{}
			ran.Tick(at(0), nil)
			for _, r := range tc.before {
				idx, _ := reg.Lookup(r.sensor)
				ran.Observe(at(r.min), idx, at(r.min).UnixNano(), r.v, nil)
				stored[idx] = append(stored[idx], [2]float64{float64(at(r.min).UnixNano()), r.v})
			}
			ran.Tick(at(tc.stopAt), nil)
			open := map[string]bool{}
			for i := range int32(ran.Len()) {
				open[ran.Rule(i).ID] = ran.Firing(i)
			}
			resumed, _ := Compile(rs, reg, Options{})
			resumed.Resume(func(id string) bool { return open[id] }, func(sn int32, span time.Duration, fn func(int64, float64)) {
				xs := stored[sn]
				if len(xs) == 0 {
					return
				}
				last := int64(xs[len(xs)-1][0])
				for _, x := range xs {
					if int64(x[0]) >= last-int64(span) {
						fn(int64(x[0]), x[1])
					}
				}
			})
			resumed.Tick(at(tc.stopAt), nil)
			for i := range int32(ran.Len()) {
				if resumed.Firing(i) != ran.Firing(i) {
					t.Fatalf("rule %s: resumed firing %v, the engine that ran %v", ran.Rule(i).ID, resumed.Firing(i), ran.Firing(i))
				}
			}
			for _, r := range tc.aft {
				idx, _ := reg.Lookup(r.sensor)
				a := ran.Observe(at(r.min), idx, at(r.min).UnixNano(), r.v, nil)
				a = ran.Tick(at(r.min), a)
				b := resumed.Observe(at(r.min), idx, at(r.min).UnixNano(), r.v, nil)
				b = resumed.Tick(at(r.min), b)
				if !slices.Equal(a, b) {
					t.Fatalf("at minute %d: resumed made %+v, the engine that ran %+v", r.min, b, a)
				}
			}
		})
	}
}
