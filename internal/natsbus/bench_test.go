package natsbus

import (
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"yiwang/internal/cases"
	"yiwang/internal/stream"
)

// BenchmarkPublish measures events/s from a Bus through the Publisher into
// JetStream (committed, acked, stored), against a baseline in the same run:
// the same messages published straight with js.PublishMsgAsync and every
// ack awaited. It reports both rates and their ratio.
//
//	go test -run XXX -bench Publish -benchtime 20000x ./internal/natsbus
func BenchmarkPublish(b *testing.B) {
	n := b.N
	evs := make([]cases.Event, n)
	for i := range evs {
		evs[i] = ev(fmt.Sprintf("WH-20260302-%06d", i/8), i%8+1)
	}

	// Baseline: raw async publishes of the same payloads and headers.
	raw := newEnv(b)
	if _, err := ensureStream(b.Context(), raw.js, streamConfig(raw.stream, raw.subject, DefaultDuplicates), slog.Default()); err != nil {
		b.Fatal(err)
	}
	encoded := make([][]byte, n)
	for i, e := range evs {
		e.Pos = int64(i + 1)
		m, err := encode(raw.subject, e, "bench", "bench")
		if err != nil {
			b.Fatal(err)
		}
		encoded[i] = m.Data
		evs[i] = e
	}
	js, err := jetstream.New(raw.nc, jetstream.WithPublishAsyncMaxPending(DefaultMaxInFlight))
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	for i, e := range evs {
		if _, err := js.PublishAsync(Subject(raw.subject, e.CaseID), encoded[i], jetstream.WithMsgID(MsgID(e))); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(time.Minute):
		b.Fatal("raw publishes not acked within a minute")
	}
	rawRate := float64(n) / time.Since(start).Seconds()

	// The Publisher: events committed to the log and the bus.
	e := newEnv(b)
	log, bus := &memLog{}, stream.New()
	o := e.pubOpts("bench", log, bus)
	o.SweepInterval, o.BusBuffer = time.Second, n+1
	p, _ := startPublisher(b, o)
	log.mu.Lock()
	log.events, log.pos = evs, int64(n)
	log.mu.Unlock()
	b.ResetTimer()
	start = time.Now()
	for i := 0; i < n; i += 64 {
		bus.Publish(evs[i:min(i+64, n)])
	}
	for deadline := start.Add(time.Minute); p.Stats().Stored < uint64(n); {
		if time.Now().After(deadline) {
			b.Fatalf("stats %+v: not all %d events stored within a minute", p.Stats(), n)
		}
		time.Sleep(100 * time.Microsecond) // polling for completion, not synchronisation
	}
	b.StopTimer()
	pubRate := float64(n) / time.Since(start).Seconds()
	if s := p.Stats(); s.Lags != 0 || s.Stored != uint64(n) {
		b.Fatalf("stats %+v: the live path did not carry all %d events", s, n)
	}
	b.ReportMetric(pubRate, "events/s")
	b.ReportMetric(rawRate, "raw-events/s")
	b.ReportMetric(pubRate/rawRate, "ratio")
}
