package classify

import (
	"strings"
	"testing"

	"yiwang/internal/demo"
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

// BenchmarkPredictDense measures Predict with the dense projection
// (Options.Dense 100, fitted on the labelled messages' text and the
// embedded unlabelled messages) and, as its baseline in the same run, the
// same model without it; it reports the ratio. Typical messages: the
// labelled ones in turn.
func BenchmarkPredictDense(b *testing.B) {
	ex := labeled(b)
	msgs, err := demo.Messages()
	if err != nil {
		b.Fatal(err)
	}
	var un []Example
	for _, m := range msgs {
		if m.Set != demo.SetLabeled {
			un = append(un, Example{Title: m.Title, Body: m.Body})
		}
	}
	plain, err := Train(ex, Options{CalibrationFolds: 1})
	if err != nil {
		b.Fatal(err)
	}
	dense, err := Train(ex, Options{CalibrationFolds: 1, Dense: 100, DenseScale: 0.25, DenseText: un})
	if err != nil {
		b.Fatal(err)
	}
	ns := map[string]float64{}
	for _, c := range []struct {
		name string
		m    *Model
	}{{"plain", plain}, {"dense", dense}} {
		b.Run(c.name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				e := ex[i%len(ex)]
				c.m.Predict(e.Title, e.Body, 3)
				i++
			}
			ns[c.name] = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		})
	}
	if ns["plain"] > 0 {
		b.ReportMetric(ns["dense"]/ns["plain"], "dense/plain")
	}
}
