package demo

import (
	"testing"

	"yiwang/internal/cases"
	"yiwang/internal/dispatch"
	"yiwang/internal/geo"
)

// realDeps loads the geo index and the dispatch demo engine once per test.
func realDeps(t testing.TB) (*geo.Index, *dispatch.Engine) {
	t.Helper()
	x, err := geo.Load()
	if err != nil {
		t.Fatal(err)
	}
	e, err := dispatch.DemoEngine()
	if err != nil {
		t.Fatal(err)
	}
	return x, e
}

// TestGeoLocations checks that every case, placed by the real geo index and
// routed by the real dispatch rules, lies inside Wuhan with the chain Locate
// gives for its point, and goes to units the directory knows.
func TestGeoLocations(t *testing.T) {
	x, e := realDeps(t)
	loc := GeoLocator(x)
	if n := len(loc.Districts()); n != 13 {
		t.Fatalf("districts = %d, want 13", n)
	}
	hs := mustHistories(t, SeedOptions{Now: testNow, Locator: loc, Router: DispatchRouter(e)})
	perDistrict := map[string]int{}
	for _, h := range hs {
		c, err := cases.Replay(h)
		if err != nil {
			t.Fatal(err)
		}
		l := c.Location
		if l.Lat == nil {
			t.Fatalf("case %s has no position", c.ID)
		}
		chain, err := x.Locate(*l.Lat, *l.Lon)
		if err != nil {
			t.Fatalf("case %s at %v,%v: %v", c.ID, *l.Lat, *l.Lon, err)
		}
		if chain.District.Code != l.District || chain.Street.Code != l.Street || chain.Community.Code != l.Community || chain.Grid.Code != l.Grid {
			t.Fatalf("case %s: location %+v, Locate gives %+v", c.ID, l, chain)
		}
		perDistrict[l.District]++
		for _, ev := range h {
			if u := ev.Payload.Unit; u != "" && !e.Directory().Has(u) {
				t.Fatalf("case %s dispatched to unknown unit %q", c.ID, u)
			}
		}
	}
	if len(perDistrict) != 13 {
		t.Errorf("cases in %d districts, want all 13: %v", len(perDistrict), perDistrict)
	}
	t.Logf("cases per district: %v", perDistrict)
}
