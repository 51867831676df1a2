package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// sqlite keeps times as integer unix nanoseconds (UTC), which order and
// compare correctly as plain integers.
func sqliteDialect() *dialect {
	return &dialect{
		name:       "sqlite",
		migrations: sqliteMigrations,
		// pos is the rowid (INTEGER PRIMARY KEY).
		lastInsertPos: true,
		like:          "LIKE", // case-insensitive for ASCII only
		greatest:      "MAX",
		time:          func(t time.Time) any { return norm(t).UnixNano() },
		lockMigrations: func(context.Context, *sql.Conn) (func(), error) {
			// Migrations run in IMMEDIATE transactions (the writer's
			// _txlock), which already exclude other writers.
			return func() {}, nil
		},
		lockWriters: func(context.Context, *sql.Tx) error { return nil },
	}
}

// sqlitePragmas: WAL with synchronous=FULL makes every commit durable
// against power loss (the WAL is fsynced at each commit).
const sqlitePragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)"

func openSQLite(path string, readConns int) (w, r *sql.DB, err error) {
	path = strings.TrimPrefix(path, "//")
	if path == "" {
		return nil, nil, fmt.Errorf("sqlite: empty path")
	}
	if strings.ContainsAny(path, "?#") {
		return nil, nil, fmt.Errorf("sqlite: path %q must not contain '?' or '#'", path)
	}
	if path == ":memory:" {
		// One private database, so one connection serves reads and writes.
		w, err = sql.Open("sqlite", ":memory:?_pragma=foreign_keys(1)")
		if err != nil {
			return nil, nil, err
		}
		w.SetMaxOpenConns(1)
		w.SetConnMaxLifetime(0)
		w.SetConnMaxIdleTime(0)
		return w, w, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, nil, fmt.Errorf("sqlite: %w", err)
	}
	w, err = sql.Open("sqlite", path+"?"+sqlitePragmas+"&_txlock=immediate")
	if err != nil {
		return nil, nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := w.Ping(); err != nil {
		w.Close()
		return nil, nil, fmt.Errorf("sqlite: %w", err)
	}
	r, err = sql.Open("sqlite", path+"?"+sqlitePragmas+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, nil, err
	}
	r.SetMaxOpenConns(readConns)
	r.SetMaxIdleConns(readConns)
	return w, r, nil
}

var sqliteMigrations = []migration{
	// 1: cases projection, event log, idempotency keys, id counters.
	{stmts: []string{
		`CREATE TABLE cases (
			n INTEGER PRIMARY KEY,
			id TEXT NOT NULL UNIQUE,
			state TEXT NOT NULL,
			channel TEXT NOT NULL,
			category TEXT NOT NULL,
			severity TEXT NOT NULL,
			unit TEXT NOT NULL,
			district TEXT NOT NULL,
			street TEXT NOT NULL,
			community TEXT NOT NULL,
			grid TEXT NOT NULL,
			created_at INTEGER NOT NULL,
			updated_at INTEGER NOT NULL,
			title TEXT NOT NULL,
			description TEXT NOT NULL,
			version INTEGER NOT NULL,
			doc TEXT NOT NULL
		)`,
		`CREATE INDEX cases_state ON cases(state, n)`,
		`CREATE INDEX cases_channel ON cases(channel, n)`,
		`CREATE INDEX cases_category ON cases(category, n)`,
		`CREATE INDEX cases_unit ON cases(unit, n)`,
		`CREATE INDEX cases_district ON cases(district, n)`,
		`CREATE INDEX cases_street ON cases(street, n)`,
		`CREATE INDEX cases_community ON cases(community, n)`,
		`CREATE INDEX cases_grid ON cases(grid, n)`,
		`CREATE INDEX cases_created ON cases(created_at)`,
		`CREATE TABLE events (
			pos INTEGER PRIMARY KEY,
			case_id TEXT NOT NULL REFERENCES cases(id),
			seq INTEGER NOT NULL,
			action TEXT NOT NULL,
			actor TEXT NOT NULL,
			actor_unit TEXT NOT NULL,
			at INTEGER NOT NULL,
			from_state TEXT NOT NULL,
			to_state TEXT NOT NULL,
			note TEXT NOT NULL,
			payload TEXT NOT NULL,
			UNIQUE (case_id, seq)
		)`,
		`CREATE TABLE idempotency (
			key TEXT PRIMARY KEY,
			request_hash TEXT NOT NULL,
			case_id TEXT NOT NULL REFERENCES cases(id)
		)`,
		`CREATE TABLE id_counters (
			day TEXT PRIMARY KEY,
			n INTEGER NOT NULL
		)`,
	}},
	// 2: idempotent transitions (a key remembers the event it produced),
	// the next-deadline and returns projections, events by action, and
	// versioned documents. Partial indexes leave out the rows no query looks
	// for (cases without a running deadline or a return, create events), so
	// creates do not pay for them.
	{stmts: []string{
		`ALTER TABLE idempotency ADD COLUMN seq INTEGER`,
		`ALTER TABLE cases ADD COLUMN next_due INTEGER`,
		`ALTER TABLE cases ADD COLUMN returns INTEGER NOT NULL DEFAULT 0`,
		`CREATE INDEX cases_next_due ON cases(next_due) WHERE next_due IS NOT NULL`,
		`CREATE INDEX cases_returns ON cases(returns) WHERE returns > 0`,
		`CREATE INDEX events_action ON events(action, pos) WHERE action <> 'create'`,
		`CREATE TABLE documents (
			name TEXT PRIMARY KEY,
			version INTEGER NOT NULL,
			body BLOB NOT NULL,
			updated_by TEXT NOT NULL,
			updated_at INTEGER NOT NULL
		)`,
	}, backfill: backfillDueReturns},
	// 3: one area column instead of four indexed area columns, so a create
	// updates one area index instead of four (see areaKey). The district,
	// street, community and grid columns stay, unindexed, for exact
	// matching.
	{stmts: []string{
		`ALTER TABLE cases ADD COLUMN area TEXT NOT NULL DEFAULT ''`,
		`DROP INDEX cases_district`,
		`DROP INDEX cases_street`,
		`DROP INDEX cases_community`,
		`DROP INDEX cases_grid`,
		`CREATE INDEX cases_area ON cases(area)`,
	}, backfill: backfillArea},
	// 4: the summons projection (Filter.OpenSummons): the earliest report
	// deadline of an open case's unreported summons, NULL otherwise; the
	// partial index holds only the few cases waiting for a report.
	{stmts: []string{
		`ALTER TABLE cases ADD COLUMN summons_due INTEGER`,
		`CREATE INDEX cases_summons_due ON cases(summons_due) WHERE summons_due IS NOT NULL`,
	}, backfill: backfillSummonsDue},
	// 5: the queue projection (Filter.Queue): the work list a case waits
	// in beyond its state (cases.Case.Queue, "" for none); the partial
	// index holds only the few queued cases. The backfill reads the
	// classification notes written before the payload carried the queue.
	{stmts: []string{
		`ALTER TABLE cases ADD COLUMN queue TEXT NOT NULL DEFAULT ''`,
		`CREATE INDEX cases_queue ON cases(queue, n) WHERE queue <> ''`,
	}, backfill: backfillQueue},
	// 6: the parent projection (Filter.Parent): the case a merged case
	// joined (cases.Case.ParentID, "" for none); the partial index holds
	// only the merged cases. The backfill copies it from the documents.
	{stmts: []string{
		`ALTER TABLE cases ADD COLUMN parent_id TEXT NOT NULL DEFAULT ''`,
		`CREATE INDEX cases_parent ON cases(parent_id, n) WHERE parent_id <> ''`,
	}, backfill: backfillParent},
}
