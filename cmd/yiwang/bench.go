package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime/pprof"

	"yiwang/internal/bench"
)

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(stderr, "Usage: yiwang bench <benchmark> [flags]\n\nBenchmarks:\n  intake   create cases through the HTTP API and, in the same run, through the raw store\n  dispatch grid lookups vs PostGIS, a 1M-case deadline scan, dispatch decision latency\n  open311  Open311 POST requests.json vs the platform's JSON create, same clients, fresh stores\n  nlp      message classifier vs a jieba + linear SVM baseline on the same folds, duplicates, hot issues\n  console  situation screen: aggregates API vs SQL GROUP BY on the same generated cases, first render in Chromium\n  ingest   sensor readings over HTTP line protocol and MQTT, alarm latency, bytes/reading, PostgreSQL COPY baseline")
		if len(args) == 0 {
			return fmt.Errorf("%w: bench needs a benchmark name", errUsage)
		}
		return nil
	}
	switch args[0] {
	case "intake":
		return benchIntake(ctx, args[1:], stdout, stderr)
	case "dispatch":
		return benchDispatch(ctx, args[1:], stdout, stderr)
	case "open311":
		return benchOpen311(ctx, args[1:], stdout, stderr)
	case "nlp":
		return benchNLP(ctx, args[1:], stdout, stderr)
	case "ingest":
		return benchIngest(ctx, args[1:], stdout, stderr)
	case "console":
		return benchConsole(ctx, args[1:], stdout, stderr)
	}
	return fmt.Errorf("%w: unknown benchmark %q (known: intake, dispatch, open311, nlp, console, ingest)", errUsage, args[0])
}

func benchIntake(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench intake", "[-n N] [-c C] [--db sqlite|postgres://URL] [--json]", stderr)
	n := fs.Int("n", 20000, "cases to create through each path")
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
	return benchAndPrint(stdout, *cpuProfile, *asJSON, func() (bench.IntakeResult, error) {
		return bench.Intake(ctx, bench.IntakeOptions{N: *n, C: *c, DB: *db})
	}, func(res bench.IntakeResult) {
		fmt.Fprintf(stdout, "intake on %s, n=%d, c=%d\n", res.Store, res.N, res.C)
		fmt.Fprintf(stdout, "  API (POST /api/v1/cases): %8.0f cases/s  p50 %6.2f ms  p99 %6.2f ms\n", res.CasesPerS, res.P50Ms, res.P99Ms)
		fmt.Fprintf(stdout, "  same path from Go (raw):  %8.0f cases/s  p50 %6.2f ms  p99 %6.2f ms\n", res.RawPerS, res.RawP50Ms, res.RawP99Ms)
		fmt.Fprintf(stdout, "  ratio raw/API: %.2f\n", res.Ratio)
		fmt.Fprintf(stdout, "  store.Create alone:       %8.0f cases/s                p99 %6.2f ms\n", res.StorePerS, res.StoreP99Ms)
	})
}

// benchAndPrint runs a benchmark, under a CPU profile when cpuProfile names a
// file, and prints its result as one JSON object or, by text, for people.
func benchAndPrint[R any](stdout io.Writer, cpuProfile string, asJSON bool, run func() (R, error), text func(R)) error {
	if cpuProfile != "" {
		stop, err := startCPUProfile(cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
	}
	res, err := run()
	if err != nil {
		return err
	}
	if asJSON {
		return json.NewEncoder(stdout).Encode(res)
	}
	text(res)
	return nil
}

// startCPUProfile profiles the process into path until the returned
// function is called.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("creating CPU profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("starting CPU profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
