package registry

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestNextApply(t *testing.T) {
	a := Sensor{ID: "A", Kind: WaterLevel, Unit: "m", Lat: 30.5, Lon: 114.3, Owner: "u.1", Interval: time.Minute}
	b := Sensor{ID: "B", Kind: Rainfall, Unit: "mm", Lat: 30.6, Lon: 114.3, Owner: "u.1", Interval: time.Minute}
	c := Sensor{ID: "C", Kind: PowerLoad, Unit: "MW", Lat: 30.6, Lon: 114.6, Owner: "u.1", Interval: time.Minute}
	o := Options{Locate: fakeLocate}
	r, err := New([]Sensor{a, b, c}, o)
	if err != nil {
		t.Fatal(err)
	}
	// B moves east (same slot, new grid), C changes unit (new slot), A
	// goes, D arrives.
	b2, c2 := b, c
	b2.Lon = 114.6
	c2.Unit = "kW"
	d := Sensor{ID: "D", Kind: AQI, Unit: "aqi", Lat: 30.5, Lon: 114.3, Owner: "u.1", Interval: time.Hour}
	u, err := r.Next([]Sensor{d, c2, b2}, o)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(u.Added, []string{"D"}) || !slices.Equal(u.Removed, []string{"A"}) || !slices.Equal(u.Replaced, []string{"C"}) ||
		!slices.Equal(u.Updated, []string{"B"}) || u.Unchanged != 0 || u.Len() != 5 || !u.Changed() {
		t.Fatalf("update %+v len %d", u, u.Len())
	}
	if r.Len() != 3 || r.Count() != 3 {
		t.Fatal("Next changed the registry")
	}
	if err := r.Apply(u); err != nil {
		t.Fatal(err)
	}
	if err := r.Apply(u); !errors.Is(err, ErrStale) {
		t.Fatalf("second Apply: %v", err)
	}
	if r.Len() != 5 || r.Count() != 3 {
		t.Fatalf("len %d count %d", r.Len(), r.Count())
	}
	for _, tc := range []struct {
		id   string
		slot int32
		ok   bool
	}{{"A", 0, false}, {"B", 1, true}, {"C", 4, true}, {"D", 3, true}} {
		i, ok := r.Lookup(tc.id)
		if ok != tc.ok || (ok && i != tc.slot) {
			t.Errorf("Lookup(%s) = %d %v, want %d %v", tc.id, i, ok, tc.slot, tc.ok)
		}
	}
	if s := r.Sensor(0); s.ID != "A" {
		t.Fatalf("removed slot 0 holds %+v", s)
	}
	if s := r.Sensor(2); s.ID != "C" || s.Unit != "MW" {
		t.Fatalf("replaced slot 2 holds %+v", s)
	}
	if got := r.InArea("420103"); !slices.Equal(got, []int32{1, 4}) {
		t.Fatalf("InArea(420103) = %v", got)
	}
	if all := r.All(); len(all) != 3 || all[0].ID != "B" || all[1].ID != "D" || all[2].ID != "C" {
		t.Fatalf("All = %+v", all)
	}
	// A comes back: it takes its old slot (and so its readings).
	u, err = r.Next([]Sensor{b2, c2, d, a}, o)
	if err != nil || !slices.Equal(u.Added, []string{"A"}) || u.Unchanged != 3 || u.Len() != 5 {
		t.Fatalf("re-adding A: %+v, %v", u, err)
	}
	if err := r.Apply(u); err != nil {
		t.Fatal(err)
	}
	if i, ok := r.Lookup("A"); !ok || i != 0 {
		t.Fatalf("A at %d %v", i, ok)
	}
	// The same list again changes nothing.
	u, err = r.Next(r.All(), o)
	if err != nil || u.Changed() || u.Unchanged != 4 || u.Len() != 5 {
		t.Fatalf("no-op update %+v, %v", u, err)
	}
}

func TestNextRejects(t *testing.T) {
	r, err := New(nil, Options{})
	if err != nil || r.Len() != 0 {
		t.Fatal(err)
	}
	ok := Sensor{ID: "A", Kind: WaterLevel, Unit: "m", Lat: 30.5, Lon: 114.3, Owner: "u.1", Interval: time.Minute}
	bad := ok
	bad.ID, bad.Kind = "B", "weather"
	far := ok
	far.ID, far.Lat = "C", 20
	_, err = r.Next([]Sensor{ok, bad, far, ok}, Options{Locate: fakeLocate})
	for _, want := range []string{`sensor "B": unknown kind "weather"`, `sensor "C": location: point is outside Wuhan`, `sensor "A": duplicate id`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want %q", err, want)
		}
	}
	if r.Len() != 0 {
		t.Fatal("a rejected update changed the registry")
	}
}
