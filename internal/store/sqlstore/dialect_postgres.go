package sqlstore

import (
	"context"
	"database/sql"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// Advisory lock keys (arbitrary constants, "yiwang" in ASCII folded).
const (
	pgMigrateLock = 0x7969_7761_6e67_0001
	pgWriteLock   = 0x7969_7761_6e67_0002
)

// postgres keeps times as timestamptz; the JSON documents are jsonb.
func postgresDialect() *dialect {
	return &dialect{
		name:       "postgres",
		migrations: postgresMigrations,
		dollar:     true,
		forUpdate:  " FOR UPDATE",
		like:       "ILIKE",
		collateC:   ` COLLATE "C"`,
		greatest:   "GREATEST",
		time:       func(t time.Time) any { return norm(t) },
		lockMigrations: func(ctx context.Context, conn *sql.Conn) (func(), error) {
			if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, int64(pgMigrateLock)); err != nil {
				return nil, err
			}
			return func() {
				conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, int64(pgMigrateLock))
			}, nil
		},
		// Held until commit: sequence values are then drawn in commit order
		// even with several nodes, and two nodes never interleave batches.
		lockWriters: func(ctx context.Context, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(pgWriteLock))
			return err
		},
	}
}

func openPostgres(dsn string, readConns int) (w, r *sql.DB, err error) {
	w, err = sql.Open("pgx", dsn)
	if err != nil {
		return nil, nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	if err := w.Ping(); err != nil {
		w.Close()
		return nil, nil, err
	}
	r, err = sql.Open("pgx", dsn)
	if err != nil {
		w.Close()
		return nil, nil, err
	}
	r.SetMaxOpenConns(readConns)
	r.SetMaxIdleConns(readConns)
	return w, r, nil
}

var postgresMigrations = []migration{
	// 1: cases projection, event log, idempotency keys, id counters.
	{stmts: []string{
		`CREATE TABLE cases (
			n bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
			id text NOT NULL UNIQUE,
			state text NOT NULL,
			channel text NOT NULL,
			category text NOT NULL,
			severity text NOT NULL,
			unit text NOT NULL,
			district text NOT NULL,
			street text NOT NULL,
			community text NOT NULL,
			grid text NOT NULL,
			created_at timestamptz NOT NULL,
			updated_at timestamptz NOT NULL,
			title text NOT NULL,
			description text NOT NULL,
			version integer NOT NULL,
			doc jsonb NOT NULL
		)`,
		`CREATE INDEX cases_state ON cases(state, n)`,
		`CREATE INDEX cases_channel ON cases(channel, n)`,
		`CREATE INDEX cases_category ON cases(category text_pattern_ops, n)`,
		`CREATE INDEX cases_unit ON cases(unit, n)`,
		`CREATE INDEX cases_district ON cases(district, n)`,
		`CREATE INDEX cases_street ON cases(street, n)`,
		`CREATE INDEX cases_community ON cases(community, n)`,
		`CREATE INDEX cases_grid ON cases(grid, n)`,
		`CREATE INDEX cases_created ON cases(created_at)`,
		`CREATE TABLE events (
			pos bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
			case_id text NOT NULL REFERENCES cases(id),
			seq integer NOT NULL,
			action text NOT NULL,
			actor text NOT NULL,
			actor_unit text NOT NULL,
			at timestamptz NOT NULL,
			from_state text NOT NULL,
			to_state text NOT NULL,
			note text NOT NULL,
			payload jsonb NOT NULL,
			UNIQUE (case_id, seq)
		)`,
		`CREATE TABLE idempotency (
			key text PRIMARY KEY,
			request_hash text NOT NULL,
			case_id text NOT NULL REFERENCES cases(id)
		)`,
		`CREATE TABLE id_counters (
			day text PRIMARY KEY,
			n bigint NOT NULL
		)`,
	}},
	// 2: as SQLite's migration 2.
	{stmts: []string{
		`ALTER TABLE idempotency ADD COLUMN seq integer`,
		`ALTER TABLE cases ADD COLUMN next_due timestamptz, ADD COLUMN returns integer NOT NULL DEFAULT 0`,
		`CREATE INDEX cases_next_due ON cases(next_due) WHERE next_due IS NOT NULL`,
		`CREATE INDEX cases_returns ON cases(returns) WHERE returns > 0`,
		`CREATE INDEX events_action ON events(action, pos) WHERE action <> 'create'`,
		`CREATE TABLE documents (
			name text PRIMARY KEY,
			version integer NOT NULL,
			body bytea NOT NULL,
			updated_by text NOT NULL,
			updated_at timestamptz NOT NULL
		)`,
	}, backfill: backfillDueReturns},
	// 3: as SQLite's migration 3; area compares bytewise (COLLATE "C") so
	// that its prefix ranges mean what they mean on SQLite.
	{stmts: []string{
		`ALTER TABLE cases ADD COLUMN area text COLLATE "C" NOT NULL DEFAULT ''`,
		`DROP INDEX cases_district`,
		`DROP INDEX cases_street`,
		`DROP INDEX cases_community`,
		`DROP INDEX cases_grid`,
		`CREATE INDEX cases_area ON cases(area)`,
	}, backfill: backfillArea},
	// 4: as SQLite's migration 4.
	{stmts: []string{
		`ALTER TABLE cases ADD COLUMN summons_due timestamptz`,
		`CREATE INDEX cases_summons_due ON cases(summons_due) WHERE summons_due IS NOT NULL`,
	}, backfill: backfillSummonsDue},
	// 5: as SQLite's migration 5.
	{stmts: []string{
		`ALTER TABLE cases ADD COLUMN queue text NOT NULL DEFAULT ''`,
		`CREATE INDEX cases_queue ON cases(queue, n) WHERE queue <> ''`,
	}, backfill: backfillQueue},
	// 6: as SQLite's migration 6.
	{stmts: []string{
		`ALTER TABLE cases ADD COLUMN parent_id text NOT NULL DEFAULT ''`,
		`CREATE INDEX cases_parent ON cases(parent_id, n) WHERE parent_id <> ''`,
	}, backfill: backfillParent},
}
