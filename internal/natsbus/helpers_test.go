package natsbus

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"yiwang/internal/cases"
	"yiwang/internal/stream"
)

// testURL is the JetStream server the tests use.
func testURL() string {
	if u := os.Getenv("YIWANG_TEST_NATS"); u != "" {
		return u
	}
	return DefaultURL
}

// env is one test's private corner of the server: a stream, a subject
// prefix and a KV bucket named with a random suffix, deleted at the end.
type env struct {
	nc      *nats.Conn
	js      jetstream.JetStream
	stream  string
	subject string
	bucket  string
}

// newEnv connects to the server, skipping the test when it is unreachable
// (failing instead when YIWANG_REQUIRE_SERVICES=1).
func newEnv(tb testing.TB) *env {
	tb.Helper()
	url := testURL()
	nc, err := nats.Connect(url, nats.Timeout(2*time.Second))
	var js jetstream.JetStream
	if err == nil {
		if js, err = jetstream.New(nc); err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_, err = js.AccountInfo(ctx)
			cancel()
		}
		if err != nil {
			nc.Close()
		}
	}
	if err != nil {
		if os.Getenv("YIWANG_REQUIRE_SERVICES") == "1" {
			tb.Fatalf("NATS JetStream at %s unreachable and YIWANG_REQUIRE_SERVICES=1: %v", url, err)
		}
		tb.Skipf("NATS JetStream at %s unreachable (set YIWANG_TEST_NATS, or YIWANG_REQUIRE_SERVICES=1 to fail): %v", url, err)
	}
	var b [4]byte
	rand.Read(b[:])
	sfx := hex.EncodeToString(b[:])
	e := &env{nc: nc, js: js, stream: "YWTEST_" + sfx, subject: "ywtest." + sfx, bucket: "ywtest_" + sfx}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := js.DeleteStream(ctx, e.stream); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
			tb.Errorf("deleting stream %s: %v", e.stream, err)
		}
		if err := js.DeleteKeyValue(ctx, e.bucket); err != nil && !errors.Is(err, jetstream.ErrBucketNotFound) {
			tb.Errorf("deleting bucket %s: %v", e.bucket, err)
		}
		nc.Close()
	})
	return e
}

// pubOpts are a Publisher's options in this env.
func (e *env) pubOpts(node string, src Source, bus *stream.Bus) PublisherOptions {
	return PublisherOptions{Conn: Conn{NC: e.nc}, Stream: e.stream, Subject: e.subject, Bucket: e.bucket,
		Node: node, Source: src, Bus: bus, SweepInterval: 100 * time.Millisecond}
}

// startPublisher runs a Publisher until the returned stop is called (or
// the test ends) and waits until its live path is subscribed.
func startPublisher(tb testing.TB, o PublisherOptions) (*Publisher, func()) {
	tb.Helper()
	p, err := NewPublisher(o)
	if err != nil {
		tb.Fatal(err)
	}
	stop := run(tb, p.Run)
	checkFor(tb, 10*time.Second, func() error {
		if p.Stats().Sweeps == 0 {
			return errors.New("publisher has not started")
		}
		return nil
	})
	return p, stop
}

// run starts fn in a goroutine; the returned stop cancels it, waits, and
// checks it returned nil. The test's cleanup calls stop too.
func run(tb testing.TB, fn func(context.Context) error) func() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- fn(ctx) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				tb.Errorf("Run returned %v", err)
			}
		})
	}
	tb.Cleanup(stop)
	return stop
}

// waitSweeps waits until p has run n more sweeps than it had.
func waitSweeps(tb testing.TB, p *Publisher, n uint64) {
	tb.Helper()
	target := p.Stats().Sweeps + n
	checkFor(tb, 10*time.Second, func() error {
		if got := p.Stats().Sweeps; got < target {
			return fmt.Errorf("%d sweeps, want %d", got, target)
		}
		return nil
	})
}

// checkFor polls f until it returns nil, failing the test with f's last
// error after total.
func checkFor(tb testing.TB, total time.Duration, f func() error) {
	tb.Helper()
	deadline := time.Now().Add(total)
	poll := time.Millisecond
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("after %s: %v", total, err)
		}
		time.Sleep(poll) // polling interval, not synchronisation
		poll = min(2*poll, 50*time.Millisecond)
	}
}

