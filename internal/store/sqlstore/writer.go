package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// Request states: a request is queued until the writer takes it, or until
// its caller gives up first (abandoned), in which case it is never run.
const (
	queued int32 = iota
	taken
	abandoned
)

// request is one write waiting for the writer goroutine. Exactly one of
// create, transition, doc, imp is set.
type request struct {
	create     *store.CreateRequest
	transition *store.TransitionRequest
	doc        *docPut
	imp        []importCase
	// payload is a create event's payload as JSON, encoded by the caller
	// so that the writer does not spend its time on it.
	payload []byte
	at      time.Time // the request's time, fixed when the writer takes it

	state atomic.Int32
	done  chan result // buffered: the writer never blocks answering
}

type result struct {
	c       cases.Case
	created bool
	event   cases.Event    // a transition's event (appended or replayed)
	doc     store.Document // a stored document
	events  []cases.Event  // committed events, published after commit
	err     error
}

// submit queues r for the writer and waits for its result. If ctx ends
// while r is still queued, r is withdrawn and never runs; if the writer had
// already taken it, it may still commit (retry with an idempotency key).
func (s *Store) submit(ctx context.Context, r *request) result {
	if err := ctx.Err(); err != nil {
		return result{err: err}
	}
	r.done = make(chan result, 1)
	s.mu.RLock()
	if s.closed.Load() {
		s.mu.RUnlock()
		return result{err: store.ErrClosed}
	}
	select {
	case s.queue <- r:
		s.mu.RUnlock()
	case <-ctx.Done():
		s.mu.RUnlock()
		return result{err: ctx.Err()}
	}
	select {
	case res := <-r.done:
		return res
	case <-ctx.Done():
		r.state.CompareAndSwap(queued, abandoned)
		return result{err: ctx.Err()}
	}
}

// writeLoop is the single writer: it takes the first queued request, drains
// whatever else is queued (up to MaxBatch) and commits them together. It
// ends when Close closes the queue, after committing everything queued.
func (s *Store) writeLoop() {
	defer close(s.writerDone)
	batch := make([]*request, 0, s.max)
	prev := 1 // size of the previous batch
	gather := time.NewTimer(0)
	<-gather.C
	for r := range s.queue {
		batch = append(batch[:0], r)
		batch = s.drain(batch)
		// Group-commit delay: when the last batch was bigger than what is
		// queued now, more writers are probably on their way (they were
		// answered a moment ago and are sending their next request). Wait a
		// little for them, as PostgreSQL's commit_delay does, so they share
		// this batch's fsync instead of paying for one of their own.
		if s.commitDelay > 0 && len(batch) < prev && len(batch) < s.max {
			gather.Reset(s.commitDelay)
		wait:
			for len(batch) < prev && len(batch) < s.max {
				select {
				case r, ok := <-s.queue:
					if !ok {
						break wait
					}
					batch = append(batch, r)
					batch = s.drain(batch)
				case <-gather.C:
					break wait
				}
			}
			if !gather.Stop() {
				select {
				case <-gather.C:
				default:
				}
			}
		}
		prev = len(batch)
		live := batch[:0]
		for _, r := range batch {
			if r.state.CompareAndSwap(queued, taken) {
				live = append(live, r)
			}
		}
		if len(live) > 0 {
			s.runBatch(live)
		}
		clear(batch)
	}
}

// drain appends whatever is queued right now to batch, up to MaxBatch.
func (s *Store) drain(batch []*request) []*request {
	for len(batch) < s.max {
		select {
		case r, ok := <-s.queue:
			if !ok {
				return batch
			}
			batch = append(batch, r)
		default:
			return batch
		}
	}
	return batch
}

// runBatch runs reqs in one transaction, each inside its own savepoint so a
// failing request is rolled back alone; commits once; answers every caller;
// then publishes the committed events in commit order.
func (s *Store) runBatch(reqs []*request) {
	ctx := context.Background()
	now := s.now()
	for _, r := range reqs {
		r.at = now
		if r.create != nil && !r.create.At.IsZero() {
			r.at = r.create.At
		}
		if r.transition != nil && !r.transition.At.IsZero() {
			r.at = r.transition.At
		}
		if r.doc != nil && !r.doc.doc.UpdatedAt.IsZero() {
			r.at = r.doc.doc.UpdatedAt
		}
		r.at = norm(r.at)
	}
	results := make([]result, len(reqs))
	if err := s.runTx(ctx, reqs, results); err != nil {
		s.log.Error("store write batch failed", "requests", len(reqs), "err", err)
		for i := range results {
			if results[i].err == nil {
				results[i] = result{err: err}
			}
		}
	}
	var events []cases.Event
	for i, r := range reqs {
		r.done <- results[i]
		events = append(events, results[i].events...)
	}
	if len(events) > 0 {
		s.publish(events)
	}
}

// runTx does the transactional part of runBatch. A returned error means
// nothing was committed.
//
// Requests are isolated without a savepoint per request (a savepoint costs
// two extra statements, and on PostgreSQL two round trips, per request): every
// refusal the domain can give (not found, version conflict, illegal
// transition, idempotency conflict, existing id, invalid input) is decided
// from reads, before the request writes anything, so it leaves the
// transaction untouched. Any other error may come after a partial write: the
// transaction is rolled back, that request keeps its error, and the rest of
// the batch runs again in a fresh transaction.
func (s *Store) runTx(ctx context.Context, reqs []*request, results []result) error {
	live := make([]int, len(reqs))
	for i := range live {
		live[i] = i
	}
	for len(live) > 0 {
		bad, err := s.tryTx(ctx, reqs, results, live)
		if err != nil {
			return err
		}
		if bad < 0 {
			return nil
		}
		s.log.Warn("store write failed; retrying the rest of its batch", "err", results[live[bad]].err)
		live = append(live[:bad], live[bad+1:]...)
	}
	return nil
}

// tryTx runs the requests reqs[i] for i in live in one transaction and
// commits it, unless one fails with an error that may have left a partial
// write: then it rolls back and returns that request's index in live.
func (s *Store) tryTx(ctx context.Context, reqs []*request, results []result, live []int) (bad int, err error) {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return -1, fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := s.d.lockWriters(ctx, tx); err != nil {
		return -1, fmt.Errorf("lock writers: %w", err)
	}
	b := &batch{s: s, tx: tx, ctx: ctx}
	batchReqs := make([]*request, len(live))
	for j, i := range live {
		batchReqs[j] = reqs[i]
	}
	if err := b.prepare(batchReqs); err != nil {
		return -1, err
	}
	for j, i := range live {
		results[i] = b.run(reqs[i])
		if err := results[i].err; err != nil && !refusal(err) {
			return j, nil
		}
	}
	if err := tx.Commit(); err != nil {
		return -1, fmt.Errorf("commit: %w", err)
	}
	return -1, nil
}

// refusal reports whether err is a domain refusal, decided before any write.
func refusal(err error) bool {
	for _, target := range []error{store.ErrNotFound, store.ErrVersionConflict, store.ErrIdempotencyConflict,
		cases.ErrTransition, cases.ErrInvalid, ErrExists} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}
