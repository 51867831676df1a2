package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"
	"github.com/jackc/pgx/v5"

	"yiwang/internal/cases"
	"yiwang/internal/geo"
	"yiwang/internal/pgtest"
	"yiwang/internal/sense"
	"yiwang/internal/sense/alarm"
	"yiwang/internal/sense/lineproto"
	"yiwang/internal/sense/mqttin"
	"yiwang/internal/sense/registry"
	"yiwang/internal/sense/rules"
	"yiwang/internal/store/memstore"
	"yiwang/internal/workflow"
)

// IngestOptions configure `yiwang bench ingest`.
type IngestOptions struct {
	// Sensors carry the load (one rule each); Probes more sensors fire one
	// alarm each during the run, for the alarm latency.
	Sensors, Probes int
	// Rounds is how many readings each load sensor sends (total readings =
	// Sensors × Rounds); Batch lines per HTTP request; C concurrent clients.
	Rounds, Batch, C int
	// MQTT is the broker address ("" skips the MQTT figure) and MQTTN the
	// readings published through it.
	MQTT  string
	MQTTN int
	// Postgres is the server for the COPY baseline ("" skips it).
	Postgres string
	// InMemory runs the HTTP pipeline without a DataDir (nothing
	// persisted), for comparison.
	InMemory bool
	Logger   *slog.Logger
}

// IngestResult is what `yiwang bench ingest --json` prints.
type IngestResult struct {
	Sensors int `json:"sensors"`
	Rules   int `json:"rules"`
	// Readings were sent over HTTP line protocol on loopback; ReadingsPerS
	// is from the first request to the last reading stored and evaluated.
	Readings     int64   `json:"readings"`
	ReadingsPerS float64 `json:"readings_per_s"`
	Throttled    int64   `json:"throttled_requests"`
	// CPUNsPerReading is the process's CPU time (user+system, every
	// goroutine: the load generator, HTTP client and server, the pipeline)
	// over the HTTP run divided by its readings: unlike ReadingsPerS it
	// does not depend on how much of the 2 cores other work leaves.
	CPUNsPerReading float64 `json:"cpu_ns_per_reading"`
	// InprocReadingsPerS and InprocCPUNsPerReading are the baseline run in
	// the same process before the HTTP run: the same generated request
	// bodies, the same clients, parsed and queued through the same
	// Ingester (WaitBatch, AddLines, Enqueue) into a pipeline of its own
	// with the same registry and rules, without HTTP. HTTPvsInproc is
	// CPUNsPerReading / InprocCPUNsPerReading.
	InprocReadingsPerS    float64 `json:"inproc_readings_per_s"`
	InprocCPUNsPerReading float64 `json:"inproc_cpu_ns_per_reading"`
	HTTPvsInproc          float64 `json:"http_vs_inproc_cpu"`
	// MQTT readings, one per message, QoS 1, through the broker.
	MQTTReadings     int64   `json:"mqtt_readings"`
	MQTTReadingsPerS float64 `json:"mqtt_readings_per_s"`
	MQTTNote         string  `json:"mqtt_note,omitempty"`
	// Alarms raised by probe readings during the HTTP load, and the time
	// from the reading's arrival to its case being created (workflow over
	// the in-memory store).
	Alarms     int     `json:"alarms"`
	AlarmP50Ms float64 `json:"alarm_p50_ms"`
	AlarmP99Ms float64 `json:"alarm_p99_ms"`
	// BytesPerReading is the compressed size (data and block headers) of
	// the stored readings.
	BytesPerReading float64 `json:"bytes_per_reading"`
	// PersistedBytesPerReading is what the HTTP run's pipeline keeps on
	// disk (its DataDir, a temporary directory: segment files and the
	// heads snapshot) after a checkpoint at the end of the run, per
	// reading stored; CheckpointMs is how long that checkpoint took.
	PersistedBytesPerReading float64 `json:"persisted_bytes_per_reading"`
	CheckpointMs             float64 `json:"checkpoint_ms"`
	// PostgresReadingsPerS is pgx CopyFrom of the same readings into a
	// fresh database (sensor text, t timestamptz, v float8, no index).
	PostgresReadingsPerS float64 `json:"postgres_readings_per_s"`
	PostgresNote         string  `json:"postgres_note,omitempty"`
	Note                 string  `json:"note"`
}

