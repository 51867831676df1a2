package situation

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"
)

// BenchmarkStart compares the two ways a node gets its aggregates at
// start, on the same generated log held in memory (so the store's read
// cost is left out of both): rebuilding by folding every event, and
// loading the saved copy (checksum, inflate, decode) — the part of the
// start the saved copy replaces. Run with -benchtime 1x; ReportMetric
// gives the saved copy's size and, on the load, the ratio.
func BenchmarkStart(b *testing.B) {
	end := time.Date(2026, 3, 10, 9, 30, 0, 0, Shanghai)
	log := randomLog(b, rand.New(rand.NewPCG(1, 2)), 20000, end)
	a := New()
	if err := a.Apply(log...); err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := a.Save(&buf); err != nil {
		b.Fatal(err)
	}
	saved := buf.Bytes()
	var rebuild time.Duration
	b.Run("rebuild", func(b *testing.B) {
		start := time.Now()
		for b.Loop() {
			if err := New().Apply(log...); err != nil {
				b.Fatal(err)
			}
		}
		rebuild = time.Since(start) / time.Duration(b.N)
		b.ReportMetric(float64(len(log)), "events")
	})
	b.Run("load-saved", func(b *testing.B) {
		start := time.Now()
		for b.Loop() {
			if _, err := Load(saved); err != nil {
				b.Fatal(err)
			}
		}
		load := time.Since(start) / time.Duration(b.N)
		b.ReportMetric(float64(len(saved)), "saved_bytes")
		if load > 0 && rebuild > 0 {
			b.ReportMetric(float64(rebuild)/float64(load), "rebuild/load")
		}
	})
	b.Run("save", func(b *testing.B) {
		for b.Loop() {
			var w bytes.Buffer
			if _, err := a.Save(&w); err != nil {
				b.Fatal(err)
			}
		}
	})
}
