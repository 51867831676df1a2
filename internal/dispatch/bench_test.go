package dispatch

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// BenchmarkDecide measures Decide over the demo rules plus 5,000 generated
// ones, timing every call, against the baseline in the same run: a naive
// linear scan over all rules (linearDecide). Reported: ns/op and p50/p99 of
// the engine (per-call timings, which include one clock read, ~20-40 ns),
// the same for the linear scan, and the speed-up of the mean.
func BenchmarkDecide(b *testing.B) {
	e, rules := bigEngine(b, 5000)
	lin := newLinear(rules)
	rng := rand.New(rand.NewPCG(21, 22))
	queries := make([]Query, 4096)
	for i := range queries {
		queries[i] = randomQuery(rng)
	}
	engine := make([]time.Duration, b.N)
	linear := make([]time.Duration, b.N)
	var sink int
	b.ResetTimer()
	// Two phases, so that the scan does not evict the engine's index from
	// the caches between calls.
	for i := range b.N {
		q := queries[i%len(queries)]
		t0 := time.Now()
		d := e.Decide(q)
		engine[i] = time.Since(t0)
		sink += len(d.Lead)
	}
	for i := range b.N {
		q := queries[i%len(queries)]
		t0 := time.Now()
		w := linearDecide(lin, q)
		linear[i] = time.Since(t0)
		sink += w
	}
	b.StopTimer()
	if sink == 0 {
		b.Log("no decisions") // keeps sink alive
	}
	em, lm := mean(engine), mean(linear)
	b.ReportMetric(em, "ns/op")
	b.ReportMetric(percentile(engine, 50), "p50-ns")
	b.ReportMetric(percentile(engine, 99), "p99-ns")
	b.ReportMetric(lm, "linear-ns/op")
	b.ReportMetric(percentile(linear, 99), "linear-p99-ns")
	b.ReportMetric(lm/em, "speedup")
	b.ReportMetric(float64(len(rules)), "rules")
}

// BenchmarkDecideExplained measures DecideExplained on the same rules and
// reports its cost relative to Decide (the baseline, timed in the same run).
func BenchmarkDecideExplained(b *testing.B) {
	e, _ := bigEngine(b, 5000)
	rng := rand.New(rand.NewPCG(21, 22))
	queries := make([]Query, 1024)
	for i := range queries {
		queries[i] = randomQuery(rng)
	}
	explained := make([]time.Duration, b.N)
	plain := make([]time.Duration, b.N)
	b.ResetTimer()
	for i := range b.N {
		q := queries[i%len(queries)]
		t0 := time.Now()
		e.DecideExplained(q)
		explained[i] = time.Since(t0)
	}
	for i := range b.N {
		q := queries[i%len(queries)]
		t0 := time.Now()
		e.Decide(q)
		plain[i] = time.Since(t0)
	}
	b.StopTimer()
	xm, pm := mean(explained), mean(plain)
	b.ReportMetric(xm, "ns/op")
	b.ReportMetric(percentile(explained, 99), "p99-ns")
	b.ReportMetric(pm, "decide-ns/op")
	b.ReportMetric(xm/pm, "cost-vs-decide")
}

func mean(ds []time.Duration) float64 {
	if len(ds) == 0 {
		return 0
	}
	var s time.Duration
	for _, d := range ds {
		s += d
	}
	return float64(s) / float64(len(ds))
}

func percentile(ds []time.Duration, p int) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return float64(s[(len(s)-1)*p/100])
}