const benchCategory = "0101"

// Ingest runs the sensor ingest benchmark.
func Ingest(ctx context.Context, o IngestOptions) (IngestResult, error) {
	if o.Sensors < 1 || o.Rounds < 1 || o.Batch < 1 || o.C < 1 || o.Probes < 0 {
		return IngestResult{}, errors.New("bench ingest: sensors, rounds, batch and c must be at least 1")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	res := IngestResult{Sensors: o.Sensors + o.Probes,
		Note: "GENERATED sensors (random points in Wuhan's grids) and readings (regular 1-minute series, 1 cm random walks); alarms open cases through the workflow over the in-memory store"}
	gx, err := geo.Load()
	if err != nil {
		return res, err
	}
	reg, err := benchRegistry(gx, o.Sensors+o.Probes)
	if err != nil {
		return res, err
	}
	rs := benchRules(reg, o.Sensors, o.Probes)
	res.Rules = len(rs)
	st := memstore.New(memstore.Options{})
	defer st.Close()
	wf, err := workflow.New(workflow.Options{Store: st, Logger: o.Logger})
	if err != nil {
		return res, err
	}
	start := time.Now().Add(-time.Duration(o.Rounds) * time.Minute).Truncate(time.Minute)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if res.InprocReadingsPerS, res.InprocCPUNsPerReading, err = inprocLoad(ctx, reg, rs, wf, o, start); err != nil {
		return res, err
	}
	var latMu sync.Mutex
	var lats []time.Duration
	var dataDir string
	if !o.InMemory {
		if dataDir, err = os.MkdirTemp("", "yiwang-bench-ingest-"); err != nil {
			return res, err
		}
		defer os.RemoveAll(dataDir)
	}
	p, err := sense.New(sense.Options{Registry: reg, Rules: rs, Cases: wf, MinHold: time.Nanosecond, QueueBatches: 16,
		MaxBody: 64 << 20, Logger: o.Logger, DataDir: dataDir,
		OnCase: func(a alarm.Alarm, c cases.Case, created bool) {
			if created {
				latMu.Lock()
				lats = append(lats, time.Since(a.Raised))
				latMu.Unlock()
			}
		}})
	if err != nil {
		return res, err
	}
	go p.Run(ctx)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return res, err
	}
	srv := &http.Server{Handler: p.Handler()}
	go srv.Serve(ln)
	defer srv.Close()

	cpu0 := cpuTime()
	n, throttled, took, err := httpLoad(ctx, "http://"+ln.Addr().String()+"/write", reg, o, start, p)
	if err != nil {
		return res, err
	}
	res.Readings, res.Throttled = n, throttled
	res.ReadingsPerS = float64(n) / took.Seconds()
	res.CPUNsPerReading = float64(cpuTime()-cpu0) / float64(n)
	res.HTTPvsInproc = res.CPUNsPerReading / res.InprocCPUNsPerReading
	if st := p.Ingester.Stats(); len(st.Rejected) > 0 {
		o.Logger.Warn("readings rejected during the benchmark", "rejected", st.Rejected)
	}
	// Alarm cases are created asynchronously: wait for the last ones.
	deadline := time.Now().Add(30 * time.Second)
	for p.Alarms.Pending() > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	latMu.Lock()
	res.Alarms = len(lats)
	res.AlarmP50Ms, res.AlarmP99Ms = percentileMs(lats, 50), percentileMs(lats, 99)
	latMu.Unlock()
	z := p.DB.Size()
	res.BytesPerReading = float64(z.Bytes+z.Overhead) / float64(max(1, z.Readings))
	began := time.Now()
	if err := p.Checkpoint(ctx); err != nil {
		return res, err
	}
	res.CheckpointMs = float64(time.Since(began).Microseconds()) / 1000
	d := p.DB.Disk()
	res.PersistedBytesPerReading = float64(d.Blocks+d.Hours+d.Heads) / float64(max(1, z.Readings))

	if o.MQTT != "" {
		res.MQTTReadings, res.MQTTReadingsPerS, err = mqttLoad(ctx, o.MQTT, o.MQTTN, p, reg, o.Sensors)
		if err != nil {
			res.MQTTNote = err.Error()
		}
	} else {
		res.MQTTNote = "skipped (no broker given)"
	}
	if o.Postgres != "" {
		res.PostgresReadingsPerS, err = copyBaseline(ctx, o.Postgres, reg, o, start)
		if err != nil {
			res.PostgresNote = err.Error()
		}
	} else {
		res.PostgresNote = "skipped (no server given)"
	}
	return res, nil
}

