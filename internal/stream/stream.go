// Package stream owns the in-process event stream: every event a store
// commits is published here, after commit and in commit order, to the
// parts of the platform that follow cases live (the console, the rule
// engine, the NATS bridge).
//
// A subscriber that falls behind is never allowed to slow the store down:
// when its buffer is full its subscription ends with ErrLagged, and it
// catches up from the store's event log (Store.Events) before subscribing
// again.
package stream

import (
	"context"
	"errors"
	"sync"

	"yiwang/internal/cases"
)

// ErrLagged ends a subscription whose buffer overflowed.
var ErrLagged = errors.New("subscriber fell behind the event stream")

// Bus fans committed events out to subscribers. The zero value is not
// usable; call New.
type Bus struct {
	mu     sync.Mutex
	subs   map[*Subscription]struct{}
	closed bool
}

// New returns an empty bus.
func New() *Bus { return &Bus{subs: make(map[*Subscription]struct{})} }

// Subscription receives events on C until it is cancelled, lags, or the bus
// closes; then C is closed and Err says why.
type Subscription struct {
	C   <-chan cases.Event
	c   chan cases.Event
	bus *Bus
	err error
}

// Subscribe starts a subscription with room for buffer pending events.
func (b *Bus) Subscribe(buffer int) *Subscription {
	if buffer < 1 {
		buffer = 1
	}
	ch := make(chan cases.Event, buffer)
	s := &Subscription{C: ch, c: ch, bus: b}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		s.err = ErrClosed
		close(ch)
		return s
	}
	b.subs[s] = struct{}{}
	return s
}

// ErrClosed ends subscriptions when the bus closes.
var ErrClosed = errors.New("event stream closed")

// Err reports why the subscription ended (nil while it is live or after
// Cancel). Read it after C is closed.
func (s *Subscription) Err() error {
	s.bus.mu.Lock()
	defer s.bus.mu.Unlock()
	return s.err
}

// Each calls f with every event of the subscription, in order, until ctx
// ends (ctx.Err()), f fails (its error), or the subscription ends (Err(),
// or ErrClosed when it was cancelled); the subscription is cancelled
// when Each returns.
func (s *Subscription) Each(ctx context.Context, f func(cases.Event) error) error {
	defer s.Cancel()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case e, ok := <-s.C:
			if !ok {
				if err := s.Err(); err != nil {
					return err
				}
				return ErrClosed
			}
			if err := f(e); err != nil {
				return err
			}
		}
	}
}

// Cancel ends the subscription.
func (s *Subscription) Cancel() {
	s.bus.mu.Lock()
	defer s.bus.mu.Unlock()
	s.bus.drop(s, nil)
}

func (b *Bus) drop(s *Subscription, err error) {
	if _, ok := b.subs[s]; !ok {
		return
	}
	delete(b.subs, s)
	s.err = err
	close(s.c)
}

// Publish delivers events, in the order given, to every subscriber. It never
// blocks: a subscriber without room is dropped with ErrLagged. Stores call it
// after commit, from one goroutine at a time, so subscribers see each case's
// events in order.
func (b *Bus) Publish(events []cases.Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		for _, e := range events {
			select {
			case s.c <- e:
			default:
				b.drop(s, ErrLagged)
			}
			if _, ok := b.subs[s]; !ok {
				break
			}
		}
	}
}

// Close ends every subscription with ErrClosed.
func (b *Bus) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for s := range b.subs {
		b.drop(s, ErrClosed)
	}
	b.closed = true
}
