package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// migrate applies the dialect's migrations that schema_migrations does not
// record yet, in order, each in its own transaction. Concurrent callers (several
// processes opening one database) are serialised by the dialect's lock, and
// each migration re-checks the recorded version inside its transaction.
func migrate(ctx context.Context, db *sql.DB, d *dialect) error {
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	unlock, err := d.lockMigrations(ctx, conn)
	if err != nil {
		return fmt.Errorf("migrate: lock: %w", err)
	}
	defer unlock()
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version integer PRIMARY KEY,
		applied_at text NOT NULL
	)`); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for i, m := range d.migrations {
		version := i + 1
		if err := migrateOne(ctx, conn, d, version, m); err != nil {
			return fmt.Errorf("migrate: %s migration %d: %w", d.name, version, err)
		}
	}
	return nil
}

func migrateOne(ctx context.Context, conn *sql.Conn, d *dialect, version int, m migration) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var done int
	if err := tx.QueryRowContext(ctx, d.q(`SELECT count(*) FROM schema_migrations WHERE version = ?`), version).Scan(&done); err != nil {
		return err
	}
	if done > 0 {
		return nil
	}
	for _, stmt := range m.stmts {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	if m.backfill != nil {
		if err := m.backfill(ctx, tx, d); err != nil {
			return fmt.Errorf("backfill: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, d.q(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`),
		version, time.Now().UTC().Format(time.RFC3339)); err != nil {
		return err
	}
	return tx.Commit()
}
