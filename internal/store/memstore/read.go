package memstore

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// Get returns a fresh copy of a case's current state.
func (s *Store) Get(ctx context.Context, id string) (cases.Case, error) {
	if err := s.ready(ctx); err != nil {
		return cases.Case{}, err
	}
	s.st.mu.Lock()
	r := s.st.cases[id]
	var doc []byte
	if r != nil {
		doc = r.doc // never changed in place: a write replaces it
	}
	s.st.mu.Unlock()
	if r == nil {
		return cases.Case{}, fmt.Errorf("case %s: %w", id, store.ErrNotFound)
	}
	c, err := decodeCase(doc)
	if err != nil {
		return cases.Case{}, fmt.Errorf("get case %s: %w", id, err)
	}
	return c, nil
}

// History returns a case's events in seq order.
func (s *Store) History(ctx context.Context, id string) ([]cases.Event, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	s.st.mu.Lock()
	var docs [][]byte
	if r := s.st.cases[id]; r != nil {
		for _, pos := range r.events {
			docs = append(docs, s.st.log[pos-1].doc)
		}
	}
	s.st.mu.Unlock()
	if len(docs) == 0 {
		return nil, fmt.Errorf("case %s: %w", id, store.ErrNotFound)
	}
	evs, err := decodeEvents(docs)
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", id, err)
	}
	return evs, nil
}

// Events returns up to limit events (default 1000, at most 10000) with
// Pos > after, in Pos order.
func (s *Store) Events(ctx context.Context, after int64, limit int) ([]cases.Event, error) {
	evs, err := s.events(ctx, nil, after, limit)
	if err != nil {
		return nil, fmt.Errorf("events after %d: %w", after, err)
	}
	return evs, nil
}

// EventsByAction returns up to limit events (default 1000, at most 10000)
// of one action with Pos > after, in Pos order.
func (s *Store) EventsByAction(ctx context.Context, action cases.Action, after int64, limit int) ([]cases.Event, error) {
	evs, err := s.events(ctx, func(a cases.Action) bool { return a == action }, after, limit)
	if err != nil {
		return nil, fmt.Errorf("%s events after %d: %w", action, after, err)
	}
	return evs, nil
}

// events reads the log after position after: every event, or only those
// whose action keep accepts when keep is set.
func (s *Store) events(ctx context.Context, keep func(cases.Action) bool, after int64, limit int) ([]cases.Event, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 1000
	}
	limit = min(limit, 10000)
	var docs [][]byte
	s.st.mu.Lock()
	for i := max(after, 0); i < int64(len(s.st.log)) && len(docs) < limit; i++ {
		if e := s.st.log[i]; keep == nil || keep(e.action) {
			docs = append(docs, e.doc)
		}
	}
	s.st.mu.Unlock()
	return decodeEvents(docs)
}

// List returns the cases matching f, newest first (by creation order, as
// the SQL stores list them), with a cursor in the SQL stores' format. Text
// matches title or description case-insensitively. It scans every case
// older than the cursor: fine for tests and demos, not for millions.
func (s *Store) List(ctx context.Context, f store.Filter) (store.Page, error) {
	if err := s.ready(ctx); err != nil {
		return store.Page{}, err
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 1000)
	if f.ByDue {
		return s.listByDue(f, limit)
	}
	m, err := newMatcher(f)
	if err != nil {
		return store.Page{}, err
	}
	var page store.Page
	var docs [][]byte
	var last int64 // n of the last case on the page
	s.st.mu.Lock()
	for i := min(len(s.st.order), m.below) - 1; i >= 0; i-- {
		r := s.st.order[i]
		if !m.match(&r.f) {
			continue
		}
		if len(docs) == limit {
			page.Next = encodeCursor(last)
			break
		}
		docs = append(docs, r.doc)
		last = r.n
	}
	s.st.mu.Unlock()
	for _, doc := range docs {
		c, err := decodeCase(doc)
		if err != nil {
			return store.Page{}, fmt.Errorf("list cases: %w", err)
		}
		page.Cases = append(page.Cases, c)
	}
	return page, nil
}

// listByDue is List in deadline order (Filter.ByDue): it gathers every
// match, sorts them and pages by the cursor's place in that order.
func (s *Store) listByDue(f store.Filter, limit int) (store.Page, error) {
	var after struct {
		due    time.Time
		hasDue bool
		n      int64
	}
	cursor := f.Cursor != ""
	if cursor {
		var err error
		if after.due, after.hasDue, after.n, err = store.DecodeDueCursor(f.Cursor); err != nil {
			return store.Page{}, err
		}
	}
	f.Cursor = ""
	m, err := newMatcher(f)
	if err != nil {
		return store.Page{}, err
	}
	// less orders (has a deadline first, earliest deadline, creation).
	less := func(aHas bool, aDue time.Time, aN int64, bHas bool, bDue time.Time, bN int64) int {
		if aHas != bHas {
			if aHas {
				return -1
			}
			return 1
		}
		if aHas {
			if c := aDue.Compare(bDue); c != 0 {
				return c
			}
		}
		return cmp.Compare(aN, bN)
	}
	type hit struct {
		f   fields
		n   int64
		doc []byte
	}
	var hits []hit
	s.st.mu.Lock()
	for _, r := range s.st.order {
		if m.match(&r.f) && (!cursor || less(after.hasDue, after.due, after.n, r.f.hasDue, r.f.due, r.n) < 0) {
			hits = append(hits, hit{r.f, r.n, r.doc})
		}
	}
	s.st.mu.Unlock()
	slices.SortFunc(hits, func(a, b hit) int { return less(a.f.hasDue, a.f.due, a.n, b.f.hasDue, b.f.due, b.n) })
	var page store.Page
	for i, h := range hits {
		if i == limit {
			last := hits[i-1]
			page.Next = store.EncodeDueCursor(last.f.due, last.f.hasDue, last.n)
			break
		}
		c, err := decodeCase(h.doc)
		if err != nil {
			return store.Page{}, fmt.Errorf("list cases: %w", err)
		}
		page.Cases = append(page.Cases, c)
	}
	return page, nil
}
