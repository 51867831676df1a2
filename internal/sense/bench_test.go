package sense

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/sense/lineproto"
	"yiwang/internal/sense/registry"
	"yiwang/internal/sense/rules"
	"yiwang/internal/store"
)

type noCases struct{}

func (noCases) Create(context.Context, store.CreateRequest) (cases.Case, bool, error) {
	return cases.Case{}, true, nil
}
func (noCases) Transition(context.Context, store.TransitionRequest) (cases.Case, cases.Event, error) {
	return cases.Case{}, cases.Event{}, nil
}

// BenchmarkIngestPath measures one reading through the ingest path without
// HTTP (parse, registry checks, store, one threshold rule per sensor) over
// 10,000 sensors, against parsing alone as the baseline.
func BenchmarkIngestPath(b *testing.B) {
	const n = 10000
	ss := make([]registry.Sensor, n)
	hi := 1e9
	rs := make([]rules.Rule, n)
	for i := range ss {
		ss[i] = registry.Sensor{ID: fmt.Sprintf("S%05d", i), Kind: registry.WaterLevel, Unit: "m", Lat: 30.5, Lon: 114.3, Owner: "u", Interval: time.Minute}
		rs[i] = rules.Rule{ID: "r" + ss[i].ID, Kind: rules.Threshold, Sensor: ss[i].ID, Above: &hi, Category: "0101"}
	}
	reg, _ := registry.New(ss, registry.Options{})
	p, err := New(Options{Registry: reg, Rules: rs, Cases: noCases{}, MaxPast: 400 * 24 * time.Hour, Now: func() time.Time { return t0 }})
	if err != nil {
		b.Fatal(err)
	}
	start := t0.Add(-300 * 24 * time.Hour)
	body := func(round int) []byte {
		var out []byte
		ts := strconv.FormatInt(start.Add(time.Duration(round)*time.Minute).UnixNano(), 10)
		for i := range n {
			out = fmt.Appendf(out, "water_level,sensor=S%05d value=%g %s\n", i, float64(1000+(round+i)%7)/100, ts)
		}
		return out
	}
	bodies := make([][]byte, 50)
	for k := range bodies {
		bodies[k] = body(k)
	}
	var ps lineproto.Parser
	rounds := 0
	began := time.Now()
	for b.Loop() {
		// Each round has new timestamps: shift the round's body in time.
		bt, _ := p.Ingester.NewBatch(t0)
		p.Ingester.AddLines(bt, &ps, bodies[rounds%len(bodies)], "bench")
		for k := range bt.Readings {
			bt.Readings[k].T += int64(rounds/len(bodies)) * int64(len(bodies)) * int64(time.Minute)
		}
		p.Process(context.Background(), bt)
		p.Ingester.Discard(bt)
		rounds++
	}
	ours := time.Since(began)
	began = time.Now()
	for k := range rounds {
		for body := bodies[k%len(bodies)]; len(body) > 0; {
			var line []byte
			line, body = lineproto.Next(body)
			if _, err := ps.Parse(line); err != nil {
				b.Fatal(err)
			}
		}
	}
	parse := time.Since(began)
	b.ReportMetric(float64(ours.Nanoseconds())/float64(rounds*n), "ns/reading")
	b.ReportMetric(float64(rounds*n)/ours.Seconds(), "readings/s")
	b.ReportMetric(float64(ours)/float64(parse), "path/parse-only")
	if st := p.Ingester.Stats(); len(st.Rejected) > 0 {
		b.Fatalf("rejected: %v %v", st.Rejected, st.Quarantine[:1])
	}
}

// benchTemplates are line-protocol bodies of one reading of each of n
// sensors S00000…, in 7 variants of values; stamp writes a round's
// timestamp into one (every line's timestamp is 19 digits at the end).
type benchTemplates struct {
	bodies [7][]byte
	ends   [][]int // offsets of the newlines
}

func newBenchTemplates(n int, start time.Time) *benchTemplates {
	bt := &benchTemplates{ends: make([][]int, 7)}
	ts := strconv.FormatInt(start.UnixNano(), 10)
	for k := range bt.bodies {
		var out []byte
		for i := range n {
			out = fmt.Appendf(out, "water_level,sensor=S%05d value=%g %s\n", i, float64(1000+(k+i)%7)/100, ts)
			bt.ends[k] = append(bt.ends[k], len(out)-1)
		}
		bt.bodies[k] = out
	}
	return bt
}

// stamp returns round's body with its timestamps set to t.
func (bt *benchTemplates) stamp(round int, t time.Time) []byte {
	k := round % 7
	var ts [19]byte
	strconv.AppendInt(ts[:0], t.UnixNano(), 10)
	body := bt.bodies[k]
	for _, e := range bt.ends[k] {
		copy(body[e-19:e], ts[:])
	}
	return body
}

