package demo

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"yiwang/internal/cases"
)

// testNow is a fixed "now" for the tests (09:30 China Standard Time).
var testNow = time.Date(2026, 11, 23, 1, 30, 0, 0, time.UTC)

// fakeLocator places every case on a fixed point per district.
type fakeLocator struct{}

func (fakeLocator) Districts() []District {
	return []District{{Code: "420102", Weight: 1}, {Code: "420111", Weight: 2}, {Code: "420116", Weight: 1}}
}

func (fakeLocator) Place(district string, r *rand.Rand) (cases.Location, error) {
	lat, lon := 30.5+r.Float64()*0.1, 114.3+r.Float64()*0.1
	return cases.Location{Lat: &lat, Lon: &lon, District: district, Street: district + "001"}, nil
}

func mustHistories(t testing.TB, opts SeedOptions) [][]cases.Event {
	t.Helper()
	hs, err := Histories(opts)
	if err != nil {
		t.Fatal(err)
	}
	return hs
}

func TestHistoriesReplayAndCoverStates(t *testing.T) {
	hs := mustHistories(t, SeedOptions{Now: testNow, Locator: fakeLocator{}})
	if len(hs) != 4615 {
		t.Errorf("cases = %d, want 4615", len(hs))
	}
	ids := map[string]bool{}
	for _, h := range hs {
		c, err := cases.Replay(h)
		if err != nil {
			t.Fatal(err)
		}
		if ids[c.ID] {
			t.Fatalf("duplicate id %s", c.ID)
		}
		ids[c.ID] = true
		for i, e := range h {
			if !e.At.Before(testNow) {
				t.Fatalf("case %s event %d at %v is not before now", c.ID, e.Seq, e.At)
			}
			if i > 0 && e.At.Before(h[i-1].At) {
				t.Fatalf("case %s event %d goes back in time", c.ID, e.Seq)
			}
		}
		if c.State == cases.StateMerged && !ids[c.ParentID] {
			t.Fatalf("case %s merged into %s, which is not an earlier case", c.ID, c.ParentID)
		}
	}
	rep := Report(hs, testNow)
	t.Logf("report: %+v", rep)
	for _, s := range cases.States {
		if rep.ByState[s] == 0 {
			t.Errorf("no case in state %s", s)
		}
	}
	if rep.Overdue == 0 || rep.Supervised == 0 || rep.Reopened == 0 {
		t.Errorf("want some overdue, supervised and reopened cases: %+v", rep)
	}
	if rep.Located != rep.Cases {
		t.Errorf("located %d of %d cases", rep.Located, rep.Cases)
	}
}

func TestHistoriesDeterministic(t *testing.T) {
	opts := SeedOptions{Now: testNow, Locator: fakeLocator{}, Limit: 800}
	a, b := mustHistories(t, opts), mustHistories(t, opts)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same options gave different histories")
	}
	opts.Seed = 7
	if c := mustHistories(t, opts); reflect.DeepEqual(a, c) {
		t.Fatal("another seed gave the same histories")
	}
}

func ExampleReport() {
	hs, _ := Histories(SeedOptions{Now: testNow, Limit: 100})
	fmt.Println(Report(hs, testNow).Cases)
	// Output: 100
}
