package main

import (
	"context"
	"fmt"
	"io"

	"yiwang/internal/bench"
	"yiwang/internal/pgtest"
)

func benchIngest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench ingest", "[--sensors N] [--rounds R] [--batch B] [-c C] [--mqtt ADDR] [--pg URL] [--in-memory] [--json]", stderr)
	sensors := fs.Int("sensors", 10000, "load sensors, one active rule each")
	probes := fs.Int("probes", 200, "extra sensors that each raise one alarm during the run (alarm latency)")
	rounds := fs.Int("rounds", 200, "readings per load sensor (total = sensors × rounds)")
	batch := fs.Int("batch", 5000, "lines per HTTP request")
	c := fs.Int("c", 2, "concurrent HTTP clients")
	broker := fs.String("mqtt", "127.0.0.1:1883", `MQTT broker for the MQTT figure ("" skips it)`)
	mqttN := fs.Int("mqtt-n", 20000, "readings published through MQTT")
	pg := fs.String("pg", pgtest.Server(), `PostgreSQL server for the COPY baseline ("" skips it)`)
	asJSON := fs.Bool("json", false, "print one JSON object")
	inMemory := fs.Bool("in-memory", false, "keep the HTTP run's readings and alarms in memory only (no data directory)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *sensors < 1 || *rounds < 1 || *batch < 1 || *c < 1 || *probes < 0 {
		return fmt.Errorf("%w: --sensors, --rounds, --batch and -c must be at least 1", errUsage)
	}
	return benchAndPrint(stdout, *cpuProfile, *asJSON, func() (bench.IngestResult, error) {
		return bench.Ingest(ctx, bench.IngestOptions{Sensors: *sensors, Probes: *probes, Rounds: *rounds, Batch: *batch, C: *c,
			MQTT: *broker, MQTTN: *mqttN, Postgres: *pg, InMemory: *inMemory})
	}, func(res bench.IngestResult) {
		fmt.Fprintf(stdout, "sensor ingest: %d sensors, %d active rules (%s)\n", res.Sensors, res.Rules, res.Note)
		fmt.Fprintf(stdout, "  HTTP line protocol:  %10.0f readings/s  (%d readings, %d requests throttled with 429)\n", res.ReadingsPerS, res.Readings, res.Throttled)
		fmt.Fprintf(stdout, "  MQTT (QoS 1):        %10.0f readings/s  (%d readings) %s\n", res.MQTTReadingsPerS, res.MQTTReadings, res.MQTTNote)
		fmt.Fprintf(stdout, "  PostgreSQL COPY:     %10.0f readings/s  %s\n", res.PostgresReadingsPerS, res.PostgresNote)
		fmt.Fprintf(stdout, "  alarm → case:        p50 %.2f ms  p99 %.2f ms  (%d alarms)\n", res.AlarmP50Ms, res.AlarmP99Ms, res.Alarms)
		fmt.Fprintf(stdout, "  HTTP CPU:            %10.0f ns/reading  (in-process baseline %.0f ns/reading, %.0f readings/s; HTTP/in-process %.2f)\n",
			res.CPUNsPerReading, res.InprocCPUNsPerReading, res.InprocReadingsPerS, res.HTTPvsInproc)
		fmt.Fprintf(stdout, "  stored:              %.3f bytes/reading in memory, %.3f on disk (checkpoint %.0f ms)\n",
			res.BytesPerReading, res.PersistedBytesPerReading, res.CheckpointMs)
	})
}
