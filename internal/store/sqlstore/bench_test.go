package sqlstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
	"yiwang/internal/store/sqlstore"
)

// benchClients is how many goroutines create concurrently (per GOMAXPROCS).
const benchClients = 32

// BenchmarkCreateParallel measures durable creates per second from many
// concurrent callers, on SQLite and (when reachable) PostgreSQL: first the
// unbatched baseline (MaxBatch 1: one transaction and one fsync per create),
// then group commit; the batched run reports its speed-up over the baseline.
//
//	go test -run '^$' -bench CreateParallel -benchtime 5000x ./internal/store/sqlstore/
func BenchmarkCreateParallel(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		benchCreateBoth(b, func(b *testing.B) string {
			return "sqlite:" + filepath.Join(b.TempDir(), "bench.sqlite")
		})
	})
	b.Run("postgres", func(b *testing.B) {
		dsn := pgDatabase(b)
		n := 0
		benchCreateBoth(b, func(b *testing.B) string {
			n++
			return withSchema(b, dsn, fmt.Sprint("b", n))
		})
	})
}

func benchCreateBoth(b *testing.B, dsn func(*testing.B) string) {
	var baseline float64
	b.Run("unbatched", func(b *testing.B) {
		baseline = benchCreate(b, dsn(b), 1)
	})
	b.Run("batched", func(b *testing.B) {
		rate := benchCreate(b, dsn(b), 0)
		if baseline > 0 {
			b.ReportMetric(rate/baseline, "x-vs-unbatched")
		}
	})
}

// benchCreate runs b.N creates from benchClients*GOMAXPROCS goroutines and
// reports creates/s and the 99th percentile latency.
func benchCreate(b *testing.B, dsn string, maxBatch int) float64 {
	s, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{MaxBatch: maxBatch})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	var mu sync.Mutex
	var lat []time.Duration
	var seq atomic.Int64
	b.SetParallelism(benchClients)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			i := seq.Add(1)
			n := cases.NewCase{Channel: cases.ChannelHotline, Title: fmt.Sprint("压测 ", i), Description: "路灯不亮，井盖缺失。",
				Category: "0103", Location: cases.Location{District: "420103", Street: "420103002"}}
			t := time.Now()
			if _, _, err := s.Create(context.Background(), store.CreateRequest{Case: n, Actor: "bench",
				IdempotencyKey: fmt.Sprint("bench-", i), RequestHash: "h"}); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(t))
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	rate := float64(b.N) / elapsed.Seconds()
	b.ReportMetric(rate, "creates/s")
	if len(lat) > 0 {
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
	return rate
}
