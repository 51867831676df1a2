package hier

import (
	"testing"
	"time"
)

// BenchmarkPredict times a hierarchical prediction of the top 3 (each
// carried down; what workflow.HierSuggester asks) against its baseline in
// the same run, the level-1 model's top 3 alone, on GENERATED messages,
// and reports the ratio.
func BenchmarkPredict(b *testing.B) {
	ex := generate(b, spec, 1)
	root, err := trainRoot(Level1(ex))
	if err != nil {
		b.Fatal(err)
	}
	m, _, err := Build(root, ex, Options{})
	if err != nil {
		b.Fatal(err)
	}
	var base, deep time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		e := ex[i%len(ex)]
		t0 := time.Now()
		root.Predict(e.Title, e.Body, 3)
		t1 := time.Now()
		m.Predict(e.Title, e.Body, 3, 0)
		base += t1.Sub(t0)
		deep += time.Since(t1)
	}
	b.ReportMetric(float64(base.Nanoseconds())/float64(b.N), "level1-ns/msg")
	b.ReportMetric(float64(deep.Nanoseconds())/float64(b.N), "hier-ns/msg")
	b.ReportMetric(float64(deep)/float64(base), "hier/level1")
}
