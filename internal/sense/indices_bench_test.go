package sense

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"yiwang/internal/geo"
	"yiwang/internal/sense/registry"
)

// BenchmarkComputeIndices computes the two demo-like indices at street
// level over 10,000 reporting sensors in 13 districts × 15 streets, against
// reading the latest values of every street (LatestInArea, what the
// hard-coded gauge did per district) as the baseline.
func BenchmarkComputeIndices(b *testing.B) {
	const n, districts, streets = 10000, 13, 15
	kinds := []struct {
		k    registry.Kind
		unit string
	}{{registry.WaterLevel, "m"}, {registry.Rainfall, "mm/h"}, {registry.TrafficSpeed, "km/h"}, {registry.TrafficFlow, "veh/h"}}
	ss := make([]registry.Sensor, n)
	for i := range ss {
		k := kinds[i%len(kinds)]
		// The street is encoded in the latitude for Locate.
		ss[i] = registry.Sensor{ID: fmt.Sprintf("S%05d", i), Kind: k.k, Unit: k.unit, Lat: 10 + float64(i%(districts*streets))/10, Lon: 114.3, Owner: "u", Interval: time.Minute}
	}
	reg, err := registry.New(ss, registry.Options{Locate: func(lat, lon float64) (geo.Chain, error) {
		s := int(math.Round((lat - 10) * 10))
		d := fmt.Sprintf("4201%02d", s/streets+2)
		st := fmt.Sprintf("%s%03d", d, s%streets+1)
		return geo.Chain{District: geo.AreaRef{Code: d}, Street: geo.AreaRef{Code: st}, Community: geo.AreaRef{Code: st + "001"}, Grid: geo.AreaRef{Code: st + "001001"}}, nil
	}})
	if err != nil {
		b.Fatal(err)
	}
	doc := strings.ReplaceAll(testIndices, "level: district", "level: street")
	p, err := New(Options{Registry: reg, Cases: noCases{}, Now: func() time.Time { return t0 }, Indices: []byte(doc), TickEvery: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	for i := range int32(n) {
		if err := p.DB.Append(i, t0.UnixNano(), float64(i%50)); err != nil {
			b.Fatal(err)
		}
	}
	var areas []string
	for _, a := range p.levelAreas(LevelStreet, map[string][]IndexArea{}) {
		areas = append(areas, a.Code)
	}
	if len(areas) != districts*streets {
		b.Fatalf("%d streets", len(areas))
	}
	rounds := 0
	began := time.Now()
	for b.Loop() {
		s := p.ComputeIndices(t0)
		if v := s.Indices[0].Values[0].Value; v == nil {
			b.Fatal("no value")
		}
		rounds++
	}
	ours := time.Since(began)
	began = time.Now()
	got := 0
	for range rounds {
		for _, a := range areas {
			got += len(p.LatestInArea(a))
		}
	}
	base := time.Since(began)
	if got != rounds*n {
		b.Fatalf("baseline read %d readings, want %d", got, rounds*n)
	}
	b.ReportMetric(float64(ours.Microseconds())/float64(rounds), "µs/computation")
	b.ReportMetric(float64(base.Microseconds())/float64(rounds), "baseline_µs/round")
	b.ReportMetric(float64(ours)/float64(base), "ratio")
}