// benchRegistry places n GENERATED sensors at random points of random grids.
func benchRegistry(gx *geo.Index, n int) (*registry.Registry, error) {
	r := rand.New(rand.NewPCG(7, 11))
	grids := gx.Areas(geo.LevelGrid)
	kinds := []struct {
		k    registry.Kind
		unit string
	}{{registry.WaterLevel, "m"}, {registry.Rainfall, "mm"}, {registry.GasConcentration, "%LEL"}, {registry.PM25, "ug/m3"}, {registry.TrafficSpeed, "km/h"}}
	ss := make([]registry.Sensor, n)
	for i := range ss {
		g := grids[r.IntN(len(grids))]
		pt := gx.RandomPointIn(g.Code, r)
		k := kinds[i%len(kinds)]
		ss[i] = registry.Sensor{ID: fmt.Sprintf("GEN%06d", i), Kind: k.k, Unit: k.unit, Lat: pt[1], Lon: pt[0],
			Owner: "shuiwu." + g.Code[:6], Interval: time.Minute}
	}
	return registry.New(ss, registry.Options{Locate: gx.Locate})
}

// benchRules gives every load sensor one rule that its readings never
// trip (80% threshold, 10% duration, 10% rate) and every probe a threshold
// at 100.
func benchRules(reg *registry.Registry, load, probes int) []rules.Rule {
	hi, probe := 1e9, 100.0
	var rs []rules.Rule
	for i := range load {
		id := reg.Sensor(int32(i)).ID
		r := rules.Rule{ID: "r-" + id, Sensor: id, Category: benchCategory, Kind: rules.Threshold, Above: &hi}
		switch i % 10 {
		case 8:
			r.Kind, r.For = rules.Duration, 10*time.Minute
		case 9:
			r.Kind, r.Above, r.Rise, r.Window = rules.Rate, nil, 1e6, 30*time.Minute
		}
		rs = append(rs, r)
	}
	for i := load; i < load+probes; i++ {
		id := reg.Sensor(int32(i)).ID
		rs = append(rs, rules.Rule{ID: "probe-" + id, Kind: rules.Threshold, Sensor: id, Above: &probe, Category: benchCategory, Severity: cases.SeverityUrgent})
	}
	return rs
}

// value is load sensor s's reading in round k: a 1 cm random walk.
func value(s, k int) float64 { return float64(1000+s%500+(k*7+s)/13%5) / 100 }

