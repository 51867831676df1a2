package main

import (
	"context"
	"fmt"
	"io"

	"yiwang/internal/bench"
)

func benchDispatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench dispatch", "[--points N] [--cases N] [--decisions N] [--pg URL | --no-postgis] [--json]", stderr)
	points := fs.Int("points", 200_000, "random points inside Wuhan looked up per round (fixed seed)")
	pgPoints := fs.Int("postgis-points", 20_000, "how many of those points PostGIS looks up")
	pg := fs.String("pg", bench.DefaultPG, "PostgreSQL server with PostGIS for the ST_Contains baseline")
	noPostGIS := fs.Bool("no-postgis", false, "skip the PostGIS baseline")
	nCases := fs.Int("cases", 1_000_000, "open cases in the deadline scan (figures are scaled to 1,000,000)")
	decisions := fs.Int("decisions", 100_000, "dispatch decisions timed one by one")
	baseline := fs.Int("baseline-decisions", 1_000, "decisions also made by brute force")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *points < 1 || *nCases < 1 || *decisions < 1 || *baseline < 1 || *pgPoints < 1 {
		return fmt.Errorf("%w: counts must be at least 1", errUsage)
	}
	return benchAndPrint(stdout, "", *asJSON, func() (bench.DispatchResult, error) {
		return bench.Dispatch(ctx, bench.DispatchOptions{
			Points: *points, PostGISPoints: *pgPoints, PG: *pg, NoPostGIS: *noPostGIS,
			Cases: *nCases, Decisions: *decisions, BaselineDecisions: *baseline,
		})
	}, func(res bench.DispatchResult) {
		fmt.Fprintf(stdout, "dispatch benchmark (%d grid polygons)\n", res.Grids)
		fmt.Fprintf(stdout, "  grid lookup, one goroutine: %10.0f lookups/s  (%d random points inside Wuhan)\n", res.LookupsPerS, res.Points)
		if res.PostGISSkipped != "" {
			fmt.Fprintf(stdout, "  PostGIS ST_Contains + GiST: skipped (%s)\n", res.PostGISSkipped)
		} else {
			fmt.Fprintf(stdout, "  PostGIS ST_Contains + GiST: %10.0f lookups/s  (%d points, 1000 per query)  speedup %.1fx\n", res.PostGISLookupsPerS, res.PostGISPoints, res.Speedup)
		}
		fmt.Fprintf(stdout, "  deadline scan of 1M cases:  %10.1f ms  (%d cases, %d clocks; %d red, %d yellow)\n", res.Scan1MMs, res.ScanCases, res.ScanClocks, res.Overdue, res.Yellow)
		fmt.Fprintf(stdout, "    same from case values:    %10.1f ms  speedup %.1fx\n", res.ScanBaselineMs, res.ScanSpeedup)
		fmt.Fprintf(stdout, "  decision (locate + rules):  p50 %6.2f µs  p99 %6.2f µs  (%d decisions, %.1f%% manual)\n", res.DecisionP50Us, res.DecisionP99Us, res.Decisions, 100*res.ManualShare)
		fmt.Fprintf(stdout, "    brute force:              p50 %6.0f µs  p99 %6.0f µs  (%d decisions)  p99 speedup %.0fx\n", res.BaselineDecisionP50Us, res.BaselineDecisionP99Us, res.BaselineDecisions, res.DecisionSpeedupP99)
	})
}
