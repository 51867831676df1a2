package workflow

import (
	"path/filepath"
	"testing"

	"yiwang/internal/cases"
	"yiwang/internal/pgtest"
	"yiwang/internal/store"
)

const voidReason = "重复受理，经核实为误报"

// mergedChild creates a case of category cat and merges it into parent
// through the workflow; held puts it in the low-confidence queue first
// (the platform's classification note), as an unsure classifier would.
func (f *mergeFixture) mergedChild(cat, parent string, held bool) cases.Case {
	f.t.Helper()
	c := f.create(newCase(cat, cases.SeverityNormal), f.next())
	if held {
		c = f.do(c.ID, f.next(), cases.Command{Action: cases.ActionNote, Actor: SystemActor, Note: "分类置信度不足",
			Payload: cases.Payload{Automatic: true, Queue: cases.QueueLowConfidence,
				Suggestions: []cases.Suggestion{{Category: "0102", Confidence: 0.4}, {Category: "09", Confidence: 0.3}}}})
	}
	return f.do(c.ID, f.next(), cases.Command{Action: cases.ActionMerge, Payload: cases.Payload{ParentID: parent}})
}

// voidPast voids the parent in the store only, as a node that stopped
// right after the void committed leaves it.
func (f *mergeFixture) voidPast() {
	f.t.Helper()
	p, _, err := f.st.Transition(f.ctx, store.TransitionRequest{ID: f.parent.ID, At: f.next(),
		Command: cases.Command{Action: cases.ActionVoid, Actor: "dispatcher", Payload: cases.Payload{Reason: voidReason}}})
	if err != nil {
		f.t.Fatal(err)
	}
	f.parent = p
}

// requireDetached checks that case id was detached from parent exactly
// once by the platform and followed by exactly one event (the automatic
// dispatch or the note of the queue it waits in), and returns the case.
func (f *mergeFixture) requireDetached(id, parent string) cases.Case {
	f.t.Helper()
	hist := f.history(id)
	var detach []int
	for i, e := range hist {
		if e.Action == cases.ActionDetach {
			detach = append(detach, i)
		}
	}
	if len(detach) != 1 {
		f.t.Fatalf("case %s has %d detach events, want 1", id, len(detach))
	}
	d := hist[detach[0]]
	if d.Actor != RelayActor || !d.Payload.Automatic || d.Payload.ParentID != parent || d.From != cases.StateMerged ||
		d.To != cases.StateReceived || d.Payload.Reason != "parent "+parent+" voided: "+voidReason {
		f.t.Fatalf("case %s: detach event %+v", id, d)
	}
	if after := hist[detach[0]+1:]; len(after) != 1 || after[0].Actor != SystemActor ||
		(after[0].Action != cases.ActionDispatch && after[0].Action != cases.ActionNote) {
		f.t.Fatalf("case %s: %d events after its detach, want the one automatic dispatch or note: %+v", id, len(after), after)
	}
	c, err := f.st.Get(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	if c.ParentID != "" || c.Reply != "" || !c.Open() {
		f.t.Fatalf("case %s after detach: parent %q reply %q state %s", id, c.ParentID, c.Reply, c.State)
	}
	return c
}

// TestDetachVoidedParent: voiding a parent detaches each case merged into
// it, once, back to where a new case would wait (dispatched by the rule
// that covers it, the manual queue, the low-confidence queue it waited
// in); a case merged into a child stays merged into it and gets its reply
// when the child, handled on its own, is resolved; a case merged into
// the voided parent afterwards is detached at once; a second node and the
// catch-ups append nothing more.
func TestDetachVoidedParent(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		f := newMergeFixture(t, st)
		ruled := f.mergedChild("01", f.parent.ID, false) // a rule dispatches category 01
		manual := f.mergedChild("09", f.parent.ID, false)
		held := f.mergedChild("09", f.parent.ID, true)
		grand := f.mergedChild("09", ruled.ID, false)
		f.parent = f.do(f.parent.ID, f.next(), cases.Command{Action: cases.ActionVoid, Payload: cases.Payload{Reason: voidReason}})

		if c := f.requireDetached(ruled.ID, f.parent.ID); c.State != cases.StateDispatched || c.Unit != "zhujian.420100" || c.Deadlines.Resolve == nil {
			t.Fatalf("ruled child: state %s unit %q deadlines %+v, want dispatched to zhujian.420100", c.State, c.Unit, c.Deadlines)
		}
		if c := f.requireDetached(manual.ID, f.parent.ID); c.State != cases.StateReceived || c.Queue != "" || c.Unit != "" {
			t.Fatalf("manual child: state %s queue %q unit %q, want received in the manual queue", c.State, c.Queue, c.Unit)
		}
		if c := f.requireDetached(held.ID, f.parent.ID); c.State != cases.StateReceived || c.Queue != cases.QueueLowConfidence || len(c.Suggestions) != 2 {
			t.Fatalf("held child: state %s queue %q suggestions %v, want back in %s", c.State, c.Queue, c.Suggestions, cases.QueueLowConfidence)
		}
		f.requireReply(grand.ID, ruled.ID, "", 0)
		late := f.mergedChild("09", f.parent.ID, false)
		f.requireDetached(late.ID, f.parent.ID)

		w2, err := New(Options{Store: st, Engine: testEngine(t), Now: f.clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		ids := []string{f.parent.ID, ruled.ID, manual.ID, held.ID, grand.ID, late.ID}
		before := f.eventCount(ids)
		for name, w := range map[string]*Workflow{"second node": w2, "first node": f.w} {
			if rep, err := w.RelayReply(f.ctx, f.parent.ID); err != nil || rep.Detached != 0 || rep.Relayed != 0 {
				t.Fatalf("%s: RelayReply %+v, %v", name, rep, err)
			}
			if rep, err := w.CatchUpRelays(f.ctx); err != nil || rep.Detached != 0 || rep.Relayed != 0 {
				t.Fatalf("%s: CatchUpRelays %+v, %v", name, rep, err)
			}
		}
		if after := f.eventCount(ids); after != before {
			t.Fatalf("%d events appended by a second node and the catch-ups", after-before)
		}

		// The detached cases are handled normally: the ruled one is
		// resolved and its reply goes to the case merged into it.
		f.do(ruled.ID, f.next(), cases.Command{Action: cases.ActionAccept})
		const reply = "已单独核查处理：路灯已修复。"
		f.do(ruled.ID, f.next(), cases.Command{Action: cases.ActionResolve, Payload: cases.Payload{Reply: reply}})
		f.requireReply(grand.ID, ruled.ID, reply, 1)
		for _, cmd := range []cases.Command{{Action: cases.ActionDispatch, Payload: cases.Payload{Unit: "zhujian.420100"}},
			{Action: cases.ActionAccept}, {Action: cases.ActionResolve, Payload: cases.Payload{Reply: "已处理"}}, {Action: cases.ActionClose}} {
			f.do(manual.ID, f.next(), cmd)
		}
		if c, _ := st.Get(f.ctx, manual.ID); c.State != cases.StateClosed || c.Reply != "已处理" {
			t.Fatalf("manual child handled after detach: state %s reply %q", c.State, c.Reply)
		}
	})
}

// TestDetachRaceSameKey: a second node that read the children before the
// first node detached them sends the same keyed detach afterwards; the
// store answers it with the first node's event, and the child is
// detached and dispatched once.
func TestDetachRaceSameKey(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		f := newMergeFixture(t, st)
		kid := f.mergedChild("01", f.parent.ID, false)
		f.voidPast()
		rep2 := raceRelay(t, f, st, func(rep1 RelayReport) bool { return rep1.Detached == 1 })
		if rep2.Detached+rep2.Replayed != 1 {
			t.Fatalf("node 2 did not send the detach (%+v): the race was not reproduced", rep2)
		}
		if c := f.requireDetached(kid.ID, f.parent.ID); c.State != cases.StateDispatched {
			t.Fatalf("child state %s, want dispatched", c.State)
		}
	})
}

