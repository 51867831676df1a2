package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

func supervise(level int) cases.Command {
	return cases.Command{Action: cases.ActionSupervise, Actor: "scheduler", Payload: cases.Payload{Clock: cases.ClockResolve, Level: level, Automatic: true}}
}

func testTransitionIdempotency(t *testing.T, open Opener) {
	s := open(t, nil)
	c := mustCreate(t, s, simpleCase("幂等流转"), t0)
	other := mustCreate(t, s, simpleCase("另一件"), t0)
	dispatch := store.TransitionRequest{ID: c.ID, At: t0.Add(time.Minute), ExpectVersion: 1, IdempotencyKey: "dispatch-1",
		Command: cases.Command{Action: cases.ActionDispatch, Actor: "d", Payload: cases.Payload{Unit: "u1"}}}
	first, ev, err := s.Transition(ctxT(t), dispatch)
	if err != nil {
		t.Fatalf("first dispatch: %v", err)
	}
	if ev.Seq != 2 || ev.Pos <= 0 || first.Version != 2 {
		t.Fatalf("first dispatch: event %+v, case version %d", ev, first.Version)
	}
	now := mustTransition(t, s, c.ID, cases.Command{Action: cases.ActionNote, Note: "之后的备注"}, t0.Add(2*time.Minute))

	// The retry (even with its now stale ExpectVersion) appends nothing and
	// answers with the case as it is now and the first event.
	again, ev2, err := s.Transition(ctxT(t), dispatch)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	requireJSONEq(t, "event of the retry", ev2, ev)
	requireJSONEq(t, "case of the retry", again, now)

	conflicts := []struct {
		name string
		req  store.TransitionRequest
	}{
		{"other action", store.TransitionRequest{ID: c.ID, IdempotencyKey: "dispatch-1", Command: cases.Command{Action: cases.ActionAccept, Actor: "x"}}},
		{"other case", store.TransitionRequest{ID: other.ID, IdempotencyKey: "dispatch-1", Command: dispatch.Command}},
	}
	for _, tt := range conflicts {
		if _, _, err := s.Transition(ctxT(t), tt.req); !errors.Is(err, store.ErrIdempotencyConflict) {
			t.Errorf("%s: err = %v, want ErrIdempotencyConflict", tt.name, err)
		}
	}
	// Create keys and transition keys share one namespace.
	if _, _, err := s.Create(ctxT(t), store.CreateRequest{Case: simpleCase("x"), Actor: "a", IdempotencyKey: "dispatch-1", RequestHash: "h"}); !errors.Is(err, store.ErrIdempotencyConflict) {
		t.Errorf("create with a transition's key: err = %v, want ErrIdempotencyConflict", err)
	}
	keyed, _, err := s.Create(ctxT(t), store.CreateRequest{Case: simpleCase("带键新建"), Actor: "a", At: t0, IdempotencyKey: "create-1", RequestHash: "h"})
	if err != nil {
		t.Fatal(err)
	}
	note := cases.Command{Action: cases.ActionNote, Actor: "x", Note: "n"}
	if _, _, err := s.Transition(ctxT(t), store.TransitionRequest{ID: keyed.ID, IdempotencyKey: "create-1", Command: note}); !errors.Is(err, store.ErrIdempotencyConflict) {
		t.Errorf("transition with a create's key: err = %v, want ErrIdempotencyConflict", err)
	}

	// A refused transition does not use up its key.
	accept := store.TransitionRequest{ID: other.ID, IdempotencyKey: "accept-other", At: t0.Add(time.Minute), Command: cases.Command{Action: cases.ActionAccept, Actor: "x"}}
	if _, _, err := s.Transition(ctxT(t), accept); !errors.Is(err, cases.ErrTransition) {
		t.Fatalf("accept from received: err = %v", err)
	}
	mustTransition(t, s, other.ID, cases.Command{Action: cases.ActionDispatch, Payload: cases.Payload{Unit: "u2"}}, t0.Add(time.Minute))
	if got, _, err := s.Transition(ctxT(t), accept); err != nil || got.State != cases.StateAccepted {
		t.Fatalf("accept after dispatch with the refused request's key: %s, %v", got.State, err)
	}

	h, err := s.History(ctxT(t), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 3 {
		t.Fatalf("history %s, want create, dispatch, note", describe(h))
	}
	if n := len(allEvents(t, s)); n != 3+3+1 {
		t.Fatalf("%d events stored, want 7", n)
	}
}

// testTransitionIdempotencyConcurrent races keyed escalations of one case,
// as several scheduler goroutines would: each key appends one event.
func testTransitionIdempotencyConcurrent(t *testing.T, open Opener) {
	s := open(t, nil)
	c := mustCreate(t, s, simpleCase("并发督办"), t0)
	raceKeyed(t, []store.Store{s}, c.ID, 3, 30)
}

// raceKeyed sends n keyed supervisions of case id spread over stores, with
// keys levels distinct keys, and checks every key appended exactly one
// event that every racer sharing the key was answered with.
func raceKeyed(t *testing.T, stores []store.Store, id string, levels, n int) {
	t.Helper()
	before, err := stores[0].History(ctxT(t), id)
	if err != nil {
		t.Fatal(err)
	}
	evs := make([]cases.Event, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			level := i%levels + 1
			_, evs[i], errs[i] = stores[i%len(stores)].Transition(ctxT(t), store.TransitionRequest{ID: id, At: t0.Add(time.Hour),
				IdempotencyKey: fmt.Sprintf("esc/%s/%s/%d", id, cases.ClockResolve, level), Command: supervise(level)})
		}()
	}
	close(start)
	wg.Wait()
	byLevel := map[int]cases.Event{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("racer %d: %v", i, errs[i])
		}
		level := i%levels + 1
		if evs[i].Payload.Level != level {
			t.Fatalf("racer %d (level %d) answered with event %+v", i, level, evs[i])
		}
		if first, ok := byLevel[level]; ok && (first.Seq != evs[i].Seq || first.Pos != evs[i].Pos) {
			t.Fatalf("level %d answered with events %d/%d and %d/%d", level, first.Seq, first.Pos, evs[i].Seq, evs[i].Pos)
		}
		byLevel[level] = evs[i]
	}
	for _, s := range stores {
		h, err := s.History(ctxT(t), id)
		if err != nil {
			t.Fatal(err)
		}
		if len(h) != len(before)+levels {
			t.Fatalf("history after the race: %s, want %d supervisions appended", describe(h), levels)
		}
		checkSeqs(t, id, h)
	}
}
