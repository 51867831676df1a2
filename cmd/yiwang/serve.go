package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"text/tabwriter"
	"time"
	"yiwang/internal/cases"

	"yiwang/internal/attach"
	"yiwang/internal/auth"
	"yiwang/internal/config"
	"yiwang/internal/demo"
	"yiwang/internal/notify"
	"yiwang/internal/open311"
	"yiwang/internal/platform"
	"yiwang/internal/ratelimit"
	"yiwang/internal/sense"
	sensedemo "yiwang/internal/sense/demo"
	"yiwang/internal/sense/mqttin"
	"yiwang/internal/sense/registry"
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
	intake := 0
	if seed {
		fs.IntVar(&intake, "demo-intake", demo.DefaultIntakeCount,
			"once start-up training has ended, take this many real demo messages in as new web cases, classified and dispatched or queued like any (once per database; 0 turns it off)")
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if _, err := pending.Finish(os.Getenv); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	log := cfg.Logger()
	s3, attachmentsDir := s3Config(&cfg), cfg.Attachments
	if s3 != nil {
		attachmentsDir = "" // the bucket replaces the directory
	}
	node, err := platform.Open(ctx, platform.Options{
		DB: cfg.DB, IDPrefix: cfg.IDPrefix, RevealTokens: cfg.RevealTokens, Logger: log, Version: version,
		Classifier: cfg.Classifier, ModelFile: cfg.Model, RetrainEvery: cfg.RetrainEvery, NodeName: cfg.Node,
		AttachmentsDir: attachmentsDir, LookupSecret: []byte(cfg.LookupSecret), S3: s3,
		Open311:   open311.Config{JurisdictionID: cfg.Open311Jurisdiction, APIKeys: cfg.Open311Keys, PublicChannels: channels(cfg.Open311Public)},
		RateLimit: ratelimit.Config{Rate: cfg.Rate, Burst: cfg.Burst},
		DemoUsers: seed,
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
	runSense, broker, err := startSense(node, &cfg, seed, log)
	if err != nil {
		return err
	}
	if broker != nil {
		defer broker.Close()
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", cfg.Addr, err)
	}
	log.Info("yiwang listening", "addr", ln.Addr().String(), "db", redactDSN(cfg.DB), "version", version)
	if seed {
		fmt.Fprintf(stdout, "Yiwang demo is running: open http://localhost:%d (API under /api/v1, OpenAPI at /openapi.json). Ctrl-C stops it.\n", ln.Addr().(*net.TCPAddr).Port)
		printDemoUsers(stdout)
		if broker != nil {
			fmt.Fprintf(stdout, "Sensor readings over MQTT: publish to %s on topic %s.\n", broker.URL(), cfg.MQTTTopic)
		}
	}
	return runTogether(ctx, func(ctx context.Context) error {
		return node.Serve(ctx, ln)
	}, func(ctx context.Context) error {
		if err := node.RunBackground(ctx, backgroundOptions(&cfg, log)); err != nil {
			return err
		}
		<-ctx.Done() // no background job configured: keep serving
		return nil
	}, runSense, func(ctx context.Context) error {
		if intake > 0 {
			demoIntake(ctx, node, intake, log)
		}
		<-ctx.Done()
		return nil
	})
}

// demoIntake waits for the node's start-up training to end, then takes
// count demo messages in through the workflow (demo.Intake) and logs what
// became of them. It needs a classifier in force: without one it takes
// nothing in (a later start does it). Its errors are logged, the demo
// keeps serving.
func demoIntake(ctx context.Context, node *platform.Node, count int, log *slog.Logger) {
	select {
	case <-node.Trained():
	case <-ctx.Done():
		return
	}
	if _, ok := node.Workflow.Suggest("路灯不亮", ""); !ok {
		log.Warn("no category classifier in force; the demo intake of new messages waits for a later start")
		return
	}
	rep, err := demo.Intake(ctx, node.Workflow, node.Store, demo.IntakeOptions{
		Count: count, Locator: demo.GeoLocator(node.Geo), Taxonomy: node.Taxonomy,
	})
	switch {
	case err != nil:
		log.Error("demo intake of new messages failed", "err", err)
	case rep.Done:
		log.Info("demo messages were taken in by an earlier start", "messages", rep.Messages)
	default:
		log.Info("demo messages taken in and classified", "messages", rep.Messages, "created", rep.Created,
			"auto_dispatched", rep.AutoDispatched, "low_confidence_queue", rep.LowConfidence, "manual_queue", rep.Manual)
	}
}

// startSense builds the sensor pipeline (the files given, else the
// generated demo set in demo, else none) and mounts its routes and the
// node's /metrics; the job it returns runs the pipeline, the MQTT
// subscriber and the metrics until ctx ends. Without --mqtt it starts an
// embedded MQTT broker on --mqtt-listen (in demo, on a free loopback port
// when that is empty too) and returns it; the caller closes it.
func startSense(node *platform.Node, cfg *config.Config, seed bool, log *slog.Logger) (func(context.Context) error, *mqttin.Broker, error) {
	var p *sense.Pipeline
	mo := platform.MetricsOptions{WaterWarning: sensedemo.WaterWarning, HeavyRain: sensedemo.HeavyRain}
	switch {
	case cfg.Sensors != "":
		sf, err := os.Open(cfg.Sensors)
		if err != nil {
			return nil, nil, err
		}
		defer sf.Close()
		rf, err := os.Open(cfg.SensorRules)
		if err != nil {
			return nil, nil, err
		}
		defer rf.Close()
		so := platform.SenseOptions{Sensors: sf, SensorsFormat: registry.FormatOfFile(cfg.Sensors), Rules: rf, DataDir: cfg.SenseData}
		if p, err = node.Sense(so); err != nil {
			return nil, nil, err
		}
	case seed:
		var err error
		if p, err = node.Sense(platform.SenseOptions{Sensors: sensedemo.Sensors(), Rules: sensedemo.Rules(), Indices: sensedemo.Indices(),
			DataDir: cfg.SenseData}); err != nil {
			return nil, nil, fmt.Errorf("loading the demo sensors: %w", err)
		}
	}
	var broker *mqttin.Broker
	if p != nil {
		node.MountSense(p)
		mo.Pipeline = p
		listen := cfg.MQTTListen
		if listen == "" && seed && cfg.MQTT == "" {
			listen = "127.0.0.1:0"
		}
		if listen != "" {
			var err error
			if broker, err = mqttin.StartBroker(mqttin.BrokerOptions{Listen: listen, Logger: log}); err != nil {
				return nil, nil, fmt.Errorf("starting the embedded MQTT broker: %w", err)
			}
			cfg.MQTT = broker.URL()
			log.Info("embedded MQTT broker listening", "addr", broker.Addr(), "topic", cfg.MQTTTopic)
		}
		log.Info("sensor pipeline ready", "sensors", p.Registry.Count(), "mqtt", cfg.MQTT)
	} else if cfg.MQTT != "" || cfg.MQTTListen != "" {
		return nil, nil, fmt.Errorf("%w: --mqtt and --mqtt-listen need --sensors and --sensor-rules", errUsage)
	}
	m := node.NewMetrics(mo)
	node.MountMetrics(m)
	return func(ctx context.Context) error {
		jobs := []func(context.Context) error{m.Run}
		if p != nil {
			jobs = append(jobs, func(ctx context.Context) error {
				return node.RunSense(ctx, p, platform.SenseRunOptions{MQTT: cfg.MQTT, MQTTTopic: cfg.MQTTTopic, Logger: log})
			})
		}
		jobs = append(jobs, func(ctx context.Context) error { <-ctx.Done(); return nil })
		return runTogether(ctx, jobs...)
	}, broker, nil
}

// s3Config returns the attachment bucket's settings, or nil when
// attachments stay on disk.
func s3Config(cfg *config.Config) *attach.S3Config {
	if cfg.S3Endpoint == "" {
		return nil
	}
	return &attach.S3Config{Endpoint: cfg.S3Endpoint, Region: cfg.S3Region, Bucket: cfg.S3Bucket,
		AccessKey: cfg.S3AccessKey, SecretKey: cfg.S3SecretKey, PathStyle: cfg.S3PathStyle}
}

// backgroundOptions turns the configuration into the node's background jobs.
func backgroundOptions(cfg *config.Config, log *slog.Logger) platform.BackgroundOptions {
	o := platform.BackgroundOptions{
		EscalateInterval: cfg.EscalateEvery, NoEscalation: cfg.EscalateEvery == 0,
		NATS: cfg.NATS, NodeName: cfg.Node, Logger: log,
	}
	for _, u := range cfg.Webhooks {
		o.Webhooks = append(o.Webhooks, notify.Webhook{URL: u, Secret: cfg.WebhookSecret})
	}
	if o.NodeName == "" {
		host, _ := os.Hostname()
		o.NodeName = nodeName(host, os.Getpid())
	}
	return o
}

// nodeName makes a bus node name (letters, digits, - and _) from a host
// name and a process id.
func nodeName(host string, pid int) string {
	clean := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '-'
	}, host)
	if clean == "" {
		clean = "node"
	}
	return fmt.Sprintf("%s-%d", clean, pid)
}

// runTogether runs every job until the first one returns; then it cancels
// the others, waits for them, and returns the first error.
func runTogether(ctx context.Context, jobs ...func(context.Context) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, len(jobs))
	for _, job := range jobs {
		go func() { errc <- job(ctx) }()
	}
	first := <-errc
	cancel()
	for range len(jobs) - 1 {
		if err := <-errc; first == nil {
			first = err
		}
	}
	return first
}

// printDemoUsers lists the demo's users and their passwords (demo only).
func printDemoUsers(w io.Writer) {
	fmt.Fprintln(w, "Demo users (sign in at /signin.html; password demo-<login>):")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, d := range auth.DemoUsers {
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", d.Login, d.Password(), joinRoles(d.Roles), d.Unit)
	}
	tw.Flush()
}

// channels converts channel names (validated by config) to cases.Channel.
func channels(names []string) []cases.Channel {
	if names == nil {
		return nil
	}
	out := make([]cases.Channel, len(names))
	for i, n := range names {
		out[i] = cases.Channel(n)
	}
	return out
}
