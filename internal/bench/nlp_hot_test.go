package bench

import (
	"testing"

	"yiwang/internal/demo"
	"yiwang/internal/nlp/hot"
)

// BenchmarkHot100k clusters 100,000 GENERATED messages, as `yiwang bench
// nlp` does, naming issues by whole words and places; its baseline, in the
// same run on the same data, names them by character grams (GramNames, the
// naming before). Run with -cpuprofile / -benchmem to see where the time
// goes.
func BenchmarkHot100k(b *testing.B) {
	msgs, err := demo.Messages()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		base := benchHotWith(msgs, 100_000, 1, hot.Options{GramNames: true})
		h := benchHot(msgs, 100_000, 1)
		b.ReportMetric(h.cpuS, "cpu-s")
		b.ReportMetric(h.wallS, "wall-s")
		b.ReportMetric(h.allocMB, "alloc-MB")
		b.ReportMetric(base.cpuS, "base-cpu-s")
		b.ReportMetric(base.wallS, "base-wall-s")
		b.ReportMetric(h.cpuS/base.cpuS, "cpu-ratio")
	}
}
