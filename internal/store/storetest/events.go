package storetest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// histories groups an event log by case, in order of first appearance.
func histories(evs []cases.Event) [][]cases.Event {
	idx := map[string]int{}
	var out [][]cases.Event
	for _, e := range evs {
		i, ok := idx[e.CaseID]
		if !ok {
			i = len(out)
			idx[e.CaseID] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], e)
	}
	return out
}

// randomStore fills s with n random case histories and returns their ids.
func randomStore(t *testing.T, s store.Store, n int, seed uint64) []string {
	t.Helper()
	ids := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(seed, uint64(i)))
			c, err := buildRandom(t, s, r, fmt.Sprint("导出 ", i), r.IntN(12))
			ids[i], errs[i] = c.ID, err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

func testEvents(t *testing.T, open Opener) {
	s := open(t, nil)
	ids := randomStore(t, s, 25, 1)
	var all []cases.Event
	var after int64
	for {
		evs, err := s.Events(ctxT(t), after, 7)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) > 7 {
			t.Fatalf("Events returned %d events, limit 7", len(evs))
		}
		if len(evs) == 0 {
			break
		}
		for _, e := range evs {
			if e.Pos <= after {
				t.Fatalf("position %d after %d: not increasing", e.Pos, after)
			}
			after = e.Pos
		}
		all = append(all, evs...)
	}
	total := 0
	byCase := map[string][]cases.Event{}
	for _, e := range all {
		byCase[e.CaseID] = append(byCase[e.CaseID], e)
	}
	for _, id := range ids {
		h, err := s.History(ctxT(t), id)
		if err != nil {
			t.Fatal(err)
		}
		total += len(h)
		requireJSONEq(t, "events of "+id+" vs history", byCase[id], h)
	}
	if total != len(all) {
		t.Fatalf("log has %d events, histories %d", len(all), total)
	}
	if evs, err := s.Events(ctxT(t), after, 10); err != nil || len(evs) != 0 {
		t.Fatalf("events after the last: %d, %v", len(evs), err)
	}
}

func testImportRoundTrip(t *testing.T, open Opener) {
	src := open(t, nil)
	ids := randomStore(t, src, 40, 2)
	hs := histories(allEvents(t, src))
	if len(hs) != len(ids) {
		t.Fatalf("export has %d histories, want %d", len(hs), len(ids))
	}
	dst := open(t, nil)
	if err := dst.Import(ctxT(t), hs); err != nil {
		t.Fatalf("import: %v", err)
	}
	for _, id := range ids {
		want, err := src.Get(ctxT(t), id)
		if err != nil {
			t.Fatal(err)
		}
		got, err := dst.Get(ctxT(t), id)
		if err != nil {
			t.Fatalf("imported case %s: %v", id, err)
		}
		requireJSONEq(t, "imported case "+id, got, want)
		wh, _ := src.History(ctxT(t), id)
		gh, err := dst.History(ctxT(t), id)
		if err != nil {
			t.Fatal(err)
		}
		requireJSONEq(t, "imported history "+id, withoutPos(gh), withoutPos(wh))
	}
	if n := len(allEvents(t, dst)); n != len(allEvents(t, src)) {
		t.Fatalf("imported store has %d events, source %d", n, len(allEvents(t, src)))
	}
	// Later creates on the same day never reuse an imported id.
	c := mustCreate(t, dst, simpleCase("导入后新建"), t0)
	if slices.Contains(ids, c.ID) {
		t.Fatalf("create after import reused imported id %s", c.ID)
	}
}

