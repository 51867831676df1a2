package main

import (
	"context"
	"fmt"
	"io"

	"yiwang/internal/bench"
)

func benchConsole(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench console", "[--cases N] [--requests R] [--sql-rounds S] [--renders K] [--no-browser] [--json]", stderr)
	n := fs.Int("cases", 1_000_000, "generated cases to load into a fresh SQLite store")
	requests := fs.Int("requests", 200, "GET /api/v1/situation timed per area (city, a district, a street)")
	rounds := fs.Int("sql-rounds", 20, "runs of the whole set of SQL GROUP BY queries")
	renders := fs.Int("renders", 5, "navigations to /screen.html timed in headless Chromium")
	chromium := fs.String("chromium", "/usr/bin/chromium", "Chromium executable")
	noBrowser := fs.Bool("no-browser", false, "skip the first-render measure")
	asJSON := fs.Bool("json", false, "print one JSON object")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *n < 1 || *requests < 1 || *rounds < 1 || *renders < 1 {
		return fmt.Errorf("%w: --cases, --requests, --sql-rounds and --renders must be at least 1", errUsage)
	}
	return benchAndPrint(stdout, *cpuProfile, *asJSON, func() (bench.ConsoleResult, error) {
		return bench.Console(ctx, bench.ConsoleOptions{Cases: *n, Requests: *requests, SQLRounds: *rounds,
			Renders: *renders, Chromium: *chromium, NoBrowser: *noBrowser})
	}, func(res bench.ConsoleResult) {
		fmt.Fprintf(stdout, "situation screen on %d generated cases (%d events), SQLite\n", res.Cases, res.Events)
		fmt.Fprintf(stdout, "  load: %.1f s (import %.1f s), aggregates from the log: %.1f s, file %.0f MB\n",
			res.LoadS, res.ImportS, res.AggregatesLoadS, float64(res.DBBytes)/1e6)
		fmt.Fprintf(stdout, "  node start: %.1f s rebuilding the aggregates, %.1f s from the saved copy (%.1f MB, saved at close in %.1f s)\n",
			res.StartRebuildS, res.StartFromSnapshotS, float64(res.SnapshotBytes)/1e6, res.SnapshotSaveS)
		fmt.Fprintf(stdout, "  the aggregates alone: %.1f s from the saved copy, %.1f s rebuilt from the log\n", res.SituationRestoreS, res.SituationRebuildS)
		fmt.Fprintf(stdout, "  GET /api/v1/situation: p50 %7.2f ms  p99 %7.2f ms  (%d requests; goal p99 < %.0f ms)\n",
			res.AggregatesP50Ms, res.AggregatesP99Ms, res.AggregatesRequests, res.GoalAggregatesP99Ms)
		fmt.Fprintf(stdout, "  SQL GROUP BY set:      p50 %7.2f ms  p99 %7.2f ms  (%d rounds)\n", res.SQLP50Ms, res.SQLP99Ms, res.SQLRounds)
		fmt.Fprintf(stdout, "  ratio SQL/aggregates (p50): %.1f; %d figures equal in both\n", res.Ratio, res.Checked)
		if res.FirstRenderMs != nil {
			fmt.Fprintf(stdout, "  first render: median %.0f ms, cold %.0f ms (goal < %.0f ms)\n", *res.FirstRenderMs, *res.FirstRenderColdMs, res.GoalFirstRenderMs)
		} else {
			fmt.Fprintf(stdout, "  first render: not measured (%s)\n", res.FirstRenderSkipped)
		}
		fmt.Fprintf(stdout, "  goals met: %v\n", res.GoalsMet)
	})
}