func benchPipeline(b *testing.B, n int) *Pipeline {
	ss := make([]registry.Sensor, n)
	hi := 1e9
	rs := make([]rules.Rule, n)
	for i := range ss {
		ss[i] = registry.Sensor{ID: fmt.Sprintf("S%05d", i), Kind: registry.WaterLevel, Unit: "m", Lat: 30.5, Lon: 114.3, Owner: "u", Interval: time.Minute}
		rs[i] = rules.Rule{ID: "r" + ss[i].ID, Kind: rules.Threshold, Sensor: ss[i].ID, Above: &hi, Category: "0101"}
	}
	reg, _ := registry.New(ss, registry.Options{})
	p, err := New(Options{Registry: reg, Rules: rs, Cases: noCases{}, MaxPast: 400 * 24 * time.Hour, MaxBody: 64 << 20,
		Now: func() time.Time { return t0 }})
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// cpuNow is the process's CPU time (user and system) so far.
func cpuNow(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchRun posts rounds bodies (or as many as loop allows) with post and
// waits until p processed them, measuring wall and process CPU time and
// allocations.
func benchRun(b *testing.B, tpl *benchTemplates, start time.Time, n int, p *Pipeline, post func(body []byte), rounds int, loop func() bool) (wall, cpu time.Duration, allocs, bytes uint64, done int) {
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	c0, w0 := cpuNow(b), time.Now()
	for k := 0; loop == nil && k < rounds || loop != nil && loop(); k++ {
		post(tpl.stamp(k, start.Add(time.Duration(k)*time.Minute)))
		done++
	}
	// Every batch was processed once every queue slot can be taken
	// (a slot is given back after its batch is processed).
	var held []*Batch
	for range p.Ingester.o.QueueBatches {
		bt, err := p.Ingester.WaitBatch(context.Background(), t0)
		if err != nil {
			b.Fatal(err)
		}
		held = append(held, bt)
	}
	for _, bt := range held {
		p.Ingester.Discard(bt)
	}
	if got := p.Ingester.Stats().Processed; got < int64(done*n) {
		b.Fatalf("%d readings processed, %d sent", got, done*n)
	}
	wall, cpu = time.Since(w0), cpuNow(b)-c0
	runtime.ReadMemStats(&m1)
	return wall, cpu, m1.Mallocs - m0.Mallocs, m1.TotalAlloc - m0.TotalAlloc, done
}

// directPost is how the in-process baseline hands a body to p: as
// ServeHTTP does, without HTTP.
func directPost(ctx context.Context, b *testing.B, p *Pipeline) func(body []byte) {
	var ps lineproto.Parser
	return func(body []byte) {
		bt, err := p.Ingester.WaitBatch(ctx, t0)
		if err != nil {
			b.Fatal(err)
		}
		p.Ingester.AddLines(bt, &ps, body, "bench")
		p.Ingester.Enqueue(bt)
	}
}

// BenchmarkIngestInProcess is the in-process half of BenchmarkIngestHTTP
// alone (for instruction counts under cachegrind, which cannot tell the
// two halves of one benchmark apart).
func BenchmarkIngestInProcess(b *testing.B) {
	const n = 10000
	start := t0.Add(-300 * 24 * time.Hour)
	tpl := newBenchTemplates(n, start)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := benchPipeline(b, n)
	go p.Run(ctx)
	_, c, a, _, rounds := benchRun(b, tpl, start, n, p, directPost(ctx, b, p), 0, b.Loop)
	b.ReportMetric(float64(c.Nanoseconds())/float64(rounds*n), "cpu-ns/reading")
	b.ReportMetric(float64(a)/float64(rounds*n), "allocs/reading")
}

// BenchmarkIngestHTTP measures readings POSTed as line protocol over
// loopback HTTP (10,000 lines per request, 10,000 sensors with one rule
// each) through the running pipeline (ServeHTTP, queue, worker: store and
// rules), one client, and then, as the baseline in the same run, the same
// bodies put through the same Ingester without HTTP (NewBatch, AddLines,
// Enqueue). It reports wall and CPU ns per reading (CPU: every goroutine
// of the process, so it does not depend on what else runs on the
// machine), allocations per reading, and the ratio of the two CPU figures.
func BenchmarkIngestHTTP(b *testing.B) {
	const n = 10000
	start := t0.Add(-300 * 24 * time.Hour)
	tpl := newBenchTemplates(n, start)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hp := benchPipeline(b, n)
	go hp.Run(ctx)
	srv := httptest.NewServer(hp.Handler())
	defer srv.Close()
	client := srv.Client()
	post := func(body []byte) {
		for {
			resp, err := client.Post(srv.URL+"/write", "text/plain", bytes.NewReader(body))
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusNoContent {
				return
			}
			if resp.StatusCode != http.StatusTooManyRequests {
				b.Fatalf("write answered %s", resp.Status)
			}
			time.Sleep(100 * time.Microsecond) // queue full: a client backing off
		}
	}
	hw, hc, ha, hb, rounds := benchRun(b, tpl, start, n, hp, post, 0, b.Loop)
	b.StopTimer()

	ip := benchPipeline(b, n)
	go ip.Run(ctx)
	direct := directPost(ctx, b, ip)
	iw, ic, ia, ib, _ := benchRun(b, tpl, start, n, ip, direct, rounds, nil)
	for _, p := range []*Pipeline{hp, ip} {
		if st := p.Ingester.Stats(); len(st.Rejected) > 0 {
			b.Fatalf("rejected: %v %v", st.Rejected, st.Quarantine[:1])
		}
	}
	r := float64(rounds * n)
	b.ReportMetric(float64(hw.Nanoseconds())/r, "ns/reading")
	b.ReportMetric(float64(hc.Nanoseconds())/r, "cpu-ns/reading")
	b.ReportMetric(float64(ha)/r, "allocs/reading")
	b.ReportMetric(float64(hb)/r, "B/reading")
	b.ReportMetric(float64(iw.Nanoseconds())/r, "inproc-ns/reading")
	b.ReportMetric(float64(ic.Nanoseconds())/r, "inproc-cpu-ns/reading")
	b.ReportMetric(float64(ia)/r, "inproc-allocs/reading")
	b.ReportMetric(float64(ib)/r, "inproc-B/reading")
	b.ReportMetric(float64(hc)/float64(ic), "http/inproc-cpu")
}
