package rules

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"yiwang/internal/geo"
	"yiwang/internal/sense/registry"
)

var t0 = time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)

func testRegistry(t testing.TB) *registry.Registry {
	t.Helper()
	loc := func(lat, lon float64) (geo.Chain, error) {
		g := "420102001001001"
		if lat > 31 {
			g = "420103001001001"
		}
		return geo.Chain{Grid: geo.AreaRef{Code: g}}, nil
	}
	s := func(id string, k registry.Kind, unit string, lat float64) registry.Sensor {
		return registry.Sensor{ID: id, Kind: k, Unit: unit, Lat: lat, Lon: 114.3, Owner: "shuiwu.420102", Interval: time.Minute}
	}
	r, err := registry.New([]registry.Sensor{
		s("WL1", registry.WaterLevel, "m", 30.5), s("RF1", registry.Rainfall, "mm", 30.5), s("GS1", registry.GasConcentration, "%LEL", 30.5),
		s("WL2", registry.WaterLevel, "m", 30.5), s("WL3", registry.WaterLevel, "m", 30.5), s("WL4", registry.WaterLevel, "m", 32),
	}, registry.Options{Locate: loc})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func load(t *testing.T) *Engine {
	t.Helper()
	f, err := os.Open("testdata/wuhan.yaml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rs, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	e, err := Compile(rs, testRegistry(t), Options{ValidCategory: func(c string) bool { return c == "0101" }})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

type feed struct {
	e *Engine
	t *testing.T
}

// obs feeds a reading at minute m and returns the ids that changed, "+id"
// for firing and "-id" for clearing.
func (f feed) obs(sensor string, m int, v float64) string {
	reg := testRegistry(f.t)
	idx, _ := reg.Lookup(sensor)
	at := t0.Add(time.Duration(m) * time.Minute)
	return f.str(f.e.Observe(at, idx, at.UnixNano(), v, nil))
}

func (f feed) tick(m int) string { return f.str(f.e.Tick(t0.Add(time.Duration(m)*time.Minute), nil)) }

func (f feed) str(ts []Transition) string {
	var s []string
	for _, tr := range ts {
		sign := "-"
		if tr.Firing {
			sign = "+"
		}
		s = append(s, sign+f.e.Rule(tr.Rule).ID)
	}
	return strings.Join(s, " ")
}

func TestEvaluate(t *testing.T) {
	type step struct {
		sensor string // "" means a tick
		m      int
		v      float64
		want   string
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"threshold with hysteresis", []step{
			{"WL1", 0, 28.4, ""}, {"WL1", 1, 28.6, "+wl-high"}, {"WL1", 2, 28.2, ""}, {"WL1", 3, 28.6, ""}, {"WL1", 4, 27.9, "-wl-high"},
		}},
		{"below", []step{{"GS1", 0, 5, ""}, {"GS1", 1, 1, "+gas-low"}, {"GS1", 2, 3, "-gas-low"}}},
		{"duration on readings and on ticks", []step{
			{"WL1", 0, 27.5, ""}, {"WL1", 5, 27.5, ""}, {"WL1", 10, 27.5, "+wl-held"}, {"WL1", 11, 26, "-wl-held"},
			{"WL1", 20, 27.5, ""}, {"", 29, 0, ""}, {"", 30, 0, "+wl-held"},
		}},
		{"composite rain and rising river", []step{
			{"WL1", 0, 20, ""}, {"RF1", 1, 60, "+rain-heavy"}, {"WL1", 10, 20.3, ""}, {"WL1", 20, 20.6, "+wl-rising +flood-risk"},
			{"RF1", 21, 10, "-rain-heavy -flood-risk"},
		}},
		{"rate window forgets old readings", []step{{"WL1", 0, 20, ""}, {"WL1", 40, 20.4, ""}, {"WL1", 80, 20.8, ""}}},
		{"stale heartbeat", []step{
			{"", 0, 0, ""}, {"", 10, 0, ""}, {"", 16, 0, "+rf-stale"}, {"RF1", 17, 1, "-rf-stale"}, {"", 30, 0, ""}, {"", 33, 0, "+rf-stale"},
		}},
		{"area share", []step{
			{"WL2", 0, 1.5, ""}, {"WL4", 0, 9, ""}, {"WL3", 1, 1.2, "+street-waterlogging"}, {"WL1", 2, 1.1, ""}, {"WL2", 3, 0.5, ""}, {"WL3", 4, 0.2, "-street-waterlogging"},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := feed{load(t), t}
			for k, s := range tc.steps {
				var got string
				if s.sensor == "" {
					got = f.tick(s.m)
				} else {
					got = f.obs(s.sensor, s.m, s.v)
				}
				if got != s.want {
					t.Fatalf("step %d (%s at %d min = %v): got %q, want %q", k, s.sensor, s.m, s.v, got, s.want)
				}
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"unknown sensor", "rules:\n- {id: a, kind: threshold, sensor: NOPE, above: 1, category: '0101'}\n", `rule "a": unknown sensor "NOPE"`},
		{"cycle", "rules:\n- {id: a, kind: composite, all: [b], category: x}\n- {id: b, kind: composite, any: [c], silent: true}\n- {id: c, kind: composite, all: [a], silent: true}\n",
			"cycle: a → b → c → a"},
		{"self cycle", "rules:\n- {id: a, kind: composite, all: [a], category: x}\n", "cycle: a → a"},
		{"unknown child", "rules:\n- {id: a, kind: composite, all: [zz], category: x}\n", `unknown rule "zz"`},
		{"unknown field", "rules:\n- {id: a, kind: threshold, sensor: WL1, abov: 1}\n", "field abov not found"},
		{"unknown kind", "rules:\n- {id: a, kind: magic, category: x}\n", `unknown kind "magic"`},
		{"both levels", "rules:\n- {id: a, kind: threshold, sensor: WL1, above: 1, below: 0, category: x}\n", "exactly one of above and below"},
		{"clear above level", "rules:\n- {id: a, kind: threshold, sensor: WL1, above: 1, clear: 2, category: x}\n", "could never clear"},
		{"no category", "rules:\n- {id: a, kind: threshold, sensor: WL1, above: 1}\n", "category is required"},
		{"bad category", "rules:\n- {id: a, kind: threshold, sensor: WL1, above: 1, category: '99'}\n", `unknown case category "99"`},
		{"duplicate", "rules:\n- {id: a, kind: stale, sensor: WL1, after: 1m, category: x}\n- {id: a, kind: stale, sensor: WL1, after: 1m, category: x}\n", "duplicate id"},
		{"empty area", "rules:\n- {id: a, kind: area, area: '999', sensor_kind: water_level, above: 1, share: 0.5, category: x}\n", "no water_level sensor in area"},
		{"share", "rules:\n- {id: a, kind: area, area: '420102', sensor_kind: water_level, above: 1, share: 2, category: x}\n", "share 2"},
		{"bad duration", "rules:\n- {id: a, kind: duration, sensor: WL1, above: 1, for: 0s, category: x}\n", "for 0s"},
		{"severity", "rules:\n- {id: a, kind: stale, sensor: WL1, after: 1m, category: x, severity: huge}\n", `severity "huge"`},
		{"two documents", "rules: []\n---\nrules: []\n", "more than one"},
		{"nan level", "rules:\n- {id: a, kind: threshold, sensor: WL1, above: .nan, category: x}\n", "finite"},
	}
	reg := testRegistry(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rs, err := ParseBytes([]byte(tc.yaml))
			if err == nil {
				_, err = Compile(rs, reg, Options{ValidCategory: func(c string) bool { return c != "99" }})
			}
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func FuzzCompile(f *testing.F) {
	b, _ := os.ReadFile("testdata/wuhan.yaml")
	f.Add(b)
	f.Add([]byte("rules:\n- {id: a, kind: composite, all: [a]}\n"))
	reg := testRegistry(f)
	f.Fuzz(func(t *testing.T, in []byte) {
		rs, err := ParseBytes(in)
		if err != nil {
			return
		}
		e, err := Compile(rs, reg, Options{})
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error not wrapping ErrInvalid: %v", err)
			}
			return
		}
		// A compiled engine evaluates without panicking.
		for s := range int32(reg.Len()) {
			e.Observe(t0, s, t0.UnixNano(), 100, nil)
		}
		e.Tick(t0, nil)
		e.Tick(t0.Add(time.Hour), nil)
	})
}
