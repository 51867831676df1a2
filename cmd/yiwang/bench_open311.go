package main

import (
	"context"
	"fmt"
	"io"

	"yiwang/internal/bench"
)

func benchOpen311(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench open311", "[-n N] [-c C] [--db sqlite|postgres://URL] [--json]", stderr)
	n := fs.Int("n", 10000, "requests to create through each path (Open311, then the JSON API)")
	c := fs.Int("c", 32, "concurrent clients")
	db := fs.String("db", "sqlite", `store: "sqlite" (fresh file in a temporary directory) or a postgres:// URL (a fresh database is created beside it)`)
	asJSON := fs.Bool("json", false, "print one JSON object")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *n < 1 || *c < 1 {
		return fmt.Errorf("%w: -n and -c must be at least 1", errUsage)
	}
	return benchAndPrint(stdout, *cpuProfile, *asJSON, func() (bench.Open311Result, error) {
		return bench.Open311(ctx, bench.Open311Options{N: *n, C: *c, DB: *db})
	}, func(res bench.Open311Result) {
		fmt.Fprintf(stdout, "open311 intake on %s, n=%d, c=%d (rate limits off)\n", res.Store, res.N, res.C)
		fmt.Fprintf(stdout, "  Open311 (POST /open311/v2/requests.json): %8.0f requests/s  p50 %6.2f ms  p99 %6.2f ms\n", res.Open311PerS, res.Open311P50Ms, res.Open311P99Ms)
		fmt.Fprintf(stdout, "  JSON    (POST /api/v1/cases):             %8.0f cases/s     p50 %6.2f ms  p99 %6.2f ms\n", res.JSONPerS, res.JSONP50Ms, res.JSONP99Ms)
		fmt.Fprintf(stdout, "  ratio JSON/Open311: %.2f\n", res.Ratio)
	})
}
