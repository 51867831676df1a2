package storetest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/cases/casestest"
	"yiwang/internal/store"
)

func testLifecycle(t *testing.T, open Opener) {
	s := open(t, nil)
	c := mustCreate(t, s, fullCase("井盖缺失"), t0)
	due := t0.Add(48 * time.Hour)
	steps := []struct {
		cmd  cases.Command
		want cases.State
	}{
		{cases.Command{Action: cases.ActionDispatch, Payload: cases.Payload{Unit: "wh-cg", Deadlines: &cases.Deadlines{Resolve: &due}}}, cases.StateDispatched},
		{cases.Command{Action: cases.ActionAccept}, cases.StateAccepted},
		{cases.Command{Action: cases.ActionStart}, cases.StateInProgress},
		{cases.Command{Action: cases.ActionResolve, Payload: cases.Payload{Reply: "已补装井盖"}}, cases.StateResolved},
		{cases.Command{Action: cases.ActionVerify, Payload: cases.Payload{Satisfaction: cases.Satisfied}}, cases.StateVerified},
		{cases.Command{Action: cases.ActionClose}, cases.StateClosed},
	}
	for i, st := range steps {
		at := t0.Add(time.Duration(i+1) * time.Hour)
		got := mustTransition(t, s, c.ID, st.cmd, at)
		if got.State != st.want || got.Version != i+2 || !got.UpdatedAt.Equal(at) {
			t.Fatalf("after %s: state %s version %d updated %v, want %s %d %v", st.cmd.Action, got.State, got.Version, got.UpdatedAt, st.want, i+2, at)
		}
	}
	got, err := s.Get(ctxT(t), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != cases.StateClosed || got.Unit != "wh-cg" || got.Reply != "已补装井盖" || got.Satisfaction != cases.Satisfied || got.Version != 7 {
		t.Fatalf("final case: %+v", got)
	}
	if got.Deadlines.Resolve == nil || !got.Deadlines.Resolve.Equal(due) {
		t.Fatalf("resolve deadline = %v, want %v", got.Deadlines.Resolve, due)
	}
	h, err := s.History(ctxT(t), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 7 {
		t.Fatalf("history has %d events, want 7", len(h))
	}
	checkSeqs(t, c.ID, h)
	for i, st := range steps {
		if e := h[i+1]; e.Action != st.cmd.Action || e.To != st.want || e.Actor != "tester" {
			t.Fatalf("event %d = %+v, want %s to %s", i+2, e, st.cmd.Action, st.want)
		}
	}
}

func testIllegalTransition(t *testing.T, open Opener) {
	s := open(t, nil)
	c := mustCreate(t, s, simpleCase("非法操作"), t0)
	tests := []cases.Command{
		{Action: cases.ActionAccept, Actor: "x"},
		{Action: cases.ActionResolve, Actor: "x", Payload: cases.Payload{Reply: "r"}},
		{Action: cases.ActionDispatch, Actor: "x"}, // no unit
	}
	for _, cmd := range tests {
		_, _, err := s.Transition(ctxT(t), store.TransitionRequest{ID: c.ID, Command: cmd, At: t0})
		if !errors.Is(err, cases.ErrTransition) {
			t.Errorf("%s from received: err = %v, want ErrTransition", cmd.Action, err)
		}
	}
	h, err := s.History(ctxT(t), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 1 {
		t.Fatalf("refused transitions appended events: %s", describe(h))
	}
	if got, _ := s.Get(ctxT(t), c.ID); got.Version != 1 || got.State != cases.StateReceived {
		t.Fatalf("refused transitions changed the case: %+v", got)
	}
}

func testExpectVersion(t *testing.T, open Opener) {
	s := open(t, nil)
	c := mustCreate(t, s, simpleCase("版本"), t0)
	cmd := cases.Command{Action: cases.ActionDispatch, Actor: "x", Payload: cases.Payload{Unit: "u1"}}
	if _, _, err := s.Transition(ctxT(t), store.TransitionRequest{ID: c.ID, Command: cmd, ExpectVersion: 2}); !errors.Is(err, store.ErrVersionConflict) {
		t.Fatalf("expect version 2 on version 1: err = %v, want ErrVersionConflict", err)
	}
	got, ev, err := s.Transition(ctxT(t), store.TransitionRequest{ID: c.ID, Command: cmd, ExpectVersion: 1, At: t0.Add(time.Minute)})
	if err != nil {
		t.Fatalf("expect version 1 on version 1: %v", err)
	}
	if got.Version != 2 || ev.Seq != 2 || ev.Pos <= 0 || ev.CaseID != c.ID {
		t.Fatalf("case version %d, event %+v", got.Version, ev)
	}
	if h, _ := s.History(ctxT(t), c.ID); len(h) != 2 {
		t.Fatalf("history: %s", describe(h))
	}
}

func testNotFound(t *testing.T, open Opener) {
	s := open(t, nil)
	mustCreate(t, s, simpleCase("存在"), t0)
	const id = "WH-19990101-000001"
	if _, err := s.Get(ctxT(t), id); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get: err = %v, want ErrNotFound", err)
	}
	if _, err := s.History(ctxT(t), id); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("History: err = %v, want ErrNotFound", err)
	}
	cmd := cases.Command{Action: cases.ActionNote, Actor: "x", Note: "n"}
	if _, _, err := s.Transition(ctxT(t), store.TransitionRequest{ID: id, Command: cmd}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Transition: err = %v, want ErrNotFound", err)
	}
}

func testConcurrentTransitions(t *testing.T, open Opener) {
	s := open(t, nil)
	c := mustCreate(t, s, simpleCase("并发"), t0)
	mustTransition(t, s, c.ID, cases.Command{Action: cases.ActionDispatch, Payload: cases.Payload{Unit: "u1"}}, t0)
	// Accept is legal once: exactly one of the racers wins.
	const n = 20
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = s.Transition(ctxT(t), store.TransitionRequest{ID: c.ID, Command: cases.Command{Action: cases.ActionAccept, Actor: fmt.Sprint("u", i)}, At: t0})
		}()
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, cases.ErrTransition):
			t.Fatalf("accept race: unexpected error %v", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d accepts won, want exactly 1", wins)
	}
	// Notes are always legal: every one wins, each with its own seq.
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, errs[i] = s.Transition(ctxT(t), store.TransitionRequest{ID: c.ID, Command: cases.Command{Action: cases.ActionNote, Actor: "x", Note: fmt.Sprint("note ", i)}, At: t0})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("note %d: %v", i, err)
		}
	}
	h, err := s.History(ctxT(t), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 3+n {
		t.Fatalf("history has %d events, want %d", len(h), 3+n)
	}
	checkSeqs(t, c.ID, h)
	got, _ := s.Get(ctxT(t), c.ID)
	if got.Version != len(h) || got.State != cases.StateAccepted {
		t.Fatalf("case at version %d in %s, want %d accepted", got.Version, got.State, len(h))
	}
}

