package natsbus

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"yiwang/internal/cases"
	"yiwang/internal/stream"
)

// Events committed on the local bus reach JetStream in commit order, one
// message each, with the dedupe id, origin, publisher and position headers,
// and the sweeps that follow add nothing but move the cursor to the head.
func TestLiveEventsInOrderWithHeaders(t *testing.T) {
	e := newEnv(t)
	log, bus := &memLog{}, stream.New()
	p, _ := startPublisher(t, e.pubOpts("node-a", log, bus))

	var want []cases.Event
	for _, batch := range [][]string{{"WH-20260302-000001", "WH-20260302-000002"}, {"WH-20260302-000003"}} {
		want = append(want, log.commit(bus, interleave(batch, 4)...)...)
	}
	e.waitCount(t, uint64(len(want)))
	waitSweeps(t, p, 3)

	msgs := e.stored(t)
	if len(msgs) != len(want) {
		t.Fatalf("after 3 more sweeps the stream holds %d messages, want %d", len(msgs), len(want))
	}
	for i, m := range msgs {
		w := want[i]
		checks := []struct{ name, got, want string }{
			{"subject", m.Subject, e.subject + "." + w.CaseID},
			{HeaderMsgID, m.Header.Get(HeaderMsgID), fmt.Sprintf("%s/%d", w.CaseID, w.Seq)},
			{HeaderOrigin, m.Header.Get(HeaderOrigin), "node-a"},
			{HeaderPublisher, m.Header.Get(HeaderPublisher), "node-a"},
			{HeaderPos, m.Header.Get(HeaderPos), strconv.FormatInt(w.Pos, 10)},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("message %d: %s = %q, want %q", i, c.name, c.got, c.want)
			}
		}
		got, err := decode(m.Data, m.Header.Get(HeaderMsgID))
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("message %d body = %+v, want %+v", i, got, w)
		}
	}
	if got, wantPos := e.cursor(t), strconv.FormatInt(want[len(want)-1].Pos, 10); got != wantPos {
		t.Errorf("cursor = %s, want the head %s", got, wantPos)
	}
	if s := p.Stats(); s.Stored != uint64(len(want)) || s.Duplicates != 0 {
		t.Errorf("stats %+v: want %d stored and no duplicate offered (sweeps skip live-acked events)", s, len(want))
	}
}

// A new Publisher with the same node id resumes at the cursor: it offers
// JetStream only the events committed while no Publisher ran.
func TestRestartResumesWithoutRepublishing(t *testing.T) {
	e := newEnv(t)
	log, bus := &memLog{}, stream.New()
	_, stop := startPublisher(t, e.pubOpts("node-a", log, bus))
	first := log.commit(bus, interleave([]string{"WH-1", "WH-2"}, 5)...)
	e.waitCount(t, uint64(len(first)))
	stop()

	down := log.write(ev("WH-2", 6), ev("WH-3", 1), ev("WH-2", 7), ev("WH-3", 2)) // committed while down

	p2, _ := startPublisher(t, e.pubOpts("node-a", log, bus))
	e.waitCount(t, uint64(len(first)+len(down)))
	waitSweeps(t, p2, 3)
	if n := e.count(t); n != uint64(len(first)+len(down)) {
		t.Fatalf("stream holds %d messages, want %d", n, len(first)+len(down))
	}
	if s := p2.Stats(); s.Stored != uint64(len(down)) || s.Duplicates != 0 {
		t.Errorf("restarted publisher stats %+v: want exactly the %d missed events offered", s, len(down))
	}
	msgs := e.stored(t)
	for i, m := range msgs[len(first):] {
		if id, want := m.Header.Get(HeaderMsgID), MsgID(down[i]); id != want {
			t.Errorf("caught-up message %d is %s, want %s", i, id, want)
		}
		if o := m.Header.Get(HeaderOrigin); o != "" {
			t.Errorf("caught-up message %d claims origin %q; a sweep cannot know it", i, o)
		}
	}
}