// httpLoad sends every load sensor's readings over HTTP with C clients and
// the probes' alarm readings spread over the run, and waits until all are
// processed.
func httpLoad(ctx context.Context, url string, reg *registry.Registry, o IngestOptions, start time.Time, p *sense.Pipeline) (int64, int64, time.Duration, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: o.C + 1}
	client := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	var sent, throttled atomic.Int64
	post := func(body []byte) error {
		for {
			resp, err := client.Post(url, "text/plain", bytes.NewReader(body))
			if err != nil {
				return err
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			switch resp.StatusCode {
			case http.StatusNoContent:
				return nil
			case http.StatusTooManyRequests:
				throttled.Add(1)
				time.Sleep(time.Millisecond) // a client backing off, not synchronisation
				continue
			}
			return fmt.Errorf("write answered %s", resp.Status)
		}
	}
	began := time.Now()
	before := p.Ingester.Stats().Processed
	total := int64(o.Sensors) * int64(o.Rounds)
	errc := make(chan error, o.C+1)
	// probeDue gets one token each time another 1/Probes of the load was
	// sent, and the rest once every client is done.
	probeDue := make(chan struct{}, o.Probes)
	var dueSent atomic.Int64
	var clientsLeft atomic.Int64
	clientsLeft.Store(int64(o.C))
	due := func(all bool) {
		n := int64(o.Probes)
		if !all {
			n = sent.Load() * int64(o.Probes) / total
		}
		for {
			k := dueSent.Load()
			if k >= n {
				return
			}
			if dueSent.CompareAndSwap(k, k+1) {
				probeDue <- struct{}{}
			}
		}
	}
	for c := range o.C {
		go func() {
			err := loadBodies(o, reg, start, c, func(body []byte, lines int) error {
				if err := post(body); err != nil {
					return err
				}
				sent.Add(int64(lines))
				due(false)
				return nil
			})
			if err != nil {
				errc <- err
				return
			}
			if clientsLeft.Add(-1) == 0 {
				due(true)
			}
			errc <- nil
		}()
	}
	// Probes: one alarm each, spread over the run by the load's progress
	// (probe i goes when i/Probes of the load was sent), so they never
	// pace the run themselves.
	go func() {
		for i := range o.Probes {
			select {
			case <-ctx.Done():
				errc <- ctx.Err()
				return
			case <-probeDue:
			}
			sn := reg.Sensor(int32(o.Sensors + i))
			line := fmt.Sprintf("%s,sensor=%s value=150\n", sn.Kind, sn.ID)
			if err := post([]byte(line)); err != nil {
				errc <- err
				return
			}
		}
		errc <- nil
	}()
	for range o.C + 1 {
		if err := <-errc; err != nil {
			return 0, 0, 0, err
		}
	}
	want := before + total + int64(o.Probes)
	for p.Ingester.Stats().Processed < want {
		if ctx.Err() != nil {
			return 0, 0, 0, ctx.Err()
		}
		time.Sleep(time.Millisecond)
	}
	return total, throttled.Load(), time.Since(began), nil
}

// loadBodies generates client c's share of the load (every C-th load
// sensor, round after round) as line-protocol bodies of o.Batch lines and
// hands each to send; the body is reused once send returns.
func loadBodies(o IngestOptions, reg *registry.Registry, start time.Time, c int, send func(body []byte, lines int) error) error {
	var body, ts []byte
	lines := 0
	for k := range o.Rounds {
		ts = strconv.AppendInt(ts[:0], start.Add(time.Duration(k)*time.Minute).UnixNano(), 10)
		for s := c; s < o.Sensors; s += o.C {
			sn := reg.Sensor(int32(s))
			body = append(body, sn.Kind...)
			body = append(body, ",sensor="...)
			body = append(body, sn.ID...)
			body = append(body, " value="...)
			body = strconv.AppendFloat(body, value(s, k), 'f', -1, 64)
			body = append(body, ' ')
			body = append(body, ts...)
			body = append(body, '\n')
			if lines++; lines == o.Batch {
				if err := send(body, lines); err != nil {
					return err
				}
				body, lines = body[:0], 0
			}
		}
	}
	if lines > 0 {
		return send(body, lines)
	}
	return nil
}

