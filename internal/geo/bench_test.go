package geo

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// BenchmarkLocate looks up random points of Wuhan's bounding box (fixed seed; about 41%
// fall inside the city) and, in the same run, three baselines: the R-tree path alone
// (the index without its cell table, as before the table existed), brute force (every
// grid in code order with planar.MultiPolygonContains, which recomputes ring bounds each
// call) and a linear scan that first tests each grid's precomputed bound. Run with
// -cpu 1 for the one-core figure.
func BenchmarkLocate(b *testing.B) {
	x := testIndex(b)
	benchLocate(b, x, randomPoints(1<<14, wuhanBBox, 42))
}

// BenchmarkLocateInside is BenchmarkLocate over random points inside the city only (the
// mix `yiwang bench dispatch` measures), against the R-tree path alone.
func BenchmarkLocateInside(b *testing.B) {
	x := testIndex(b)
	benchLocate(b, x, pointsInside(x, 1<<14, 44))
}

func benchLocate(b *testing.B, x *Index, pts []orb.Point) {
	b.Helper()
	tree := treeOnly(x)
	lookup := func(x *Index) func(orb.Point) {
		return func(p orb.Point) { _, _ = x.Locate(p[1], p[0]) }
	}
	rt := measure(pts, lookup(tree), 16)
	base := measure(pts[:512], func(p orb.Point) { bruteLocate(x, p) }, 1)
	scan := measure(pts[:4096], func(p orb.Point) { scanLocate(x, p) }, 1)

	n, found := 0, 0
	for b.Loop() {
		p := pts[n&(len(pts)-1)]
		if _, err := x.Locate(p[1], p[0]); err == nil {
			found++
		}
		n++
	}
	lps := float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(lps, "lookups/s")
	b.ReportMetric(rt, "rtree_lookups/s")
	b.ReportMetric(lps/rt, "x_rtree")
	b.ReportMetric(base, "brute_lookups/s")
	b.ReportMetric(lps/base, "x_brute")
	b.ReportMetric(scan, "scan_lookups/s")
	b.ReportMetric(lps/scan, "x_scan")
	b.ReportMetric(float64(x.cells.bytes()), "table_bytes")
	if found == 0 {
		b.Fatal("no point found")
	}
}

// BenchmarkLocateVsPostGIS compares Locate with PostGIS ST_Contains over the same grid
// polygons (GiST index) for 20,000 random points inside Wuhan. The DSN comes from
// YIWANG_TEST_PG; the benchmark skips when PostgreSQL is unreachable unless
// YIWANG_REQUIRE_SERVICES=1.
func BenchmarkLocateVsPostGIS(b *testing.B) {
	x := testIndex(b)
	dsn := testDSN(b)
	pts := pointsInside(x, 20_000, 43)
	pg, err := PostGISBaseline(context.Background(), dsn, x, pts)
	if err != nil {
		b.Fatalf("PostGIS baseline: %v", err)
	}
	n := 0
	for b.Loop() {
		p := pts[n%len(pts)]
		if _, err := x.Locate(p[1], p[0]); err != nil {
			b.Fatal(err)
		}
		n++
	}
	lps := float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(lps, "lookups/s")
	b.ReportMetric(pg, "postgis_lookups/s")
	b.ReportMetric(lps/pg, "x_postgis")
}

// scanLocate is the stronger linear baseline: bound test, then planar containment.
func scanLocate(x *Index, p orb.Point) (Chain, bool) {
	for n, k := range x.byLevel[LevelGrid] {
		a := &x.areas[k]
		if a.Bound.Contains(p) && planar.MultiPolygonContains(a.Geometry, p) {
			return x.grids[n].chain, true
		}
	}
	return Chain{}, false
}

// measure returns the lookups per second of f over pts, repeated rounds times.
func measure(pts []orb.Point, f func(orb.Point), rounds int) float64 {
	t0 := time.Now()
	for range rounds {
		for _, p := range pts {
			f(p)
		}
	}
	return float64(rounds*len(pts)) / time.Since(t0).Seconds()
}

// pointsInside returns n random points that Locate finds (fixed seed).
func pointsInside(x *Index, n int, seed uint64) []orb.Point {
	var out []orb.Point
	for len(out) < n {
		for _, p := range randomPoints(n, wuhanBBox, seed) {
			if _, err := x.Locate(p[1], p[0]); err == nil && len(out) < n {
				out = append(out, p)
			}
		}
		seed++
	}
	return out
}

// testDSN returns the PostgreSQL DSN, skipping (or failing when services are required)
// if the server cannot be reached.
func testDSN(tb testing.TB) string {
	tb.Helper()
	dsn := os.Getenv("YIWANG_TEST_PG")
	if dsn == "" {
		dsn = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err == nil {
		err = conn.Ping(ctx)
		conn.Close(ctx)
	}
	if err != nil {
		if os.Getenv("YIWANG_REQUIRE_SERVICES") == "1" {
			tb.Fatalf("PostgreSQL at %s unreachable and YIWANG_REQUIRE_SERVICES=1: %v", dsn, err)
		}
		tb.Skipf("PostgreSQL at %s unreachable (set YIWANG_TEST_PG): %v", dsn, err)
	}
	return dsn
}
