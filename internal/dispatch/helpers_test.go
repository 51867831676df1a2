package dispatch

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// testUnits is a small directory: a city government, a city 城管 bureau
// with two district branches, the city police and water bureau, and one
// street office.
func testUnits() []Unit {
	return []Unit{
		{Code: "gov", Name: "市政府", Kind: KindGovernment, Areas: []string{"420100"}, Schedule: "08:30-12:00,14:00-17:30"},
		{Code: "cg", Name: "市城管委", Kind: KindUrbanManagement, Parent: "gov", Areas: []string{"420100"}, Schedule: "24x7", ReturnWindow: 4 * time.Hour},
		{Code: "cg.wc", Name: "武昌区城管局", Kind: KindUrbanManagement, Parent: "cg", Areas: []string{"420106"}, Schedule: "24x7", ReturnWindow: 2 * time.Hour},
		{Code: "cg.hs", Name: "洪山区城管局", Kind: KindUrbanManagement, Parent: "cg", Areas: []string{"420111"}, Schedule: "24x7", ReturnWindow: 2 * time.Hour},
		{Code: "ga", Name: "市公安局", Kind: KindPolice, Parent: "gov", Areas: []string{"420100"}, Schedule: "24x7"},
		{Code: "sw", Name: "市水务局", Kind: KindWater, Parent: "gov", Areas: []string{"420100"}, Schedule: "24x7"},
		{Code: "jd.yy", Name: "杨园街道办", Kind: KindStreetOffice, Parent: "gov", Areas: []string{"420106002"}, Schedule: "08:30-12:00,14:00-17:30", ReturnWindow: time.Hour},
	}
}

func testDir(t testing.TB) *Directory {
	t.Helper()
	d, err := NewDirectory(testUnits())
	if err != nil {
		t.Fatalf("NewDirectory: %v", err)
	}
	return d
}

func mustEngine(t testing.TB, rules ...Rule) *Engine {
	t.Helper()
	e, err := NewEngine(testDir(t), rules)
	if err != nil {
		t.Fatalf("NewEngine: %v", err)
	}
	return e
}

// at returns a time in China Standard Time. 2026-11-23 is a Monday.
func at(day, hour, minute int) time.Time {
	return time.Date(2026, 11, day, hour, minute, 0, 0, time.FixedZone("CST", 8*3600))
}

// wantErr checks that err wraps target and mentions every fragment.
func wantErr(t *testing.T, err, target error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v", target)
	}
	if !errors.Is(err, target) {
		t.Errorf("error %q does not wrap %v", err, target)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not mention %q", err, f)
		}
	}
}