// The same event offered twice (live twice, then directly) is stored once.
func TestDuplicatePublishDropped(t *testing.T) {
	e := newEnv(t)
	log, bus := &memLog{}, stream.New()
	p, _ := startPublisher(t, e.pubOpts("node-a", log, bus))
	evs := log.commit(bus, ev("WH-9", 1))
	bus.Publish(evs) // a second delivery of the same committed event
	checkFor(t, 10*time.Second, func() error {
		if s := p.Stats(); s.Stored+s.Duplicates < 2 {
			return fmt.Errorf("stats %+v: both copies not acked yet", s)
		}
		return nil
	})
	m, err := encode(e.subject, evs[0], "someone", "someone")
	if err != nil {
		t.Fatal(err)
	}
	ack, err := e.js.PublishMsg(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	if !ack.Duplicate {
		t.Errorf("direct publish of %s was not reported as a duplicate", MsgID(evs[0]))
	}
	if s := p.Stats(); s.Stored != 1 || s.Duplicates != 1 {
		t.Errorf("stats %+v: want 1 stored, 1 duplicate", s)
	}
	if n := e.count(t); n != 1 {
		t.Errorf("stream holds %d messages, want 1", n)
	}
}

// A subscription that lags (buffer of one, events committed 50 at a time)
// loses events on the live path; the sweep still puts every one into
// JetStream exactly once.
func TestLaggedSubscriptionCaughtUp(t *testing.T) {
	e := newEnv(t)
	log, bus := &memLog{}, stream.New()
	o := e.pubOpts("node-a", log, bus)
	o.BusBuffer = 1
	p, _ := startPublisher(t, o)
	var all []cases.Event
	for b := range 4 {
		ids := []string{fmt.Sprintf("LAG-%d-A", b), fmt.Sprintf("LAG-%d-B", b)}
		all = append(all, log.commit(bus, interleave(ids, 25)...)...)
	}
	e.waitCount(t, uint64(len(all)))
	waitSweeps(t, p, 3)
	if p.Stats().Lags == 0 {
		t.Fatal("the subscription never lagged; the test does not test catching up")
	}
	msgs := e.stored(t)
	if len(msgs) != len(all) {
		t.Fatalf("stream holds %d messages, want %d", len(msgs), len(all))
	}
	ids := msgIDs(msgs)
	for _, ev := range all {
		if n := ids[MsgID(ev)]; n != 1 {
			t.Errorf("%s stored %d times, want once", MsgID(ev), n)
		}
	}
}

// Node B commits into the shared log and crashes before publishing; node
// A's sweep publishes B's events even though A's own later events moved
// past them, and the cursor ends at the head.
func TestCrashedNodeEventsAreSwept(t *testing.T) {
	e := newEnv(t)
	log, busA := &memLog{}, stream.New()
	p, _ := startPublisher(t, e.pubOpts("node-a", log, busA))
	lost := log.write(interleave([]string{"B-1", "B-2"}, 3)...) // B crashed before publishing
	mine := log.commit(busA, interleave([]string{"A-1"}, 3)...)
	e.waitCount(t, uint64(len(lost)+len(mine)))
	waitSweeps(t, p, 2)

	msgs := e.stored(t)
	ids := msgIDs(msgs)
	for _, ev := range append(lost, mine...) {
		if ids[MsgID(ev)] != 1 {
			t.Errorf("%s stored %d times, want once", MsgID(ev), ids[MsgID(ev)])
		}
	}
	for _, m := range msgs {
		wantOrigin := ""
		if m.Subject == e.subject+".A-1" {
			wantOrigin = "node-a"
		}
		if got := m.Header.Get(HeaderOrigin); got != wantOrigin {
			t.Errorf("%s: origin %q, want %q", m.Header.Get(HeaderMsgID), got, wantOrigin)
		}
	}
	if got, want := e.cursor(t), strconv.FormatInt(mine[len(mine)-1].Pos, 10); got != want {
		t.Errorf("cursor = %s, want %s", got, want)
	}
}

// The stream Run creates has the documented configuration.
func TestStreamConfig(t *testing.T) {
	e := newEnv(t)
	log, bus := &memLog{}, stream.New()
	startPublisher(t, e.pubOpts("node-a", log, bus))
	s, err := e.js.Stream(context.Background(), e.stream)
	if err != nil {
		t.Fatal(err)
	}
	c := s.CachedInfo().Config
	if c.Storage != jetstream.FileStorage || c.Duplicates != DefaultDuplicates ||
		!reflect.DeepEqual(c.Subjects, []string{e.subject + ".>"}) {
		t.Errorf("stream config: storage %v, dedupe %s, subjects %v", c.Storage, c.Duplicates, c.Subjects)
	}
}
