package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// The writer's fixed statements are prepared once, at Open, on the writer's
// single connection, and reused in every transaction (SQLite would otherwise
// parse each one on every call). They must be prepared while no transaction
// holds that connection, hence up front.

// The writer's fixed statements, written with "?" placeholders.
const (
	qSavepoint   = `SAVEPOINT w`
	qRollbackTo  = `ROLLBACK TO SAVEPOINT w`
	qRelease     = `RELEASE SAVEPOINT w`
	qInsertCase  = `INSERT INTO cases (` + caseCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	qInsertEvent = `INSERT INTO events (` + eventCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING pos`
	// qInsertEventNoPos is qInsertEvent for a dialect whose last insert id
	// is the new pos (cheaper than reading a returned row).
	qInsertEventNoPos = `INSERT INTO events (` + eventCols + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	qInsertKey        = `INSERT INTO idempotency (key, request_hash, case_id) VALUES (?, ?, ?)`
	qInsertEventKey   = `INSERT INTO idempotency (key, request_hash, case_id, seq) VALUES (?, ?, ?, ?)`
	qLoadEvent        = `SELECT pos, ` + eventCols + ` FROM events WHERE case_id = ? AND seq = ?`
	qDocVersion       = `SELECT version FROM documents WHERE name = ?`
	qInsertDoc        = `INSERT INTO documents (name, version, body, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)`
	qUpdateDoc        = `UPDATE documents SET version = ?, body = ?, updated_by = ?, updated_at = ? WHERE name = ?`
	qDeleteDoc        = `DELETE FROM documents WHERE name = ?`
	qReserveIDs       = `INSERT INTO id_counters (day, n) VALUES (?, ?) ON CONFLICT (day) DO UPDATE SET n = id_counters.n + excluded.n RETURNING n`
	qLoadCase         = `SELECT doc FROM cases WHERE id = ?`
	// qUpdateCaseLive updates the columns transitions change (see fixed).
	qUpdateCaseLive = `UPDATE cases SET state = ?, unit = ?, updated_at = ?, version = ?, doc = ?, next_due = ?, returns = ?, summons_due = ?, queue = ?, parent_id = ? WHERE id = ?`
	qUpdateCase     = `UPDATE cases SET state = ?, channel = ?, category = ?, severity = ?, unit = ?, district = ?, street = ?, community = ?, grid = ?, created_at = ?, updated_at = ?, title = ?, description = ?, version = ?, doc = ?, next_due = ?, returns = ?, area = ?, summons_due = ?, queue = ?, parent_id = ? WHERE id = ?`
)

// prepareWriter prepares the writer's statements (Open calls it before the
// writer starts).
func (s *Store) prepareWriter(ctx context.Context) error {
	s.stmts = map[string]*sql.Stmt{}
	qs := []string{qInsertCase, qInsertEvent, qInsertEventNoPos, qInsertKey, qInsertEventKey, qReserveIDs, qLoadCase, qLoadCase + s.d.forUpdate, qUpdateCase, qUpdateCaseLive}
	for _, n := range keyLookupSizes {
		qs = append(qs, keyLookup(n))
	}
	for _, q := range qs {
		st, err := s.wdb.PrepareContext(ctx, s.d.q(q))
		if err != nil {
			return fmt.Errorf("prepare %q: %w", q, err)
		}
		s.stmts[q] = st
	}
	return nil
}

// stmt returns query (written with "?") prepared for the batch's
// transaction, once per transaction: from the writer's prepared statement
// when there is one, else freshly prepared.
func (b *batch) stmt(query string) (*sql.Stmt, error) {
	if st, ok := b.txStmts[query]; ok {
		return st, nil
	}
	var st *sql.Stmt
	if prepared, ok := b.s.stmts[query]; ok {
		st = b.tx.StmtContext(b.ctx, prepared)
	} else {
		var err error
		if st, err = b.tx.PrepareContext(b.ctx, b.s.d.q(query)); err != nil {
			return nil, fmt.Errorf("prepare: %w", err)
		}
	}
	if b.txStmts == nil {
		b.txStmts = map[string]*sql.Stmt{}
	}
	b.txStmts[query] = st
	return st, nil
}

// exec runs a fixed statement in the batch's transaction.
func (b *batch) exec(query string, args ...any) error {
	st, err := b.stmt(query)
	if err != nil {
		return err
	}
	_, err = st.ExecContext(b.ctx, args...)
	return err
}

// queryRow runs a fixed single-row query in the batch's transaction.
func (b *batch) queryRow(query string, args []any, dest ...any) error {
	st, err := b.stmt(query)
	if err != nil {
		return err
	}
	return st.QueryRowContext(b.ctx, args...).Scan(dest...)
}

// keyLookupSizes are the sizes of the prepared idempotency key lookups; a
// batch's keys are looked up in chunks of the largest size, the rest with
// the smallest size that holds them, padded with "" (never a stored key).
var keyLookupSizes = []int{1, 4, 16, 64, 256}

// keyLookup is the idempotency key lookup for n keys.
func keyLookup(n int) string {
	return `SELECT key, request_hash, case_id, seq FROM idempotency WHERE key IN (` + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + `)`
}

// execID runs a fixed insert in the batch's transaction and stores the
// last insert id in id.
func (b *batch) execID(query string, args []any, id *int64) error {
	st, err := b.stmt(query)
	if err != nil {
		return err
	}
	res, err := st.ExecContext(b.ctx, args...)
	if err != nil {
		return err
	}
	*id, err = res.LastInsertId()
	return err
}
