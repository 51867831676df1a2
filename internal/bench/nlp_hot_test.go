package bench

import (
	"testing"

	"yiwang/internal/demo"
)

// BenchmarkHot100k clusters 100,000 GENERATED messages, as `yiwang bench
// nlp` does; run with -cpuprofile / -benchmem to see where the time goes.
func BenchmarkHot100k(b *testing.B) {
	msgs, err := demo.Messages()
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		h := benchHot(msgs, 100_000, 1)
		b.ReportMetric(h.cpuS, "cpu-s")
		b.ReportMetric(h.wallS, "wall-s")
		b.ReportMetric(h.allocMB, "alloc-MB")
	}
}
