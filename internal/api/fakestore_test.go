package api

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// fakeStore is a small in-memory store.Store for the handler tests. It
// judges transitions with cases.Decide and folds with cases.Apply, like the
// real stores.
type fakeStore struct {
	mu      sync.Mutex
	order   []string // ids in creation order
	events  map[string][]cases.Event
	current map[string]cases.Case
	keys    map[string]fakeKey
	docs    map[string]store.Document
	pos     int64
}

type fakeKey struct{ hash, id string }

func newFakeStore() *fakeStore {
	return &fakeStore{events: map[string][]cases.Event{}, current: map[string]cases.Case{}, keys: map[string]fakeKey{},
		docs: map[string]store.Document{}}
}

func (s *fakeStore) Create(_ context.Context, req store.CreateRequest) (cases.Case, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if req.IdempotencyKey != "" {
		if k, ok := s.keys[req.IdempotencyKey]; ok {
			if k.hash != req.RequestHash {
				return cases.Case{}, false, store.ErrIdempotencyConflict
			}
			return s.current[k.id], false, nil
		}
	}
	req.Case.Normalize()
	if err := req.Case.Validate(); err != nil {
		return cases.Case{}, false, fmt.Errorf("create: %w", err)
	}
	id := fmt.Sprintf("WH-%06d", len(s.order)+1)
	e := cases.NewCreate(id, req.Case, req.Actor, req.Unit, req.At)
	var c cases.Case
	if err := s.append(&c, e); err != nil {
		return cases.Case{}, false, err
	}
	s.order = append(s.order, id)
	if req.IdempotencyKey != "" {
		s.keys[req.IdempotencyKey] = fakeKey{req.RequestHash, id}
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
	s.current[c.ID] = *c
	return nil
}

func (s *fakeStore) Transition(_ context.Context, req store.TransitionRequest) (cases.Case, cases.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.current[req.ID]
	if !ok {
		return cases.Case{}, cases.Event{}, fmt.Errorf("case %q: %w", req.ID, store.ErrNotFound)
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
	evs := s.events[c.ID]
	return c, evs[len(evs)-1], nil
}

func (s *fakeStore) Get(_ context.Context, id string) (cases.Case, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.current[id]
	if !ok {
		return cases.Case{}, fmt.Errorf("case %q: %w", id, store.ErrNotFound)
	}
	return c, nil
}

func (s *fakeStore) History(_ context.Context, id string) ([]cases.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	evs, ok := s.events[id]
	if !ok {
		return nil, fmt.Errorf("case %q: %w", id, store.ErrNotFound)
	}
	return slices.Clone(evs), nil
}

// List pages newest first; the cursor is the index into that order.
func (s *fakeStore) List(_ context.Context, f store.Filter) (store.Page, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	start := 0
	if f.Cursor != "" {
		n, err := strconv.Atoi(f.Cursor)
		if err != nil || n < 0 {
			return store.Page{}, fmt.Errorf("list: %w", &cases.FieldError{Field: "cursor", Reason: "is not a cursor from this store"})
		}
		start = n
	}
	var match []cases.Case
	for i := len(s.order) - 1; i >= 0; i-- {
		if c := s.current[s.order[i]]; fakeMatch(c, f) {
			match = append(match, c)
		}
	}
	var p store.Page
	if start >= len(match) {
		return p, nil
	}
	end := min(start+limit, len(match))
	p.Cases = match[start:end]
	if end < len(match) {
		p.Next = strconv.Itoa(end)
	}
	return p, nil
}

func fakeMatch(c cases.Case, f store.Filter) bool {
	l := c.Location
	switch {
	case len(f.States) > 0 && !slices.Contains(f.States, c.State),
		len(f.Channels) > 0 && !slices.Contains(f.Channels, c.Channel),
		!strings.HasPrefix(c.Category, f.Category),
		f.Unit != "" && c.Unit != f.Unit,
		len(f.Areas) > 0 && !slices.ContainsFunc(f.Areas, func(a string) bool {
			return a == l.District || a == l.Street || a == l.Community || a == l.Grid
		}),
		!f.CreatedFrom.IsZero() && c.CreatedAt.Before(f.CreatedFrom),
		f.MinReturns > 0 && c.Returns < f.MinReturns,
		!f.CreatedTo.IsZero() && !c.CreatedAt.Before(f.CreatedTo),
		f.Text != "" && !strings.Contains(c.Title, f.Text) && !strings.Contains(c.Description, f.Text):
		return false
	}
	return true
}

func (s *fakeStore) Events(_ context.Context, after int64, limit int) ([]cases.Event, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []cases.Event
	for _, id := range s.order {
		for _, e := range s.events[id] {
			if e.Pos > after {
				out = append(out, e)
			}
		}
	}
	slices.SortFunc(out, func(a, b cases.Event) int { return int(a.Pos - b.Pos) })
	return out[:min(limit, len(out))], nil
}

func (s *fakeStore) Import(_ context.Context, histories [][]cases.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range histories {
		if _, err := cases.Replay(h); err != nil {
			return err
		}
		if _, dup := s.current[h[0].CaseID]; dup {
			return fmt.Errorf("import: case %s exists", h[0].CaseID)
		}
	}
	for _, h := range histories {
		var c cases.Case
		for _, e := range h {
			if err := s.append(&c, e); err != nil {
				return err
			}
		}
		s.order = append(s.order, c.ID)
	}
	return nil
}

func (s *fakeStore) EventsByAction(ctx context.Context, action cases.Action, after int64, limit int) ([]cases.Event, error) {
	all, err := s.Events(ctx, after, 1<<30)
	if err != nil {
		return nil, err
	}
	var out []cases.Event
	for _, e := range all {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out[:min(limit, len(out))], nil
}

func (s *fakeStore) GetDocument(_ context.Context, name string) (store.Document, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.docs[name]
	if !ok {
		return store.Document{}, fmt.Errorf("document %q: %w", name, store.ErrNotFound)
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
	s.docs[doc.Name] = doc
	return doc, nil
}

func (s *fakeStore) Close() error { return nil }

var _ store.Store = (*fakeStore)(nil)
