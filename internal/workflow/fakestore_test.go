package workflow

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// fakeStore is a small in-memory store.Store: transitions judged by
// cases.Decide, idempotency keys, documents, and the filters the workflow
// uses (states, unit, MinReturns).
type fakeStore struct {
	mu     sync.Mutex
	order  []string
	events map[string][]cases.Event
	cur    map[string]cases.Case
	keys   map[string]fakeKey
	docs   map[string]store.Document
	pos    int64
	// transitions counts calls to Transition (retries included).
	transitions int
}

type fakeKey struct {
	hash, id string
	seq      int
}

func newFakeStore() *fakeStore {
	return &fakeStore{events: map[string][]cases.Event{}, cur: map[string]cases.Case{}, keys: map[string]fakeKey{}, docs: map[string]store.Document{}}
}

func (s *fakeStore) Create(_ context.Context, req store.CreateRequest) (cases.Case, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k, ok := s.keys[req.IdempotencyKey]; ok && req.IdempotencyKey != "" {
		if k.hash != req.RequestHash {
			return cases.Case{}, false, store.ErrIdempotencyConflict
		}
		return s.cur[k.id], false, nil
	}
	req.Case.Normalize()
	if err := req.Case.Validate(); err != nil {
		return cases.Case{}, false, err
	}
	id := fmt.Sprintf("WH-%06d", len(s.order)+1)
	var c cases.Case
	if err := s.append(&c, cases.NewCreate(id, req.Case, req.Actor, req.Unit, req.At)); err != nil {
		return cases.Case{}, false, err
	}
	s.order = append(s.order, id)
	if req.IdempotencyKey != "" {
		s.keys[req.IdempotencyKey] = fakeKey{hash: req.RequestHash, id: id}
	}
	return c, true, nil
}

func (s *fakeStore) append(c *cases.Case, e cases.Event) error {
	if err := cases.Apply(c, e); err != nil {
		return err
	}
	s.pos++
	e.Pos = s.pos
	s.events[c.ID] = append(s.events[c.ID], e)
	s.cur[c.ID] = *c
	return nil
}

func (s *fakeStore) Transition(_ context.Context, req store.TransitionRequest) (cases.Case, cases.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.transitions++
	c, ok := s.cur[req.ID]
	if !ok {
		return cases.Case{}, cases.Event{}, store.ErrNotFound
	}
	if k, ok := s.keys[req.IdempotencyKey]; ok && req.IdempotencyKey != "" {
		return c, s.events[k.id][k.seq-1], nil
	}
	if req.ExpectVersion > 0 && req.ExpectVersion != c.Version {
		return cases.Case{}, cases.Event{}, store.ErrVersionConflict
	}
	e, err := cases.Decide(&c, req.Command, req.At)
	if err != nil {
		return cases.Case{}, cases.Event{}, err
	}
	if err := s.append(&c, e); err != nil {
		return cases.Case{}, cases.Event{}, err
	}
	if req.IdempotencyKey != "" {
		s.keys[req.IdempotencyKey] = fakeKey{id: c.ID, seq: e.Seq}
	}
	evs := s.events[c.ID]
	return c, evs[len(evs)-1], nil
}

func (s *fakeStore) Get(_ context.Context, id string) (cases.Case, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.cur[id]
	if !ok {
		return cases.Case{}, store.ErrNotFound
	}
	return c, nil
}

func (s *fakeStore) History(_ context.Context, id string) ([]cases.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	evs, ok := s.events[id]
	if !ok {
		return nil, store.ErrNotFound
	}
	return slices.Clone(evs), nil
}

func (s *fakeStore) List(_ context.Context, f store.Filter) (store.Page, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var p store.Page
	for i := len(s.order) - 1; i >= 0; i-- {
		c := s.cur[s.order[i]]
		if (len(f.States) == 0 || slices.Contains(f.States, c.State)) && (f.Unit == "" || f.Unit == c.Unit) &&
			(f.MinReturns == 0 || c.Returns >= f.MinReturns) {
			p.Cases = append(p.Cases, c)
		}
	}
	return p, nil
}

func (s *fakeStore) Events(ctx context.Context, after int64, limit int) ([]cases.Event, error) {
	return s.EventsByAction(ctx, "", after, limit)
}

func (s *fakeStore) EventsByAction(_ context.Context, action cases.Action, after int64, limit int) ([]cases.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []cases.Event
	for _, evs := range s.events {
		for _, e := range evs {
			if e.Pos > after && (action == "" || e.Action == action) {
				out = append(out, e)
			}
		}
	}
	slices.SortFunc(out, func(a, b cases.Event) int { return int(a.Pos - b.Pos) })
	return out[:min(limit, len(out))], nil
}

func (s *fakeStore) GetDocument(_ context.Context, name string) (store.Document, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.docs[name]
	if !ok {
		return store.Document{}, store.ErrNotFound
	}
	return d, nil
}

func (s *fakeStore) PutDocument(_ context.Context, doc store.Document, expectVersion int) (store.Document, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.docs[doc.Name].Version != expectVersion {
		return store.Document{}, store.ErrVersionConflict
	}
	doc.Version = expectVersion + 1
	if doc.UpdatedAt.IsZero() {
		doc.UpdatedAt = time.Now()
	}
	s.docs[doc.Name] = doc
	return doc, nil
}

func (s *fakeStore) Import(context.Context, [][]cases.Event) error {
	return fmt.Errorf("fake: import not supported")
}

func (s *fakeStore) Close() error { return nil }

var _ store.Store = (*fakeStore)(nil)
