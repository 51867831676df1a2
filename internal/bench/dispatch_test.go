package bench

import (
	"context"
	"strings"
	"testing"

	"yiwang/internal/pgtest"
)

// A small run fills every figure, and its two scans agree (Dispatch fails
// otherwise, as it does when the brute-force decisions differ).
func TestDispatchSmall(t *testing.T) {
	res, err := Dispatch(context.Background(), DispatchOptions{
		Points: 2000, NoPostGIS: true, Cases: 20_000, Decisions: 2000, BaselineDecisions: 100,
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]float64{
		"lookups_per_s": res.LookupsPerS, "scan_1m_ms": res.Scan1MMs, "scan_baseline_1m_ms": res.ScanBaselineMs,
		"decision_p99_us": res.DecisionP99Us, "baseline_decision_p99_us": res.BaselineDecisionP99Us,
	} {
		if !(v > 0) {
			t.Errorf("%s = %v, want > 0", name, v)
		}
	}
	if res.Grids < 10_000 {
		t.Errorf("%d grid polygons, want at least 10,000", res.Grids)
	}
	if res.PostGISSkipped == "" || res.PostGISLookupsPerS != 0 {
		t.Errorf("PostGIS not skipped: %+v", res)
	}
	if res.ScanCases != 20_000 || res.ScanClocks < res.ScanCases || res.Overdue == 0 || res.Yellow == 0 {
		t.Errorf("scan figures %+v", res)
	}
}

// The PostGIS baseline agrees with Locate on the benchmark's points, in a
// fresh database; skipped when PostgreSQL is unreachable unless
// YIWANG_REQUIRE_SERVICES=1.
func TestDispatchPostGIS(t *testing.T) {
	pg := pgtest.Database(t, "yiwang_bench_test")
	res, err := Dispatch(context.Background(), DispatchOptions{
		Points: 2000, PostGISPoints: 1000, PG: pg, Cases: 1000, Decisions: 100, BaselineDecisions: 10,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.PostGISLookupsPerS <= 0 || res.Speedup <= 0 || res.PostGISPoints != 1000 {
		t.Errorf("PostGIS figures %+v", res)
	}
}

// An unreachable server is a clear error naming the way out.
func TestDispatchPostGISUnreachable(t *testing.T) {
	_, err := Dispatch(context.Background(), DispatchOptions{
		Points: 100, PG: "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=2", Cases: 100, Decisions: 10,
	})
	if err == nil {
		t.Fatal("no error for an unreachable PostGIS")
	}
	if want := "--no-postgis"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not mention %s", err, want)
	}
}

// BenchmarkDispatch runs the dispatch benchmark without PostGIS (use
// `yiwang bench dispatch` for that baseline) and reports its figures with
// their same-run baselines.
func BenchmarkDispatch(b *testing.B) {
	var res DispatchResult
	for b.Loop() {
		var err error
		res, err = Dispatch(context.Background(), DispatchOptions{NoPostGIS: true, Points: 100_000, Cases: 200_000, Decisions: 50_000})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(res.LookupsPerS, "lookups/s")
	b.ReportMetric(res.Scan1MMs, "scan_1m_ms")
	b.ReportMetric(res.ScanSpeedup, "x_scan_baseline")
	b.ReportMetric(res.DecisionP99Us, "decision_p99_us")
	b.ReportMetric(res.DecisionSpeedupP99, "x_brute_p99")
}