// inprocLoad is the baseline without HTTP: a pipeline of its own (same
// registry and rules), C clients generating the same bodies and putting
// them through the Ingester as ServeHTTP does (take a queue slot, parse and
// check the lines, enqueue), until every reading was processed. It returns
// readings/s and the process's CPU ns per reading.
func inprocLoad(ctx context.Context, reg *registry.Registry, rs []rules.Rule, cs alarm.Cases, o IngestOptions, start time.Time) (float64, float64, error) {
	p, err := sense.New(sense.Options{Registry: reg, Rules: rs, Cases: cs, QueueBatches: 16, Logger: o.Logger})
	if err != nil {
		return 0, 0, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go p.Run(ctx)
	total := int64(o.Sensors) * int64(o.Rounds)
	cpu0, began := cpuTime(), time.Now()
	errc := make(chan error, o.C)
	for c := range o.C {
		go func() {
			var ps lineproto.Parser
			errc <- loadBodies(o, reg, start, c, func(body []byte, _ int) error {
				b, err := p.Ingester.WaitBatch(ctx, time.Now())
				if err != nil {
					return err
				}
				if bad := p.Ingester.AddLines(b, &ps, body, "bench"); bad > 0 {
					p.Ingester.Discard(b)
					return fmt.Errorf("in-process baseline: %d lines rejected", bad)
				}
				p.Ingester.Enqueue(b)
				return nil
			})
		}()
	}
	for range o.C {
		if err := <-errc; err != nil {
			return 0, 0, err
		}
	}
	for p.Ingester.Stats().Processed < total {
		if ctx.Err() != nil {
			return 0, 0, ctx.Err()
		}
		time.Sleep(time.Millisecond)
	}
	took := time.Since(began)
	return float64(total) / took.Seconds(), float64(cpuTime()-cpu0) / float64(total), nil
}

// mqttLoad publishes n readings, one per QoS 1 message, round-robin over
// the first sensors, keeping at most mqttWindow messages ahead of the
// readings processed (Mosquitto drops QoS 1 messages beyond a client's
// queue, 1000 by default, when the publisher runs ahead), and waits until
// they are processed.
func mqttLoad(ctx context.Context, addr string, n int, p *sense.Pipeline, reg *registry.Registry, sensors int) (int64, float64, error) {
	const mqttWindow = 500
	prefix := fmt.Sprintf("yiwang-bench-%08x", rand.Uint32())
	sub, err := mqttin.Start(ctx, mqttin.Options{Broker: "tcp://" + addr, Pattern: prefix + "/{sensor}", QoS: 1, Ingester: p.Ingester})
	if err != nil {
		return 0, 0, err
	}
	defer sub.Close()
	pub := mqtt.NewClient(mqtt.NewClientOptions().AddBroker("tcp://" + addr).SetClientID(prefix + "-pub"))
	if tok := pub.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		return 0, 0, fmt.Errorf("mqtt publisher: %v", tok.Error())
	}
	defer pub.Disconnect(100)
	topic := func(i int) string { return prefix + "/" + reg.Sensor(int32(i%sensors)).ID }
	// Wait for the subscription to be live: publish until one arrives.
	first := p.Ingester.Stats().Processed
	for p.Ingester.Stats().Processed == first {
		pub.Publish(topic(0), 1, false, "1").WaitTimeout(time.Second)
		time.Sleep(20 * time.Millisecond)
		if ctx.Err() != nil {
			return 0, 0, ctx.Err()
		}
	}
	time.Sleep(100 * time.Millisecond)
	before := p.Ingester.Stats().Processed
	processed := func() int64 { return p.Ingester.Stats().Processed - before }
	began := time.Now()
	var last mqtt.Token
	for i := range n {
		for int64(i)-processed() >= mqttWindow {
			time.Sleep(100 * time.Microsecond)
		}
		last = pub.Publish(topic(i+1), 1, false, strconv.FormatFloat(value(i, 0), 'f', -1, 64))
	}
	if last != nil {
		last.Wait()
	}
	deadline := time.Now().Add(30 * time.Second)
	for processed() < int64(n) {
		if time.Now().After(deadline) {
			got := processed()
			return got, float64(got) / time.Since(began).Seconds(), fmt.Errorf("only %d of %d MQTT readings arrived within 30 s", got, n)
		}
		time.Sleep(time.Millisecond)
	}
	return int64(n), float64(n) / time.Since(began).Seconds(), nil
}

// copyBaseline writes the same readings with pgx CopyFrom into a fresh
// database on server.
func copyBaseline(ctx context.Context, server string, reg *registry.Registry, o IngestOptions, start time.Time) (float64, error) {
	dsn, drop, err := pgtest.Create(ctx, server, "bench_ingest")
	if err != nil {
		return 0, err
	}
	defer drop()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE TABLE readings (sensor text NOT NULL, t timestamptz NOT NULL, v float8 NOT NULL)"); err != nil {
		return 0, err
	}
	total := o.Sensors * o.Rounds
	k, s := 0, 0
	row := make([]any, 3)
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if k >= o.Rounds {
			return nil, nil
		}
		row[0], row[1], row[2] = reg.Sensor(int32(s)).ID, start.Add(time.Duration(k)*time.Minute), value(s, k)
		if s++; s == o.Sensors {
			s, k = 0, k+1
		}
		return row, nil
	})
	began := time.Now()
	n, err := conn.CopyFrom(ctx, pgx.Identifier{"readings"}, []string{"sensor", "t", "v"}, src)
	if err != nil {
		return 0, err
	}
	if int(n) != total {
		return 0, fmt.Errorf("COPY wrote %d rows, want %d", n, total)
	}
	return float64(n) / time.Since(began).Seconds(), nil
}