// memLog is an in-memory event log shared by the nodes of a test, like
// the store's events table: positions increase in commit order.
type memLog struct {
	mu     sync.Mutex
	events []cases.Event
	pos    int64
}

// Events implements Source.
func (l *memLog) Events(_ context.Context, after int64, limit int) ([]cases.Event, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	i, _ := slices.BinarySearchFunc(l.events, after+1, func(e cases.Event, p int64) int { return cmp.Compare(e.Pos, p) })
	return slices.Clone(l.events[i:min(i+limit, len(l.events))]), nil
}

// write commits events without telling any bus (a node that crashed, or
// whose Publisher is down), leaving a gap of one position before each
// batch as a rolled-back request would.
func (l *memLog) write(evs ...cases.Event) []cases.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pos++
	out := make([]cases.Event, len(evs))
	for i, e := range evs {
		l.pos++
		e.Pos = l.pos
		out[i] = e
		l.events = append(l.events, e)
	}
	return out
}

// commit writes events and publishes them on bus, as a store does.
func (l *memLog) commit(bus *stream.Bus, evs ...cases.Event) []cases.Event {
	out := l.write(evs...)
	bus.Publish(out)
	return out
}

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// ev is event seq of case id (content is irrelevant to the bridge).
func ev(id string, seq int) cases.Event {
	return cases.Event{CaseID: id, Seq: seq, Action: cases.ActionNote, Actor: "tester",
		At: t0.Add(time.Duration(seq) * time.Minute), From: cases.StateReceived, To: cases.StateReceived,
		Note: fmt.Sprintf("第%d条备注", seq)}
}

// interleave returns seq 1..n of each case, round robin.
func interleave(ids []string, n int) []cases.Event {
	var out []cases.Event
	for seq := 1; seq <= n; seq++ {
		for _, id := range ids {
			out = append(out, ev(id, seq))
		}
	}
	return out
}

// stored returns every message in the env's stream, in stream order.
func (e *env) stored(tb testing.TB) []*jetstream.RawStreamMsg {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := e.js.Stream(ctx, e.stream)
	if err != nil {
		tb.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	var out []*jetstream.RawStreamMsg
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if err != nil {
			tb.Fatalf("reading message %d: %v", seq, err)
		}
		out = append(out, m)
	}
	return out
}

// count is the number of messages in the env's stream.
func (e *env) count(tb testing.TB) uint64 {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := e.js.Stream(ctx, e.stream)
	if err != nil {
		tb.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	return info.State.Msgs
}

// waitCount waits until the stream holds want messages.
func (e *env) waitCount(tb testing.TB, want uint64) {
	tb.Helper()
	checkFor(tb, 15*time.Second, func() error {
		if got := e.count(tb); got != want {
			return fmt.Errorf("stream holds %d messages, want %d", got, want)
		}
		return nil
	})
}

// cursor reads the shared sweep cursor.
func (e *env) cursor(tb testing.TB) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	kv, err := e.js.KeyValue(ctx, e.bucket)
	if err != nil {
		tb.Fatal(err)
	}
	v, err := kv.Get(ctx, cursorKey(e.stream))
	if err != nil {
		tb.Fatal(err)
	}
	return string(v.Value())
}

// msgIDs counts the stored messages per dedupe id.
func msgIDs(msgs []*jetstream.RawStreamMsg) map[string]int {
	out := make(map[string]int)
	for _, m := range msgs {
		out[m.Header.Get(HeaderMsgID)]++
	}
	return out
}

// recorder is a Follower handler keeping what it accepted.
type recorder struct {
	mu  sync.Mutex
	evs []cases.Event
}

func (r *recorder) handle(e cases.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evs = append(r.evs, e)
	return nil
}

func (r *recorder) events() []cases.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.evs)
}

// waitLen waits until the recorder holds n events.
func (r *recorder) waitLen(tb testing.TB, n int) {
	tb.Helper()
	checkFor(tb, 15*time.Second, func() error {
		if got := len(r.events()); got != n {
			return fmt.Errorf("follower received %d events, want %d", got, n)
		}
		return nil
	})
}
