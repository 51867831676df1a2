package natsbus

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/stream"
)

// followOpts are a Follower's options in this env.
func (e *env) followOpts(node string, h func(cases.Event) error) FollowerOptions {
	return FollowerOptions{Conn: Conn{NC: e.nc}, Stream: e.stream, Subject: e.subject, Node: node, Handler: h}
}

func startFollower(tb testing.TB, o FollowerOptions) *Follower {
	tb.Helper()
	f, err := NewFollower(o)
	if err != nil {
		tb.Fatal(err)
	}
	run(tb, f.Run)
	return f
}

// checkPerCase fails unless got holds each event of want exactly once and
// each case's events in seq order.
func checkPerCase(t *testing.T, who string, got, want []cases.Event) {
	t.Helper()
	seen := make(map[string]int)
	last := make(map[string]int)
	for _, e := range got {
		seen[MsgID(e)]++
		if e.Seq != last[e.CaseID]+1 {
			t.Errorf("%s: %s after seq %d", who, MsgID(e), last[e.CaseID])
		}
		last[e.CaseID] = e.Seq
	}
	for _, e := range want {
		if seen[MsgID(e)] != 1 {
			t.Errorf("%s: received %s %d times, want once", who, MsgID(e), seen[MsgID(e)])
		}
	}
	if len(got) != len(want) {
		t.Errorf("%s: received %d events, want %d", who, len(got), len(want))
	}
}

// Nodes A and B share one log and each publishes its own commits; C's
// follower receives every event of both exactly once, in per-case order,
// and A's follower receives B's events but none of its own.
func TestFollowersAcrossNodes(t *testing.T) {
	e := newEnv(t)
	log, busA, busB := &memLog{}, stream.New(), stream.New()
	pa, _ := startPublisher(t, e.pubOpts("node-a", log, busA))
	pb, _ := startPublisher(t, e.pubOpts("node-b", log, busB))
	var onC, onA recorder
	fc := startFollower(t, e.followOpts("node-c", onC.handle))
	fa := startFollower(t, e.followOpts("node-a", onA.handle))

	var fromA, fromB, all []cases.Event
	// Each batch is stored before the next is committed, so no sweep can
	// reach an event before its node's live path (which would store it
	// without its origin, and then follower A would rightly receive it).
	for seq := 1; seq <= 4; seq++ {
		fromA = append(fromA, log.commit(busA, ev("A-1", seq), ev("A-2", seq))...)
		e.waitCount(t, uint64(len(fromA)+len(fromB)))
		fromB = append(fromB, log.commit(busB, ev("B-1", seq), ev("B-2", seq), ev("B-3", seq))...)
		e.waitCount(t, uint64(len(fromA)+len(fromB)))
	}
	all = append(append(all, fromA...), fromB...)
	onC.waitLen(t, len(all))
	onA.waitLen(t, len(fromB))
	waitSweeps(t, pa, 2) // both sweeps pass over everything; still nothing new
	waitSweeps(t, pb, 2)
	checkFor(t, 10*time.Second, func() error {
		if s := fa.Stats(); s.Skipped != uint64(len(fromA)) {
			return fmt.Errorf("follower A stats %+v: want %d own events skipped", s, len(fromA))
		}
		return nil
	})

	checkPerCase(t, "follower C", onC.events(), all)
	checkPerCase(t, "follower A", onA.events(), fromB)
	if n := e.count(t); n != uint64(len(all)) {
		t.Errorf("stream holds %d messages, want %d", n, len(all))
	}
	if s := fc.Stats(); s.Delivered != uint64(len(all)) || s.Skipped != 0 {
		t.Errorf("follower C stats %+v", s)
	}
}

// A handler error is retried with the same event before any later one.
func TestFollowerRetriesInOrder(t *testing.T) {
	e := newEnv(t)
	log, bus := &memLog{}, stream.New()
	startPublisher(t, e.pubOpts("node-a", log, bus))
	var rec recorder
	fails := 2
	var calls []string
	h := func(ev cases.Event) error {
		calls = append(calls, MsgID(ev)) // the handler runs on one goroutine
		if ev.CaseID == "R-1" && ev.Seq == 2 && fails > 0 {
			fails--
			return errors.New("rule engine busy")
		}
		return rec.handle(ev)
	}
	f := startFollower(t, e.followOpts("node-b", h))
	want := log.commit(bus, interleave([]string{"R-1", "R-2"}, 3)...)
	rec.waitLen(t, len(want))
	checkPerCase(t, "follower", rec.events(), want)
	if s := f.Stats(); s.Failures != 2 || s.Delivered != uint64(len(want)) {
		t.Errorf("stats %+v: want 2 failures, %d delivered", s, len(want))
	}
	// R-1/2 failed twice and was retried before anything after it.
	wantCalls := []string{"R-1/1", "R-2/1", "R-1/2", "R-1/2", "R-1/2", "R-2/2", "R-1/3", "R-2/3"}
	if fmt.Sprint(calls) != fmt.Sprint(wantCalls) {
		t.Errorf("handler calls %v, want %v", calls, wantCalls)
	}
}

// A message that is not an event is terminated, not delivered, and does
// not block the events after it.
func TestFollowerTerminatesMalformed(t *testing.T) {
	e := newEnv(t)
	var rec recorder
	f := startFollower(t, e.followOpts("node-b", rec.handle))
	checkFor(t, 10*time.Second, func() error { // the follower creates the stream
		_, err := e.js.Stream(t.Context(), e.stream)
		return err
	})
	if _, err := e.js.Publish(t.Context(), e.subject+".X-1", []byte(`{"case_id":`)); err != nil {
		t.Fatal(err)
	}
	m, err := encode(e.subject, ev("X-1", 1), "node-a", "node-a")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.js.PublishMsg(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	rec.waitLen(t, 1)
	if s := f.Stats(); s.Malformed != 1 || s.Delivered != 1 {
		t.Errorf("stats %+v: want 1 malformed, 1 delivered", s)
	}
}
