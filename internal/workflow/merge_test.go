package workflow

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/pgtest"
	"yiwang/internal/store"
	"yiwang/internal/store/sqlstore"
)

// mergeFixture is a parent case accepted by its unit, with the helpers
// the relay tests share.
type mergeFixture struct {
	*fixture
	parent cases.Case
	minute int
}

func newMergeFixture(t *testing.T, st store.Store) *mergeFixture {
	f := &mergeFixture{fixture: newFixture(t, st)}
	f.parent = f.dispatched("zhujian.420100")
	f.parent = f.do(f.parent.ID, f.next(), cases.Command{Action: cases.ActionAccept})
	return f
}

// next is one minute after the last instant it returned, from 11:00.
func (f *mergeFixture) next() time.Time {
	f.minute++
	return at(2025, 9, 29, 11, 0).Add(time.Duration(f.minute) * time.Minute)
}

// child creates a case and merges it into parent through the workflow.
func (f *mergeFixture) child(parent string) cases.Case {
	f.t.Helper()
	c := f.create(newCase("09", cases.SeverityNormal), f.next())
	return f.do(c.ID, f.next(), cases.Command{Action: cases.ActionMerge, Payload: cases.Payload{ParentID: parent}})
}

func (f *mergeFixture) resolve(reply string) {
	f.t.Helper()
	f.parent = f.do(f.parent.ID, f.next(), cases.Command{Action: cases.ActionResolve, Payload: cases.Payload{Reply: reply}})
}

// relays returns the relay events of a case's history.
func (f *mergeFixture) relays(id string) []cases.Event {
	f.t.Helper()
	var out []cases.Event
	for _, e := range f.history(id) {
		if e.Action == cases.ActionRelay {
			out = append(out, e)
		}
	}
	return out
}

