package natsbus

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go/jetstream"
)

// sweepPage is how many events a sweep reads from the Source at a time.
const sweepPage = 1000

// unbounded as a fence means "publish up to the end of the log".
const unbounded = int64(-1)

// sweeper moves the shared cursor: every event with Pos <= cursor is in
// JetStream. A sweep reads the log after the cursor, publishes the events
// that were already in the log at the previous sweep (the fence) unless
// this node's live path already had them acked, and then advances the
// cursor to the fence.
type sweeper struct {
	p     *Publisher
	kv    jetstream.KeyValue
	key   string
	fence int64              // head of the log at the previous sweep; 0 before the first
	live  map[int64]struct{} // positions acked through the live path, > cursor
}

// cursor reads the shared cursor and its KV revision (0 when absent).
func (s *sweeper) cursor(ctx context.Context) (pos int64, rev uint64, err error) {
	e, err := s.kv.Get(ctx, s.key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return 0, 0, nil
	}
	if err != nil {
		return 0, 0, fmt.Errorf("reading cursor %s: %w", s.key, err)
	}
	pos, err = strconv.ParseInt(string(e.Value()), 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("cursor %s holds %q: %w", s.key, e.Value(), err)
	}
	return pos, e.Revision(), nil
}

// advance moves the cursor to pos unless it is already there or beyond,
// with compare-and-set so concurrent nodes never move it backwards.
func (s *sweeper) advance(ctx context.Context, pos int64, have int64, rev uint64) error {
	for have < pos {
		val := []byte(strconv.FormatInt(pos, 10))
		var err error
		if rev == 0 {
			_, err = s.kv.Create(ctx, s.key, val)
		} else {
			_, err = s.kv.Update(ctx, s.key, val, rev)
		}
		if err == nil {
			return nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) && !errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
			return fmt.Errorf("advancing cursor %s to %d: %w", s.key, pos, err)
		}
		if have, rev, err = s.cursor(ctx); err != nil { // lost a race: re-read
			return err
		}
	}
	return nil
}

// sweep runs one pass up to fence (unbounded: to the end of the log) and
// then records the log's head as the next fence.
func (s *sweeper) sweep(ctx context.Context, w *window, fence int64) error {
	s.p.stats.sweeps.Add(1)
	if err := w.flush(ctx); err != nil { // live acks first: they fill s.live
		return err
	}
	cur, rev, err := s.cursor(ctx)
	if err != nil {
		return err
	}
	for pos := range s.live {
		if pos <= cur {
			delete(s.live, pos)
		}
	}
	head, after := cur, cur
	for {
		evs, err := s.p.opts.Source.Events(ctx, after, sweepPage)
		if err != nil {
			return fmt.Errorf("reading events after %d: %w", after, err)
		}
		for _, e := range evs {
			head = e.Pos
			if fence != unbounded && e.Pos > fence {
				continue // too recent: its own node is publishing it now
			}
			if _, ok := s.live[e.Pos]; ok {
				continue
			}
			m, err := encode(s.p.opts.Subject, e, "", s.p.opts.Node)
			if err != nil {
				return err
			}
			if err := w.add(ctx, pending{msg: m, pos: e.Pos}); err != nil {
				return err
			}
		}
		if len(evs) < sweepPage {
			break
		}
		after = evs[len(evs)-1].Pos
	}
	if err := w.flush(ctx); err != nil {
		return err
	}
	covered := head
	if fence != unbounded {
		covered = min(fence, head)
	}
	s.fence = head
	return s.advance(ctx, covered, cur, rev)
}