// buildRandom creates a case and drives it through up to steps random legal
// transitions, returning its final state as the store reported it.
func buildRandom(t *testing.T, s store.Store, r *rand.Rand, title string, steps int) (cases.Case, error) {
	c, _, err := s.Create(ctxT(t), store.CreateRequest{Case: fullCase(title), Actor: "a", At: t0})
	if err != nil {
		return c, err
	}
	for i := range steps {
		at := t0.Add(time.Duration(i+1) * time.Minute)
		cmd, ok := casestest.RandomCommand(&c, r, at)
		if !ok {
			break
		}
		next, ev, err := s.Transition(ctxT(t), store.TransitionRequest{ID: c.ID, Command: cmd, At: at})
		if err != nil {
			return c, fmt.Errorf("%s from %s: %w", cmd.Action, c.State, err)
		}
		if ev.Seq != c.Version+1 {
			return c, fmt.Errorf("event seq %d after version %d", ev.Seq, c.Version)
		}
		c = next
	}
	return c, nil
}

func testProjectionEqualsReplay(t *testing.T, open Opener) {
	s := open(t, nil)
	const n = 200
	finals := make([]cases.Case, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(i), 7))
			finals[i], errs[i] = buildRandom(t, s, r, fmt.Sprint("随机 ", i), 1+r.IntN(25))
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("history %d: %v", i, errs[i])
		}
		id := finals[i].ID
		got, err := s.Get(ctxT(t), id)
		if err != nil {
			t.Fatal(err)
		}
		h, err := s.History(ctxT(t), id)
		if err != nil {
			t.Fatal(err)
		}
		checkSeqs(t, id, h)
		replayed, err := cases.Replay(h)
		if err != nil {
			t.Fatalf("case %s: stored history does not replay: %v", id, err)
		}
		requireJSONEq(t, "projection vs replay of "+id, got, replayed)
		requireJSONEq(t, "projection vs last transition result of "+id, got, finals[i])
	}
}

func testClosed(t *testing.T, open Opener) {
	s := open(t, nil)
	c := mustCreate(t, s, simpleCase("关闭前"), t0)
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	ctx := ctxT(t)
	if _, _, err := s.Create(ctx, store.CreateRequest{Case: simpleCase("x"), Actor: "a"}); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Create: err = %v", err)
	}
	if _, _, err := s.Transition(ctx, store.TransitionRequest{ID: c.ID, Command: cases.Command{Action: cases.ActionNote, Actor: "a", Note: "n"}}); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Transition: err = %v", err)
	}
	if _, err := s.Get(ctx, c.ID); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Get: err = %v", err)
	}
	if _, err := s.History(ctx, c.ID); !errors.Is(err, store.ErrClosed) {
		t.Errorf("History: err = %v", err)
	}
	if _, err := s.List(ctx, store.Filter{}); !errors.Is(err, store.ErrClosed) {
		t.Errorf("List: err = %v", err)
	}
	if _, err := s.Events(ctx, 0, 10); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Events: err = %v", err)
	}
	if err := s.Import(ctx, nil); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Import: err = %v", err)
	}
	if _, err := s.EventsByAction(ctx, cases.ActionCreate, 0, 10); !errors.Is(err, store.ErrClosed) {
		t.Errorf("EventsByAction: err = %v", err)
	}
	if _, err := s.GetDocument(ctx, "d"); !errors.Is(err, store.ErrClosed) {
		t.Errorf("GetDocument: err = %v", err)
	}
	if _, err := s.PutDocument(ctx, store.Document{Name: "d"}, 0); !errors.Is(err, store.ErrClosed) {
		t.Errorf("PutDocument: err = %v", err)
	}
}
