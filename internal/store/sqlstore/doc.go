// Package sqlstore keeps cases in SQLite (modernc.org/sqlite, pure Go) or
// PostgreSQL (pgx) through database/sql, implementing store.Store. Dialect
// differences (DDL, placeholders, locks, time representation) live in
// dialect_sqlite.go and dialect_postgres.go; everything else is shared.
//
// Tables: cases (the projection: one row per case with the filterable
// columns and doc, the whole cases.Case as JSON; next_due is the case's
// earliest pending deadline, NULL when none runs, returns its return
// count, area its deepest area code, one index serving every level of
// the area filter, see area.go, and summons_due the earliest report
// deadline of an open case's unreported summons, NULL when none waits,
// queue the work list the case waits in, empty for none, indexed only
// where set, and parent_id the case a merged case joined, empty for none,
// indexed only where set),
// events (the append-only log; pos is the global position,
// (case_id, seq) is unique), idempotency (create and transition keys in one
// namespace: a create key's seq is NULL, a transition key keeps the seq of
// the event it produced, written in the same transaction as that event),
// documents (versioned configuration documents) and id_counters (per-day id
// numbers). Migrations are an append-only list per dialect, applied in order
// on Open and recorded in schema_migrations; a migration that adds a
// projection column backfills it from the stored documents.
//
// Idempotent transitions hold across nodes because every write transaction
// looks its keys up after taking the writers' lock (PostgreSQL: an advisory
// transaction lock; SQLite: BEGIN IMMEDIATE), so a second node sees the
// first node's committed key and replays instead of appending.
//
// Writes use group commit: Create, Transition, PutDocument and Import go to one writer
// goroutine, which takes whatever is queued (up to Options.MaxBatch), runs it
// in one transaction, commits once (one fsync for the batch), answers every
// caller, then passes the batch's events to Options.Publish in commit order.
// A later request in a batch sees the effects of earlier ones. A refused
// request (not found, illegal transition, version or idempotency conflict)
// is refused before it writes anything, so it is answered alone; a request
// failing after it began writing makes the writer roll back and rerun the
// rest of the batch without it (see runTx). A request whose context ends
// while still queued is withdrawn and never runs; one the writer already
// took may still commit (idempotency keys make retries safe).
//
// Durability: SQLite runs in WAL mode with synchronous=FULL, so a write
// that returned survives power loss; PostgreSQL uses its default
// synchronous_commit. On PostgreSQL every write transaction holds an
// advisory transaction lock, so several nodes can share one database: their
// batches serialise, case ids stay unique and event positions increase in
// commit order.
//
// Times are kept in UTC to the microsecond (SQLite: integer unix
// nanoseconds; PostgreSQL: timestamptz).
package sqlstore
