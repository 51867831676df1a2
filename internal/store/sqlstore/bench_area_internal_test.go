package sqlstore

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// BenchmarkCreateAreas measures the process CPU time per durable create
// on SQLite for cases spread over many grids (as geography fills them in
// behind the API), with one area index (migration 3) against the baseline
// of the four district/street/community/grid indexes it replaced, rebuilt
// in the same run. CPU time rather than wall time, because on a shared
// two-core machine the writer's CPU is what limits intake.
//
//	go test -run '^$' -bench CreateAreas -benchtime 20000x ./internal/store/sqlstore/
func BenchmarkCreateAreas(b *testing.B) {
	var baseline float64
	b.Run("four-area-indexes", func(b *testing.B) {
		baseline = benchCreateAreas(b, `DROP INDEX cases_area; CREATE INDEX cases_district ON cases(district, n); CREATE INDEX cases_street ON cases(street, n);
			CREATE INDEX cases_community ON cases(community, n); CREATE INDEX cases_grid ON cases(grid, n)`)
	})
	b.Run("one-area-index", func(b *testing.B) {
		cpu := benchCreateAreas(b, "")
		if cpu > 0 {
			b.ReportMetric(baseline/cpu, "x-less-cpu-than-four")
		}
	})
}

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchCreateAreas runs b.N creates from 32 goroutines after running ddl on
// a fresh store and returns the CPU µs per create.
func benchCreateAreas(b *testing.B, ddl string) float64 {
	s, err := Open(context.Background(), "sqlite:"+filepath.Join(b.TempDir(), "areas.sqlite"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if ddl != "" {
		if _, err := s.wdb.Exec(ddl); err != nil {
			b.Fatal(err)
		}
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	cpu0 := processCPU()
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1))
				if i > b.N {
					return
				}
				d := fmt.Sprintf("4201%02d", i%13)
				st := fmt.Sprintf("%s%03d", d, (i*7)%20)
				cm := fmt.Sprintf("%s%03d", st, (i*13)%30)
				n := cases.NewCase{Channel: cases.ChannelHotline, Title: fmt.Sprint("压测 ", i), Description: "路灯不亮，井盖缺失。（基准测试生成）",
					Category: fmt.Sprintf("%02d%02d", i%17, i%5), Severity: cases.SeverityNormal,
					Location: cases.Location{District: d, Street: st, Community: cm, Grid: fmt.Sprintf("%s%03d", cm, (i*31)%15)}}
				if _, _, err := s.Create(context.Background(), store.CreateRequest{Case: n, Actor: "bench",
					IdempotencyKey: fmt.Sprint("k-", i), RequestHash: "h"}); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	cpu := float64((processCPU() - cpu0).Microseconds()) / float64(b.N)
	b.StopTimer()
	b.ReportMetric(cpu, "cpu-µs/create")
	return cpu
}