// requireReply checks that case id has reply, got from parent by exactly
// relays relay events, the last one carrying it.
func (f *mergeFixture) requireReply(id, parent, reply string, relays int) {
	f.t.Helper()
	c, err := f.st.Get(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	if c.Reply != reply || c.State != cases.StateMerged || c.ParentID != parent {
		f.t.Fatalf("case %s: reply %q state %s parent %q; want reply %q, merged into %s", id, c.Reply, c.State, c.ParentID, reply, parent)
	}
	rs := f.relays(id)
	if len(rs) != relays {
		f.t.Fatalf("case %s has %d relays, want %d", id, len(rs), relays)
	}
	if relays == 0 {
		return
	}
	last := rs[len(rs)-1]
	if last.Actor != RelayActor || last.Payload.ParentID != parent || last.Payload.Reply != reply || !last.Payload.Automatic || last.To != cases.StateMerged {
		f.t.Fatalf("case %s: last relay %+v", id, last)
	}
}

// TestRelayReplyToMergedCases: two cases merged before the parent's
// resolve and one merged after it all get the reply; a case merged into
// a merged case gets it through that case; a second node, a retried relay
// and a catch-up append nothing more.
func TestRelayReplyToMergedCases(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		f := newMergeFixture(t, st)
		a, b := f.child(f.parent.ID), f.child(f.parent.ID)
		grand := f.child(a.ID) // merged into a case that is merged itself
		unrelated := f.create(newCase("09", cases.SeverityNormal), f.next())
		f.requireReply(a.ID, f.parent.ID, "", 0)
		f.requireReply(b.ID, f.parent.ID, "", 0)
		f.requireReply(grand.ID, a.ID, "", 0)
		const reply = "经现场核查，已更换路灯灯泡并恢复照明。"
		f.resolve(reply)
		f.requireReply(a.ID, f.parent.ID, reply, 1)
		f.requireReply(b.ID, f.parent.ID, reply, 1)
		f.requireReply(grand.ID, a.ID, reply, 1)
		late := f.child(f.parent.ID)
		f.requireReply(late.ID, f.parent.ID, reply, 1)
		if got := f.relays(unrelated.ID); len(got) != 0 {
			t.Fatalf("unrelated case got relays: %+v", got)
		}
		if p, _ := st.Get(f.ctx, f.parent.ID); p.Reply != reply || p.State != cases.StateResolved {
			t.Fatalf("parent: reply %q state %s", p.Reply, p.State)
		}

		// A second node over the same store, its catch-up, and the
		// first node's catch-up find nothing to do.
		w2, err := New(Options{Store: st, Engine: testEngine(t), Now: f.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		ids := []string{f.parent.ID, a.ID, b.ID, grand.ID, late.ID, unrelated.ID}
		before := f.eventCount(ids)
		for name, w := range map[string]*Workflow{"second node": w2, "first node": f.w} {
			rep, err := w.RelayReply(f.ctx, f.parent.ID)
			if err != nil || rep.Relayed != 0 || rep.Current != 3 {
				t.Fatalf("%s: RelayReply %+v, %v", name, rep, err)
			}
			if rep, err = w.CatchUpRelays(f.ctx); err != nil || rep.Relayed != 0 {
				t.Fatalf("%s: CatchUpRelays %+v, %v", name, rep, err)
			}
		}
		// A relay retried with its key (as a node that read the child
		// before the first relay would send it) appends nothing.
		src := f.history(f.parent.ID)[f.parent.Version-1]
		if src.Action != cases.ActionResolve {
			t.Fatalf("parent's last event is %s", src.Action)
		}
		c, ev, err := st.Transition(f.ctx, store.TransitionRequest{ID: b.ID, ExpectVersion: b.Version, IdempotencyKey: RelayKey(b.ID, src.Seq),
			Command: cases.Command{Action: cases.ActionRelay, Actor: RelayActor, Payload: cases.Payload{ParentID: f.parent.ID, Reply: reply}}})
		if err != nil || ev.Seq != b.Version+1 || c.Version != b.Version+1 {
			t.Fatalf("retried relay: event %d case v%d (merged at v%d), %v", ev.Seq, c.Version, b.Version, err)
		}
		if after := f.eventCount(ids); after != before {
			t.Fatalf("%d events appended by the second node, the catch-ups and a retried relay", after-before)
		}
	})
}

// eventCount is the number of events of the cases ids.
func (f *mergeFixture) eventCount(ids []string) int {
	n := 0
	for _, id := range ids {
		n += len(f.history(id))
	}
	return n
}

// TestRelayReopenedParent: a reopened and re-resolved parent relays its
// new reply (a new key); the children keep both relays in their history.
func TestRelayReopenedParent(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		f := newMergeFixture(t, st)
		a, b := f.child(f.parent.ID), f.child(f.parent.ID)
		f.resolve("第一次答复：已安排维修。")
		f.do(f.parent.ID, f.next(), cases.Command{Action: cases.ActionReopen, Note: "市民不满意"})
		// Reopened: the children keep the first reply until the next.
		f.requireReply(a.ID, f.parent.ID, "第一次答复：已安排维修。", 1)
		f.do(f.parent.ID, f.next(), cases.Command{Action: cases.ActionAccept})
		f.resolve("重办答复：已更换整组线路。")
		for _, id := range []string{a.ID, b.ID} {
			f.requireReply(id, f.parent.ID, "重办答复：已更换整组线路。", 2)
			rs := f.relays(id)
			if rs[0].Payload.Reply == rs[1].Payload.Reply {
				t.Fatalf("case %s: both relays carry %q", id, rs[0].Payload.Reply)
			}
		}
		// The same reply again (re-resolved with the same text) is not
		// relayed twice: the children have it.
		f.do(f.parent.ID, f.next(), cases.Command{Action: cases.ActionReopen})
		f.do(f.parent.ID, f.next(), cases.Command{Action: cases.ActionAccept})
		f.resolve("重办答复：已更换整组线路。")
		f.requireReply(a.ID, f.parent.ID, "重办答复：已更换整组线路。", 2)
	})
}

