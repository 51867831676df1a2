package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"yiwang/internal/auth"
	"yiwang/internal/config"
	"yiwang/internal/platform"
)

// TestSimSensors plays the demo scenario for a moment into a node wired
// as `yiwang demo` wires it, served on loopback: readings arrive, alarms
// are raised, and /metrics shows them.
func TestSimSensors(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	node, err := platform.Open(ctx, platform.Options{DB: "sqlite:" + filepath.Join(t.TempDir(), "sim.db"), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	defer node.Close()
	job, broker, err := startSense(node, &config.Config{}, true, log)
	if err != nil {
		t.Fatal(err)
	}
	if broker == nil {
		t.Fatal("demo started no embedded MQTT broker")
	}
	defer broker.Close()
	done := make(chan error, 1)
	go func() { done <- job(ctx) }()
	base, stop, err := node.ServeLocal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	o := simOptions{URL: base, Duration: 1500 * time.Millisecond, Rate: 2000, Seed: 1}
	if err := o.check(); err != nil {
		t.Fatal(err)
	}
	// Without a token the platform refuses the readings.
	if _, err := simSensors(ctx, o, &http.Client{Timeout: 10 * time.Second}); err == nil || !strings.Contains(err.Error(), "--token") {
		t.Fatalf("without a token: err = %v, want one naming --token", err)
	}
	if o.Token, err = node.MachineToken(ctx, "sim", auth.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	res, err := simSensors(ctx, o, &http.Client{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if res.Sent < 200 || res.Requests < 2 || res.AlarmsRaised < 1 {
		t.Fatalf("sim result %+v", res)
	}
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	resp.Body.Close()
	if !strings.Contains(b.String(), "yiwang_vital_index_computed_timestamp_seconds ") || strings.Contains(b.String(), "yiwang_sense_readings_accepted_total 0\n") {
		t.Fatalf("metrics:\n%s", b.String())
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestSimOptionsCheck(t *testing.T) {
	for _, c := range []struct {
		o  simOptions
		ok bool
	}{
		{simOptions{URL: "http://127.0.0.1:8080", Duration: time.Minute, Rate: 10}, true},
		{simOptions{URL: "http://localhost:8080", Duration: time.Minute, Rate: 10}, true},
		{simOptions{URL: "http://[::1]:8080", Duration: time.Minute, Rate: 10}, true},
		{simOptions{URL: "http://example.com", Duration: time.Minute, Rate: 10}, false},
		{simOptions{URL: "http://example.com", Duration: time.Minute, Rate: 10, AllowRemote: true}, true},
		{simOptions{URL: "ftp://127.0.0.1", Duration: time.Minute, Rate: 10}, false},
		{simOptions{URL: "http://127.0.0.1", Duration: 2 * time.Hour, Rate: 10}, false},
		{simOptions{URL: "http://127.0.0.1", Duration: time.Minute, Rate: 0}, false},
		{simOptions{URL: "http://127.0.0.1", Duration: time.Minute, Rate: 200_000}, false},
	} {
		if err := c.o.check(); (err == nil) != c.ok {
			t.Errorf("%+v: %v", c.o, err)
		}
	}
}
