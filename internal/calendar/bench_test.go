package calendar

import (
	"testing"
	"time"
)

// BenchmarkAdd measures a deadline that crosses the National Day 2025 break
// (5 working days from the last afternoon before it) against the naive
// minute-stepping oracle, reporting the oracle's cost and the speed-up.
func BenchmarkAdd(b *testing.B) {
	c := mustCal(b, office)
	o := newOracle(b, officeSpans, false)
	start := at(b, "2025-09-30 16:00")
	d := 5 * c.DayLength()
	want := o.add(start, d)
	naive := measure(func() { o.add(start, d) })
	var got time.Time
	for b.Loop() {
		got = c.Add(start, d)
	}
	if !got.Equal(want) {
		b.Fatalf("Add = %s, oracle %s", got, want)
	}
	fast := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(naive, "naive-ns/op")
	b.ReportMetric(naive/fast, "speedup")
}

// BenchmarkBetween measures working time across the Spring Festival 2026
// break against the oracle.
func BenchmarkBetween(b *testing.B) {
	c := mustCal(b, office)
	o := newOracle(b, officeSpans, false)
	x, y := at(b, "2026-02-10 10:00"), at(b, "2026-03-03 10:00")
	want := o.between(x, y)
	naive := measure(func() { o.between(x, y) })
	var got time.Duration
	for b.Loop() {
		got = c.Between(x, y)
	}
	if got != want {
		b.Fatalf("Between = %v, oracle %v", got, want)
	}
	fast := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(naive, "naive-ns/op")
	b.ReportMetric(naive/fast, "speedup")
}

// measure returns the mean ns of f over a few runs (for the slow baseline).
func measure(f func()) float64 {
	const runs = 20
	t0 := time.Now()
	for range runs {
		f()
	}
	return float64(time.Since(t0).Nanoseconds()) / runs
}
