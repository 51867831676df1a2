package escalate_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// fakeStore is an in-memory store with the contract's idempotent
// transitions and DueBefore filter, for tests that need no database.
type fakeStore struct {
	mu     sync.Mutex
	ids    []string
	events map[string][]cases.Event
	keys   map[string]cases.Event
}

func newFake() *fakeStore {
	return &fakeStore{events: map[string][]cases.Event{}, keys: map[string]cases.Event{}}
}

func (f *fakeStore) Create(_ context.Context, req store.CreateRequest) (cases.Case, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	req.Case.Normalize()
	id := fmt.Sprintf("T-%06d", len(f.ids)+1)
	e := cases.NewCreate(id, req.Case, req.Actor, req.Unit, req.At)
	f.ids = append(f.ids, id)
	f.events[id] = []cases.Event{e}
	c, err := cases.Replay(f.events[id])
	return c, true, err
}

func (f *fakeStore) get(id string) (cases.Case, error) {
	evs, ok := f.events[id]
	if !ok {
		return cases.Case{}, store.ErrNotFound
	}
	return cases.Replay(evs)
}

func (f *fakeStore) Get(_ context.Context, id string) (cases.Case, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.get(id)
}

func (f *fakeStore) History(_ context.Context, id string) ([]cases.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.events[id]; !ok {
		return nil, store.ErrNotFound
	}
	return slices.Clone(f.events[id]), nil
}

func (f *fakeStore) Transition(_ context.Context, req store.TransitionRequest) (cases.Case, cases.Event, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, err := f.get(req.ID)
	if err != nil {
		return cases.Case{}, cases.Event{}, err
	}
	if e, ok := f.keys[req.IdempotencyKey]; ok && req.IdempotencyKey != "" {
		return c, e, nil
	}
	if req.ExpectVersion > 0 && req.ExpectVersion != c.Version {
		return cases.Case{}, cases.Event{}, store.ErrVersionConflict
	}
	e, err := cases.Decide(&c, req.Command, req.At)
	if err != nil {
		return cases.Case{}, cases.Event{}, err
	}
	if err := cases.Apply(&c, e); err != nil {
		return cases.Case{}, cases.Event{}, err
	}
	f.events[req.ID] = append(f.events[req.ID], e)
	if req.IdempotencyKey != "" {
		f.keys[req.IdempotencyKey] = e
	}
	return c, e, nil
}

// List implements only what the scanner uses: DueBefore, Limit and Cursor.
func (f *fakeStore) List(_ context.Context, flt store.Filter) (store.Page, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	start := 0
	if flt.Cursor != "" {
		start, _ = strconv.Atoi(flt.Cursor)
	}
	var p store.Page
	for i := start; i < len(f.ids); i++ {
		if len(p.Cases) == flt.Limit {
			p.Next = strconv.Itoa(i)
			break
		}
		c, err := f.get(f.ids[i])
		if err != nil {
			return store.Page{}, err
		}
		if !flt.DueBefore.IsZero() {
			due, ok := c.NextDue()
			if !ok || c.Paused() || !due.Before(flt.DueBefore) {
				continue
			}
		}
		p.Cases = append(p.Cases, c)
	}
	return p, nil
}

// racyStore runs before once, just before the first transition, as if
// another user acted between the scanner's List and its Transition.
type racyStore struct {
	*fakeStore
	before func()
	ran    bool
}

func (r *racyStore) Transition(ctx context.Context, req store.TransitionRequest) (cases.Case, cases.Event, error) {
	if !r.ran {
		r.ran = true
		r.before()
	}
	return r.fakeStore.Transition(ctx, req)
}
