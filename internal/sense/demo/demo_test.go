package demo

import (
	"strings"
	"testing"

	"yiwang/internal/category"
	"yiwang/internal/dispatch"
	"yiwang/internal/geo"
	"yiwang/internal/sense/registry"
	"yiwang/internal/sense/rules"
)

// TestValidates loads the demo set the way a node does: sensors placed by
// the geography, owners among the demo units, rules compiled against the
// registry and the taxonomy.
func TestValidates(t *testing.T) {
	x, err := geo.Load()
	if err != nil {
		t.Fatal(err)
	}
	eng, err := dispatch.DemoEngine()
	if err != nil {
		t.Fatal(err)
	}
	tax, err := category.Default()
	if err != nil {
		t.Fatal(err)
	}
	ss, err := registry.ParseCSV(Sensors())
	if err != nil {
		t.Fatal(err)
	}
	reg, err := registry.New(ss, registry.Options{Locate: x.Locate, KnownUnit: eng.Directory().Has})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := rules.Parse(Rules())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rules.Compile(rs, reg, rules.Options{ValidCategory: tax.Valid}); err != nil {
		t.Fatal(err)
	}
	districts, kinds := map[string]int{}, map[string]int{}
	for _, s := range List() {
		districts[s.District]++
		kinds[s.Kind]++
		if !strings.HasPrefix(s.ID, "GEN-") {
			t.Errorf("sensor %s is not marked generated", s.ID)
		}
	}
	if reg.Len() != len(List()) || reg.Len() < 150 || len(districts) != 13 || len(kinds) < 8 {
		t.Fatalf("%d sensors (list %d) in %d districts, %d kinds", reg.Len(), len(List()), len(districts), len(kinds))
	}
	for i := range int32(reg.Len()) {
		s := reg.Sensor(i)
		if d := s.Area.District.Code; !strings.Contains(s.ID, "-"+d+"-") {
			t.Errorf("sensor %s located in district %s", s.ID, d)
		}
	}
	want := map[rules.Kind]bool{}
	for _, r := range rs {
		if r.Clear != nil {
			want["hysteresis"] = true
		}
		want[r.Kind] = true
	}
	for _, k := range []rules.Kind{rules.Threshold, rules.Stale, rules.Composite, rules.Area, rules.Rate, "hysteresis"} {
		if !want[k] {
			t.Errorf("no %s rule", k)
		}
	}
}
