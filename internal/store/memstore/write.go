package memstore

import (
	"context"
	"fmt"
	"strings"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// write runs fn under the state's lock, as the one writer. fn decides
// every refusal before it changes anything, and returns the events it
// committed for this view's publisher (none when it has none), which are
// then published outside the lock, in commit order.
func (s *Store) write(ctx context.Context, fn func() ([]cases.Event, error)) error {
	if err := s.ready(ctx); err != nil {
		return err
	}
	st := s.st
	st.mu.Lock()
	if s.closed.Load() {
		st.mu.Unlock()
		return store.ErrClosed
	}
	evs, err := fn()
	if err != nil || len(evs) == 0 {
		st.mu.Unlock()
		return err
	}
	ticket := st.tickets
	st.tickets++
	s.inflight.Add(1)
	st.mu.Unlock()
	defer s.inflight.Done()
	s.publishInTurn(ticket, evs)
	return nil
}

// publishInTurn waits until every write committed before ticket has
// published, then publishes evs.
func (s *Store) publishInTurn(ticket uint64, evs []cases.Event) {
	st := s.st
	st.pubMu.Lock()
	for st.published != ticket {
		st.pubCond.Wait()
	}
	st.pubMu.Unlock()
	defer func() {
		st.pubMu.Lock()
		st.published++
		st.pubCond.Broadcast()
		st.pubMu.Unlock()
	}()
	if s.publish != nil {
		s.publish(evs)
	}
}

// Create normalises and validates req.Case, then stores the create event
// of a new case and the events of req.Then, all or nothing.
func (s *Store) Create(ctx context.Context, req store.CreateRequest) (cases.Case, bool, error) {
	req.Case.Normalize()
	if err := req.Case.Validate(); err != nil {
		return cases.Case{}, false, fmt.Errorf("create: %w", err)
	}
	if req.Actor == "" {
		return cases.Case{}, false, fmt.Errorf("create: %w", &cases.FieldError{Field: "actor", Reason: "is required"})
	}
	var c cases.Case
	var created bool
	err := s.write(ctx, func() ([]cases.Event, error) {
		st := s.st
		if k, ok := st.keys[req.IdempotencyKey]; ok && req.IdempotencyKey != "" {
			if k.seq != 0 || k.hash != req.RequestHash {
				return nil, fmt.Errorf("create: idempotency key %q was used for case %s: %w", req.IdempotencyKey, k.caseID, store.ErrIdempotencyConflict)
			}
			var err error
			if c, err = decodeCase(st.cases[k.caseID].doc); err != nil {
				return nil, fmt.Errorf("create: idempotent replay: %w", err)
			}
			return nil, nil
		}
		at := s.at(req.At)
		day := s.idDay(at)
		n := st.counters[day] + 1
		for st.cases[s.formatID(day, n)] != nil { // imported through a view with another prefix
			n++
		}
		id := s.formatID(day, n)
		ev := cases.NewCreate(id, req.Case, req.Actor, req.Unit, at)
		var next cases.Case
		if err := cases.Apply(&next, ev); err != nil {
			return nil, fmt.Errorf("create: %w", err)
		}
		events := []cases.Event{ev}
		for _, cmd := range req.Then {
			e, err := cases.Decide(&next, cmd, at)
			if err != nil {
				return nil, fmt.Errorf("create: then %s: %w", cmd.Action, err)
			}
			if err := cases.Apply(&next, e); err != nil {
				return nil, fmt.Errorf("create: then %s: %w", cmd.Action, err)
			}
			events = append(events, e)
		}
		doc, f, err := encodeCase(&next)
		if err != nil {
			return nil, fmt.Errorf("create: %w", err)
		}
		entries, pub, err := encodeEvents(events, st.nextPos(), s.publish != nil)
		if err != nil {
			return nil, fmt.Errorf("create: %w", err)
		}
		st.counters[day] = n
		st.commit(st.addRow(id), doc, f, entries)
		if req.IdempotencyKey != "" {
			st.keys[req.IdempotencyKey] = key{hash: req.RequestHash, caseID: id}
		}
		c, created = next, true
		return pub, nil
	})
	if err != nil {
		return cases.Case{}, false, err
	}
	return c, created, nil
}

// transitionHash is what a transition's idempotency key is stored with: a
// key may be reused only for the same action on the same case.
func transitionHash(a cases.Action) string { return "transition:" + string(a) }

// Transition judges req.Command with cases.Decide against the case's
// current state and appends the resulting event.
func (s *Store) Transition(ctx context.Context, req store.TransitionRequest) (cases.Case, cases.Event, error) {
	var c cases.Case
	var ev cases.Event
	err := s.write(ctx, func() ([]cases.Event, error) {
		st := s.st
		hash := transitionHash(req.Command.Action)
		if k, ok := st.keys[req.IdempotencyKey]; ok && req.IdempotencyKey != "" {
			var err error
			c, ev, err = st.replayTransition(&req, k, hash)
			return nil, err
		}
		r := st.cases[req.ID]
		if r == nil {
			return nil, fmt.Errorf("case %s: %w", req.ID, store.ErrNotFound)
		}
		next, err := decodeCase(r.doc)
		if err != nil {
			return nil, fmt.Errorf("case %s: %w", req.ID, err)
		}
		if req.ExpectVersion > 0 && next.Version != req.ExpectVersion {
			return nil, fmt.Errorf("case %s is at version %d, not %d: %w", next.ID, next.Version, req.ExpectVersion, store.ErrVersionConflict)
		}
		e, err := cases.Decide(&next, req.Command, s.at(req.At))
		if err != nil {
			return nil, fmt.Errorf("case %s: %w", next.ID, err)
		}
		if err := cases.Apply(&next, e); err != nil {
			return nil, fmt.Errorf("case %s: %w", next.ID, err)
		}
		doc, f, err := encodeCase(&next)
		if err != nil {
			return nil, err
		}
		events := []cases.Event{e}
		entries, pub, err := encodeEvents(events, st.nextPos(), s.publish != nil)
		if err != nil {
			return nil, err
		}
		st.commit(r, doc, f, entries)
		if req.IdempotencyKey != "" {
			st.keys[req.IdempotencyKey] = key{hash: hash, caseID: next.ID, seq: e.Seq}
		}
		c, ev = next, events[0]
		return pub, nil
	})
	if err != nil {
		return cases.Case{}, cases.Event{}, err
	}
	return c, ev, nil
}

// replayTransition answers a transition whose idempotency key is stored:
// the case as it is now and the event the key produced, appending nothing.
func (st *state) replayTransition(req *store.TransitionRequest, k key, hash string) (cases.Case, cases.Event, error) {
	if k.seq == 0 || k.caseID != req.ID || k.hash != hash {
		what := "the creation of case " + k.caseID
		if k.seq != 0 {
			what = fmt.Sprintf("%s on case %s", strings.TrimPrefix(k.hash, "transition:"), k.caseID)
		}
		return cases.Case{}, cases.Event{}, fmt.Errorf("case %s: %s: idempotency key %q was used for %s: %w",
			req.ID, req.Command.Action, req.IdempotencyKey, what, store.ErrIdempotencyConflict)
	}
	r := st.cases[k.caseID]
	c, err := decodeCase(r.doc)
	if err != nil {
		return cases.Case{}, cases.Event{}, fmt.Errorf("idempotent replay: %w", err)
	}
	evs, err := decodeEvents([][]byte{st.log[r.events[k.seq-1]-1].doc})
	if err != nil {
		return cases.Case{}, cases.Event{}, fmt.Errorf("idempotent replay: %w", err)
	}
	return c, evs[0], nil
}