// TestRelayCatchUp: when the relays after a resolve or a merge were lost
// (the node stopped after the commit: here the events are written past
// the workflow), CatchUpRelays delivers them once, and a second catch-up
// reads no event again.
func TestRelayCatchUp(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		f := newMergeFixture(t, st)
		a, b := f.child(f.parent.ID), f.child(f.parent.ID)
		grand := f.child(a.ID)
		// The resolve commits; its relays never run.
		const reply = "已清理堆放垃圾。"
		if _, _, err := st.Transition(f.ctx, store.TransitionRequest{ID: f.parent.ID, At: f.next(),
			Command: cases.Command{Action: cases.ActionResolve, Actor: "handler", Payload: cases.Payload{Reply: reply}}}); err != nil {
			t.Fatal(err)
		}
		// A merge into the resolved parent commits; its relay never runs.
		late := f.create(newCase("09", cases.SeverityNormal), f.next())
		if _, _, err := st.Transition(f.ctx, store.TransitionRequest{ID: late.ID, At: f.next(),
			Command: cases.Command{Action: cases.ActionMerge, Actor: "dispatcher", Payload: cases.Payload{ParentID: f.parent.ID}}}); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{a.ID, b.ID, late.ID} {
			f.requireReply(id, f.parent.ID, "", 0)
		}
		rep, err := f.w.CatchUpRelays(f.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Relayed != 4 || rep.More {
			t.Fatalf("catch-up: %+v, want 4 relays (a, b, grand, late)", rep)
		}
		for _, id := range []string{a.ID, b.ID, late.ID} {
			f.requireReply(id, f.parent.ID, reply, 1)
		}
		f.requireReply(grand.ID, a.ID, reply, 1)
		doc, err := st.GetDocument(f.ctx, RelayCheckpointDocument)
		if err != nil {
			t.Fatalf("no checkpoint stored: %v", err)
		}
		rep, err = f.w.CatchUpRelays(f.ctx)
		if err != nil || rep.Events != 0 || rep.Relayed != 0 {
			t.Fatalf("second catch-up: %+v, %v", rep, err)
		}
		if again, _ := st.GetDocument(f.ctx, RelayCheckpointDocument); again.Version != doc.Version {
			t.Fatalf("an idle catch-up rewrote the checkpoint (v%d → v%d)", doc.Version, again.Version)
		}
		// Another node starting from no checkpoint reads every event again
		// and writes nothing.
		if err := st.DeleteDocument(f.ctx, RelayCheckpointDocument); err != nil {
			t.Fatal(err)
		}
		rep, err = f.w.CatchUpRelays(f.ctx)
		if err != nil || rep.Relayed != 0 || rep.Events == 0 || rep.Current == 0 {
			t.Fatalf("catch-up from the start: %+v, %v", rep, err)
		}
	})
}

// TestRelayCatchUpTwoNodes: two nodes over one database (SQLite, and
// PostgreSQL when reachable) catch up at the same time after lost relays;
// each child gets its reply once.
func TestRelayCatchUpTwoNodes(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testRelayCatchUpTwoNodes(t, "sqlite:"+filepath.Join(t.TempDir(), "shared.db")) })
	t.Run("postgres", func(t *testing.T) { testRelayCatchUpTwoNodes(t, pgtest.Database(t, "yiwang_relay")) })
}