// TestDetachCatchUp: when a node stopped after the void committed (no
// detach) or after a detach (no dispatch), CatchUpRelays delivers what is
// missing once, and a second catch-up reads nothing again.
func TestDetachCatchUp(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		f := newMergeFixture(t, st)
		a, b := f.mergedChild("01", f.parent.ID, false), f.mergedChild("09", f.parent.ID, false)
		c := f.mergedChild("01", f.parent.ID, false)
		f.voidPast()
		// c's detach committed; its dispatch never ran.
		if _, _, err := st.Transition(f.ctx, store.TransitionRequest{ID: c.ID, At: f.next(), ExpectVersion: c.Version,
			IdempotencyKey: DetachKey(c.ID, f.parent.Version, c.Version),
			Command: cases.Command{Action: cases.ActionDetach, Actor: RelayActor,
				Payload: cases.Payload{ParentID: f.parent.ID, Reason: DetachReason(f.parent.ID, voidReason), Automatic: true}}}); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{a.ID, b.ID} {
			if got, _ := st.Get(f.ctx, id); got.State != cases.StateMerged {
				t.Fatalf("case %s is %s before the catch-up", id, got.State)
			}
		}
		rep, err := f.w.CatchUpRelays(f.ctx)
		if err != nil || rep.Detached != 2 || rep.More {
			t.Fatalf("catch-up: %+v, %v; want 2 detaches (a, b)", rep, err)
		}
		for _, id := range []string{a.ID, c.ID} {
			if got := f.requireDetached(id, f.parent.ID); got.State != cases.StateDispatched {
				t.Fatalf("case %s is %s, want dispatched", id, got.State)
			}
		}
		f.requireDetached(b.ID, f.parent.ID)
		rep, err = f.w.CatchUpRelays(f.ctx)
		if err != nil || rep.Events != 0 || rep.Detached != 0 {
			t.Fatalf("second catch-up: %+v, %v", rep, err)
		}
	})
}

// TestDetachCatchUpTwoNodes: two nodes over one database (SQLite, and
// PostgreSQL when reachable) catch up at the same time after a void whose
// detaches were lost; each child is detached and dispatched once.
func TestDetachCatchUpTwoNodes(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testDetachCatchUpTwoNodes(t, "sqlite:"+filepath.Join(t.TempDir(), "shared.db")) })
	t.Run("postgres", func(t *testing.T) { testDetachCatchUpTwoNodes(t, pgtest.Database(t, "yiwang_detach")) })
}

func testDetachCatchUpTwoNodes(t *testing.T, path string) {
	f, _, nodes := twoNodes(t, path)
	var kids []string
	for i := range 10 {
		kids = append(kids, f.mergedChild([]string{"01", "09"}[i%2], f.parent.ID, false).ID)
	}
	f.voidPast()
	reps := catchUpAtOnce(t, f.ctx, nodes)
	if got := reps[0].Detached + reps[1].Detached; got < len(kids) {
		t.Fatalf("the nodes detached %d times for %d children (%+v, %+v)", got, len(kids), reps[0], reps[1])
	}
	for _, id := range kids {
		f.requireDetached(id, f.parent.ID)
	}
}
