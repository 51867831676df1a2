package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"yiwang/internal/config"
	"yiwang/internal/demo"
	"yiwang/internal/platform"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return serve(ctx, "serve", args, stdout, stderr, false)
}

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return serve(ctx, "demo", args, stdout, stderr, true)
}

func serve(ctx context.Context, name string, args []string, stdout, stderr io.Writer, seed bool) error {
	fs := newFlagSet(name, "[flags]", stderr)
	var cfg config.Config
	pending := cfg.Register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if _, err := pending.Finish(os.Getenv); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	log := cfg.Logger()
	node, err := platform.Open(ctx, platform.Options{
		DB: cfg.DB, IDPrefix: cfg.IDPrefix, RevealTokens: cfg.RevealTokens, Logger: log, Version: version,
	})
	if err != nil {
		return err
	}
	defer node.Close()
	if seed {
		report, err := demo.Seed(ctx, node.Store, demo.SeedOptions{
			Now: time.Now(), Locator: demo.GeoLocator(node.Geo), Router: demo.DispatchRouter(node.Dispatch), Taxonomy: node.Taxonomy,
		})
		switch {
		case errors.Is(err, demo.ErrNotEmpty):
			log.Info("the store already has cases; starting without loading demo data")
		case err != nil:
			return fmt.Errorf("loading demo data: %w", err)
		default:
			log.Info("demo data loaded", "cases", report.Cases, "overdue", report.Overdue)
		}
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.Addr, err)
	}
	log.Info("yiwang listening", "addr", ln.Addr().String(), "db", redactDSN(cfg.DB), "version", version)
	if seed {
		fmt.Fprintf(stdout, "Yiwang demo is running: open http://localhost:%d (API under /api/v1, OpenAPI at /openapi.json). Ctrl-C stops it.\n", ln.Addr().(*net.TCPAddr).Port)
	}
	return node.Serve(ctx, ln)
}