// twoNodes opens two stores over the database at path, a merge fixture on
// the first and one workflow per store on the fixture's clock.
func twoNodes(t *testing.T, path string) (*mergeFixture, []store.Store, []*Workflow) {
	t.Helper()
	var stores []store.Store
	for range 2 {
		st, err := sqlstore.Open(t.Context(), path, sqlstore.Options{Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		stores = append(stores, st)
	}
	f := newMergeFixture(t, stores[0])
	var nodes []*Workflow
	for _, st := range stores {
		w, err := New(Options{Store: st, Engine: testEngine(t), Now: f.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, w)
	}
	return f, stores, nodes
}

func testRelayCatchUpTwoNodes(t *testing.T, path string) {
	f, stores, nodes := twoNodes(t, path)
	var kids []string
	for range 12 {
		kids = append(kids, f.child(f.parent.ID).ID)
	}
	if _, _, err := stores[0].Transition(f.ctx, store.TransitionRequest{ID: f.parent.ID, At: f.next(),
		Command: cases.Command{Action: cases.ActionResolve, Actor: "handler", Payload: cases.Payload{Reply: "已处理"}}}); err != nil {
		t.Fatal(err)
	}
	reps := catchUpAtOnce(t, f.ctx, nodes)
	// A node whose keyed relay found the other node's event counts it
	// too (the store answers both alike); the histories show what was
	// appended: one relay per child.
	if got := reps[0].Relayed + reps[1].Relayed; got < len(kids) {
		t.Fatalf("the nodes relayed %d times for %d children (%+v, %+v)", got, len(kids), reps[0], reps[1])
	}
	for _, id := range kids {
		f.requireReply(id, f.parent.ID, "已处理", 1)
	}
}

// TestRelayCheckpointMoves: the checkpoint keeps per action the position of
// the last event read, and a later catch-up reads only newer events.
// catchUpAtOnce runs CatchUpRelays on every node at the same moment and
// returns their reports, failing t on any error.
func catchUpAtOnce(t *testing.T, ctx context.Context, nodes []*Workflow) []RelayReport {
	t.Helper()
	reps := make([]RelayReport, len(nodes))
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, w := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			reps[i], errs[i] = w.CatchUpRelays(ctx)
		}()
	}
	close(start)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return reps
}

func TestRelayCheckpointMoves(t *testing.T) {
	f := newMergeFixture(t, newFakeStore())
	f.child(f.parent.ID)
	f.resolve("好")
	if _, err := f.w.CatchUpRelays(f.ctx); err != nil {
		t.Fatal(err)
	}
	other := newMergeFixture(t, f.st)
	rep, err := f.w.CatchUpRelays(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	// other's parent was created and dispatched, not resolved or merged:
	// nothing new to read.
	if rep.Events != 0 {
		t.Fatalf("catch-up read %d events again", rep.Events)
	}
	kid := other.child(other.parent.ID)
	rep, err = f.w.CatchUpRelays(f.ctx)
	if err != nil || rep.Events != 1 || rep.Relayed != 0 {
		t.Fatalf("after one merge into an unresolved parent: %+v, %v", rep, err)
	}
	if !slices.ContainsFunc(f.history(kid.ID), func(e cases.Event) bool { return e.Action == cases.ActionMerge }) {
		t.Fatal("the merge is missing")
	}
}

// gatedHistory is a store whose History waits for gate to close: a node
// that has read a parent's children but not yet the parent.
type gatedHistory struct {
	store.Store
	gate    chan struct{}
	reached chan struct{}
	once    sync.Once
}

func (g *gatedHistory) History(ctx context.Context, id string) ([]cases.Event, error) {
	g.once.Do(func() { close(g.reached) })
	<-g.gate
	return g.Store.History(ctx, id)
}

// TestRelayRaceSameKey: a second node that read the children before the
// first node relayed sends the same keyed relay afterwards; the store
// answers it with the first node's event and appends nothing.
// raceRelay makes a second node over st list the parent's children and
// stop there (gatedHistory), relays from f's node meanwhile (ok checks its
// report), then lets the second node finish and returns its report.
func raceRelay(t *testing.T, f *mergeFixture, st store.Store, ok func(RelayReport) bool) RelayReport {
	t.Helper()
	g := &gatedHistory{Store: st, gate: make(chan struct{}), reached: make(chan struct{})}
	w2, err := New(Options{Store: g, Engine: testEngine(t), Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	var rep2 RelayReport
	go func() {
		var err error
		rep2, err = w2.RelayReply(f.ctx, f.parent.ID)
		done <- err
	}()
	<-g.reached // node 2 has listed the children, as they were before node 1's relay
	rep1, err := f.w.RelayReply(f.ctx, f.parent.ID)
	if err != nil || !ok(rep1) {
		t.Fatalf("node 1: %+v, %v", rep1, err)
	}
	close(g.gate)
	if err := <-done; err != nil {
		t.Fatalf("node 2: %v", err)
	}
	return rep2
}

func TestRelayRaceSameKey(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		f := newMergeFixture(t, st)
		kid := f.child(f.parent.ID)
		if _, _, err := st.Transition(f.ctx, store.TransitionRequest{ID: f.parent.ID, At: f.next(),
			Command: cases.Command{Action: cases.ActionResolve, Actor: "handler", Payload: cases.Payload{Reply: "已处理"}}}); err != nil {
			t.Fatal(err)
		}
		rep2 := raceRelay(t, f, st, func(rep1 RelayReport) bool { return rep1.Relayed == 1 })
		if rep2.Current != 0 {
			t.Fatalf("node 2 saw the reply (%+v): the race was not reproduced", rep2)
		}
		f.requireReply(kid.ID, f.parent.ID, "已处理", 1)
	})
}
