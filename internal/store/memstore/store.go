package memstore

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	_ "time/tzdata" // case ids use the Asia/Shanghai date on every machine

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

var _ store.Store = (*Store)(nil)

// Options configure a Store. Zero values give the defaults.
type Options struct {
	// Now is the clock used when a request carries no time (default time.Now).
	Now func() time.Time
	// Publish receives every write's events after the write, in commit
	// order, one call at a time. It may read the store but must not write
	// to it or close it (the next write waits for it, as with the SQL
	// stores' writer).
	Publish func([]cases.Event)
	// IDPrefix starts every case id (default "WH").
	IDPrefix string
}

// Store is one node's view of an in-memory state. Create it with New; View
// adds another node over the same state.
type Store struct {
	st       *state
	now      func() time.Time
	publish  func([]cases.Event)
	prefix   string
	shanghai *time.Location
	closed   atomic.Bool
	// inflight counts this view's writes that committed but have not
	// published yet; Close waits for them.
	inflight sync.WaitGroup
}

// state is what the views of one store share: the cases, the event log,
// idempotency keys, id counters and documents.
type state struct {
	mu sync.Mutex
	// cases by id; order holds them in creation order (row.n is its
	// index plus one, the number List's cursor carries).
	cases map[string]*row
	order []*row
	// log is the event log as JSON; an event's Pos is its index plus one.
	log      []entry
	keys     map[string]key
	counters map[string]int64 // last id number by Shanghai day
	docs     map[string]store.Document

	// Publishing happens outside mu, in commit order: a write takes a
	// ticket when it commits and publishes when published reaches it.
	tickets   uint64
	pubMu     sync.Mutex
	pubCond   *sync.Cond
	published uint64
}

// key is a stored idempotency key: the request it was first used for and
// what it produced. seq is 0 for a create key and the event's seq for a
// transition key.
type key struct {
	hash, caseID string
	seq          int
}

// New returns an empty store.
func New(opts Options) *Store {
	st := &state{cases: map[string]*row{}, keys: map[string]key{}, counters: map[string]int64{}, docs: map[string]store.Document{}}
	st.pubCond = sync.NewCond(&st.pubMu)
	return newView(st, opts)
}

// View returns another store over s's state, as a second node sharing one
// database sees it: writes through either are visible to both, ids never
// collide, and each view has its own clock, publisher, prefix and Close.
func (s *Store) View(opts Options) *Store { return newView(s.st, opts) }

func newView(st *state, opts Options) *Store {
	s := &Store{st: st, now: opts.Now, publish: opts.Publish, prefix: opts.IDPrefix}
	if s.now == nil {
		s.now = time.Now
	}
	if s.prefix == "" {
		s.prefix = "WH"
	}
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		// time/tzdata is embedded, so this cannot happen; CST has had no
		// daylight saving time since 1991.
		loc = time.FixedZone("CST", 8*3600)
	}
	s.shanghai = loc
	return s
}

// Close makes every later call on this view return store.ErrClosed, after
// the writes already made through it have published. Other views stay
// open. Closing twice is harmless.
func (s *Store) Close() error {
	s.st.mu.Lock()
	s.closed.Store(true)
	s.st.mu.Unlock()
	s.inflight.Wait()
	return nil
}

// ready reports why a call cannot run: the view is closed or ctx is done.
func (s *Store) ready(ctx context.Context) error {
	if s.closed.Load() {
		return store.ErrClosed
	}
	return ctx.Err()
}

// norm is how the store keeps times: UTC, to the microsecond, as the SQL
// stores do.
func norm(t time.Time) time.Time { return store.Time(t) }

// at is a request's time: t, or the clock when t is zero.
func (s *Store) at(t time.Time) time.Time {
	if t.IsZero() {
		t = s.now()
	}
	return norm(t)
}
