package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// dialect holds everything that differs between SQLite and PostgreSQL.
// Queries are written once with "?" placeholders and rebound per dialect.
type dialect struct {
	name string
	// migrations is the append-only schema history; each entry is applied
	// in its own transaction.
	migrations []migration
	// dollar placeholders ($1, $2, ...) instead of "?".
	dollar bool
	// lastInsertPos: an insert's last insert id is the new event's pos.
	lastInsertPos bool
	// forUpdate is appended to the writer's read of a case.
	forUpdate string
	// like is the case-insensitive LIKE operator used for text search.
	like string
	// collateC, appended to a text expression, makes it compare bytewise
	// ("" where text already does).
	collateC string
	// greatest is the two-argument maximum function.
	greatest string
	// time converts a time for storage.
	time func(time.Time) any
	// lockMigrations serialises concurrent Opens around migrating.
	lockMigrations func(ctx context.Context, conn *sql.Conn) (unlock func(), err error)
	// lockWriters serialises write transactions of every process sharing the
	// database, so global log positions increase in commit order.
	lockWriters func(ctx context.Context, tx *sql.Tx) error
}

// migration is one step of the schema history: its statements in order,
// then, when set, backfill (Go code filling new projection columns from the
// stored documents), all in one transaction.
type migration struct {
	stmts    []string
	backfill func(ctx context.Context, tx *sql.Tx, d *dialect) error
}

// q rebinds a query written with "?" placeholders to the dialect's style.
func (d *dialect) q(query string) string {
	if !d.dollar {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// dbTime scans a stored time in either dialect's representation.
type dbTime struct{ t *time.Time }

func (d dbTime) Scan(v any) error {
	switch x := v.(type) {
	case int64:
		*d.t = time.Unix(0, x).UTC()
	case time.Time:
		*d.t = x.UTC()
	default:
		return fmt.Errorf("scan time: unexpected %T", v)
	}
	return nil
}

// placeholders returns "(?, ?, ...), (...)" for rows rows of cols columns.
func placeholders(rows, cols int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	return strings.TrimSuffix(strings.Repeat(one+", ", rows), ", ")
}

// binaryText is the text expression expr compared bytewise.
func (d *dialect) binaryText(expr string) string { return expr + d.collateC }
