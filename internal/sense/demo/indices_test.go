package demo

import (
	"io"
	"testing"

	"yiwang/internal/geo"
	"yiwang/internal/sense"
)

// TestIndicesValidate: the demo index definitions validate against the
// geography, name the demo's levels, and every district has the sensors
// their terms need.
func TestIndicesValidate(t *testing.T) {
	x, err := geo.Load()
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(Indices())
	if err != nil {
		t.Fatal(err)
	}
	defs, err := sense.ParseIndices(b, sense.IndexOptions{KnownArea: func(code string) bool { _, ok := x.Area(code); return ok }})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]sense.IndexDef{}
	for _, d := range defs {
		ids[d.Def.ID] = d.Def
		if !d.Def.Generated {
			t.Errorf("%s is not labelled generated", d.Def.ID)
		}
	}
	risk, ok := ids["waterlogging_risk"]
	if !ok || ids["congestion"].ID == "" {
		t.Fatalf("demo indices are %v", ids)
	}
	if th := risk.Terms[0].Threshold; th == nil || *th != WaterWarning || risk.Terms[1].Scale != HeavyRain {
		t.Errorf("waterlogging risk does not use WaterWarning %g and HeavyRain %g: %+v", WaterWarning, HeavyRain, risk.Terms)
	}
	kinds := map[string]map[string]bool{}
	for _, s := range List() {
		if kinds[s.District] == nil {
			kinds[s.District] = map[string]bool{}
		}
		kinds[s.District][s.Kind] = true
	}
	for _, d := range x.Areas(geo.LevelDistrict) {
		for _, def := range defs {
			for _, tm := range def.Def.Terms {
				if !kinds[d.Code][tm.Kind] {
					t.Errorf("district %s has no %s sensor for %s", d.Code, tm.Kind, def.Def.ID)
				}
			}
		}
	}
}
