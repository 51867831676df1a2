package classify

import (
	"strings"
	"testing"
)

// BenchmarkPredict measures Predict on a long (1,500-character) message
// and, as its baseline in the same run, a short one; it reports the ratio.
func BenchmarkPredict(b *testing.B) {
	ex := labeled(b)
	m, err := Train(ex, Options{CalibrationFolds: 1})
	if err != nil {
		b.Fatal(err)
	}
	long := strings.Repeat(ex[0].Body+ex[1].Body, 10)
	long = string([]rune(long)[:1500])
	short := ex[0].Title
	var longNs, shortNs float64
	b.Run("long", func(b *testing.B) {
		for b.Loop() {
			m.Predict(ex[0].Title, long, 3)
		}
		longNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	b.Run("short", func(b *testing.B) {
		for b.Loop() {
			m.Predict(short, "", 3)
		}
		shortNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	})
	if shortNs > 0 {
		b.ReportMetric(longNs/shortNs, "long/short")
	}
}
