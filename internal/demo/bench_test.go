package demo

import (
	"testing"
	"time"
)

// BenchmarkHistories builds all demo histories. The baseline, timed in the
// same loop, is parsing the embedded messages alone; "ratio" is build time
// over parse time.
func BenchmarkHistories(b *testing.B) {
	var parse, total time.Duration
	n := 0
	for b.Loop() {
		t0 := time.Now()
		if _, err := Messages(); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		mustHistories(b, SeedOptions{Now: testNow, Locator: fakeLocator{}})
		parse += t1.Sub(t0)
		total += time.Since(t1)
		n++
	}
	b.ReportMetric(float64(parse.Milliseconds())/float64(n), "parse-ms")
	b.ReportMetric(float64(total.Milliseconds())/float64(n), "histories-ms")
	b.ReportMetric(float64(total)/float64(parse), "ratio")
}
