package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strings"
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
	// Publish receives every committed batch's events in commit order, after
	// commit, from one goroutine at a time (typically stream.Bus.Publish).
	Publish func([]cases.Event)
	// Logger receives write-path failures (default slog.Default()).
	Logger *slog.Logger
	// IDPrefix starts every case id (default "WH").
	IDPrefix string
	// MaxBatch caps how many queued writes share one transaction (default 256;
	// 1 disables group commit).
	MaxBatch int
	// CommitDelay is the longest the writer waits for more requests when
	// fewer are queued than in its previous batch (default 1ms; negative
	// disables). It trades a little latency for fewer fsyncs under load.
	CommitDelay time.Duration
	// ReadConns is the size of the read pool (default 4).
	ReadConns int
}

// Store is a store.Store on SQLite or PostgreSQL. Create it with Open.
type Store struct {
	d       *dialect
	wdb     *sql.DB // one connection, used only by the writer goroutine
	rdb     *sql.DB // read pool
	now     func() time.Time
	publish func([]cases.Event)
	log     *slog.Logger
	prefix  string
	max     int
	// commitDelay is how long the writer may wait to grow a batch.
	commitDelay time.Duration
	shanghai    *time.Location
	stmts       map[string]*sql.Stmt // the writer's prepared statements

	mu         sync.RWMutex // guards sending on queue against Close
	closed     atomic.Bool
	queue      chan *request
	writerDone chan struct{}
}

// Open opens (creating and migrating when needed) the store named by dsn:
// "sqlite:PATH" (the parent directory is created; "sqlite::memory:" gives a
// private in-memory database, for tests), or "postgres://..." /
// "postgresql://..." (a pgx connection string).
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	s := &Store{now: opts.Now, publish: opts.Publish, log: opts.Logger, prefix: opts.IDPrefix, max: opts.MaxBatch}
	if s.now == nil {
		s.now = time.Now
	}
	if s.publish == nil {
		s.publish = func([]cases.Event) {}
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.prefix == "" {
		s.prefix = "WH"
	}
	if strings.ContainsAny(s.prefix, "-%_ ") {
		return nil, fmt.Errorf("open store: id prefix %q must not contain '-', '%%', '_' or spaces", s.prefix)
	}
	if s.max <= 0 {
		s.max = 256
	}
	switch s.commitDelay = opts.CommitDelay; {
	case s.commitDelay == 0:
		s.commitDelay = time.Millisecond
	case s.commitDelay < 0:
		s.commitDelay = 0
	}
	readConns := opts.ReadConns
	if readConns <= 0 {
		readConns = 4
	}
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	s.shanghai = loc

	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		s.d = sqliteDialect()
		s.wdb, s.rdb, err = openSQLite(strings.TrimPrefix(dsn, "sqlite:"), readConns)
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		s.d = postgresDialect()
		s.wdb, s.rdb, err = openPostgres(dsn, readConns)
	default:
		scheme, _, _ := strings.Cut(dsn, ":")
		return nil, fmt.Errorf("open store: unknown database scheme %q (want sqlite:PATH, postgres:// or postgresql://)", scheme)
	}
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	if err := migrate(ctx, s.wdb, s.d); err != nil {
		s.closeDBs()
		return nil, fmt.Errorf("open store: %w", err)
	}
	if err := s.prepareWriter(ctx); err != nil {
		s.closeDBs()
		return nil, fmt.Errorf("open store: %w", err)
	}
	s.queue = make(chan *request, s.max)
	s.writerDone = make(chan struct{})
	go s.writeLoop()
	return s, nil
}

// Close stops accepting writes, commits the ones already queued, and closes
// the databases. Every method called afterwards returns store.ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed.Load() {
		s.mu.Unlock()
		return nil
	}
	s.closed.Store(true)
	close(s.queue)
	s.mu.Unlock()
	<-s.writerDone
	return s.closeDBs()
}

func (s *Store) closeDBs() error {
	var errs []error
	if s.rdb != nil && s.rdb != s.wdb {
		errs = append(errs, s.rdb.Close())
	}
	if s.wdb != nil {
		errs = append(errs, s.wdb.Close())
	}
	return errors.Join(errs...)
}

// norm is how the store keeps times: UTC, to the microsecond (the precision
// PostgreSQL keeps), so both dialects give identical results.
func norm(t time.Time) time.Time { return store.Time(t) }