// manualHistory builds a legal history for id without a store.
func manualHistory(t *testing.T, id string, steps ...cases.Command) []cases.Event {
	t.Helper()
	e := cases.NewCreate(id, simpleCase("手工 "+id), "a", "", t0)
	h := []cases.Event{e}
	c, err := cases.Replay(h)
	if err != nil {
		t.Fatal(err)
	}
	for i, cmd := range steps {
		e, err := cases.Decide(&c, cmd, t0.Add(time.Duration(i+1)*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if err := cases.Apply(&c, e); err != nil {
			t.Fatal(err)
		}
		h = append(h, e)
	}
	return h
}

func testImportRefuses(t *testing.T, open Opener) {
	s := open(t, nil)
	existing := mustCreate(t, s, simpleCase("已存在"), t0)
	exHist, err := s.History(ctxT(t), existing.ID)
	if err != nil {
		t.Fatal(err)
	}
	dispatch := cases.Command{Action: cases.ActionDispatch, Actor: "x", Payload: cases.Payload{Unit: "u"}}
	accept := cases.Command{Action: cases.ActionAccept, Actor: "x"}
	good := manualHistory(t, "WH-20250101-000001", dispatch, accept)
	good2 := manualHistory(t, "WH-20250101-000002", dispatch)
	gap := manualHistory(t, "WH-20250101-000003", dispatch, accept)
	gap = []cases.Event{gap[0], gap[2]}
	wrongFrom := manualHistory(t, "WH-20250101-000004", dispatch)
	wrongFrom[1].From = cases.StateClosed
	before := len(allEvents(t, s))
	tests := []struct {
		name string
		hs   [][]cases.Event
	}{
		{"gap in seq", [][]cases.Event{good, gap}},
		{"wrong from state", [][]cases.Event{good, wrongFrom}},
		{"existing id", [][]cases.Event{good, exHist}},
		{"repeated id", [][]cases.Event{good, good2, good}},
		{"empty history", [][]cases.Event{good, {}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.Import(ctxT(t), tt.hs); err == nil {
				t.Fatal("import accepted it")
			}
			if _, err := s.Get(ctxT(t), good[0].CaseID); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("refused import stored case %s (err %v)", good[0].CaseID, err)
			}
			if n := len(allEvents(t, s)); n != before {
				t.Fatalf("refused import wrote events: %d, had %d", n, before)
			}
		})
	}
	if err := s.Import(ctxT(t), [][]cases.Event{good, good2}); err != nil {
		t.Fatalf("valid import: %v", err)
	}
	if got, err := s.Get(ctxT(t), good[0].CaseID); err != nil || got.State != cases.StateAccepted {
		t.Fatalf("imported case: %+v, %v", got, err)
	}
}

// recorder keeps what a store publishes and signals every change.
type recorder struct {
	mu      sync.Mutex
	events  []cases.Event
	changed chan struct{}
	check   func(cases.Event) error
	errs    []error
}

func (r *recorder) publish(evs []cases.Event) {
	var errs []error
	if r.check != nil {
		for _, e := range evs {
			if err := r.check(e); err != nil {
				errs = append(errs, err)
			}
		}
	}
	r.mu.Lock()
	r.events = append(r.events, evs...)
	r.errs = append(r.errs, errs...)
	r.mu.Unlock()
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

// waitFor returns once cond holds, checking after every publish, and fails
// after a generous deadline.
func (r *recorder) waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(30 * time.Second)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		ok := cond()
		r.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-r.changed:
		case <-deadline.C:
			t.Fatal("timed out waiting for published events")
		}
	}
}

func testPublish(t *testing.T, open Opener) {
	rec := &recorder{changed: make(chan struct{}, 1)}
	var s store.Store
	ready := make(chan struct{})
	// Publish comes after commit: every published event is already visible.
	rec.check = func(e cases.Event) error {
		<-ready
		c, err := s.Get(ctxT(t), e.CaseID)
		if err != nil {
			return fmt.Errorf("published %s/%d before it was readable: %w", e.CaseID, e.Seq, err)
		}
		if c.Version < e.Seq {
			return fmt.Errorf("published %s/%d while the case is at version %d", e.CaseID, e.Seq, c.Version)
		}
		return nil
	}
	s = open(t, rec.publish)
	close(ready)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := store.CreateRequest{Case: simpleCase(fmt.Sprint("发布 ", i)), Actor: "a", At: t0, IdempotencyKey: fmt.Sprint("pub-", i), RequestHash: "h"}
			c, _, err := s.Create(ctxT(t), req)
			if err != nil {
				t.Error(err)
				return
			}
			// Failed requests publish nothing: an illegal transition, a
			// version conflict and an idempotent replay.
			s.Transition(ctxT(t), store.TransitionRequest{ID: c.ID, Command: cases.Command{Action: cases.ActionAccept, Actor: "x"}})
			s.Transition(ctxT(t), store.TransitionRequest{ID: c.ID, Command: cases.Command{Action: cases.ActionNote, Actor: "x", Note: "n"}, ExpectVersion: 5})
			s.Create(ctxT(t), req)
			for _, cmd := range []cases.Command{
				{Action: cases.ActionDispatch, Actor: "x", Payload: cases.Payload{Unit: "u"}},
				{Action: cases.ActionAccept, Actor: "x"},
				{Action: cases.ActionNote, Actor: "x", Note: "n"},
			} {
				if _, _, err := s.Transition(ctxT(t), store.TransitionRequest{ID: c.ID, Command: cmd}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	stored := allEvents(t, s)
	if len(stored) != 80 {
		t.Fatalf("store has %d events, want 80", len(stored))
	}
	rec.waitFor(t, func() bool { return len(rec.events) >= len(stored) })
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, err := range rec.errs {
		t.Error(err)
	}
	got := slices.Clone(rec.events)
	for i := 1; i < len(got); i++ {
		if got[i].Pos <= got[i-1].Pos {
			t.Fatalf("published out of commit order: pos %d after %d", got[i].Pos, got[i-1].Pos)
		}
	}
	requireJSONEq(t, "published events vs event log", got, stored)
}
