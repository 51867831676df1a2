package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// Backfills fill projection columns a migration adds from the stored case
// documents, so data written by earlier versions answers the new filters.
// They page through cases by n (PostgreSQL cannot run an update while a
// result set is open on the same connection).

// backfillPage is how many cases a backfill reads at a time.
const backfillPage = 500

// backfillCases calls each with every stored case, in n order, and runs the
// update it returns (nothing when it returns a nil query).
func backfillCases(ctx context.Context, tx *sql.Tx, d *dialect, each func(c *cases.Case) (query string, args []any)) error {
	var after int64
	for {
		rows, err := tx.QueryContext(ctx, d.q(`SELECT n, doc FROM cases WHERE n > ? ORDER BY n LIMIT ?`), after, backfillPage)
		if err != nil {
			return err
		}
		type row struct {
			n int64
			c cases.Case
		}
		var page []row
		for rows.Next() {
			var r row
			var doc []byte
			if err := rows.Scan(&r.n, &doc); err != nil {
				rows.Close()
				return err
			}
			if err := json.Unmarshal(doc, &r.c); err != nil {
				rows.Close()
				return fmt.Errorf("case at n=%d: %w", r.n, err)
			}
			page = append(page, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(page) == 0 {
			return nil
		}
		for _, r := range page {
			if q, args := each(&r.c); q != "" {
				if _, err := tx.ExecContext(ctx, d.q(q), append(args, r.n)...); err != nil {
					return fmt.Errorf("case %s: %w", r.c.ID, err)
				}
			}
		}
		after = page[len(page)-1].n
	}
}

// backfillDueReturns fills next_due and returns (migration 2).
func backfillDueReturns(ctx context.Context, tx *sql.Tx, d *dialect) error {
	return backfillCases(ctx, tx, d, func(c *cases.Case) (string, []any) {
		due := nextDue(d, c)
		if due == nil && c.Returns == 0 {
			return "", nil
		}
		return `UPDATE cases SET next_due = ?, returns = ? WHERE n = ?`, []any{due, c.Returns}
	})
}

// nextDue is c's next_due column: its earliest pending deadline, or NULL.
func nextDue(d *dialect, c *cases.Case) any {
	if t, ok := c.NextDue(); ok {
		return d.time(t)
	}
	return nil
}

// backfillArea fills area (migration 3).
func backfillArea(ctx context.Context, tx *sql.Tx, d *dialect) error {
	return backfillCases(ctx, tx, d, func(c *cases.Case) (string, []any) {
		a := areaKey(&c.Location)
		if a == "" {
			return "", nil
		}
		return `UPDATE cases SET area = ? WHERE n = ?`, []any{a}
	})
}

// summonsDue is c's summons_due column: the earliest report deadline of
// its unreported summons while it is open, or NULL.
func summonsDue(d *dialect, c *cases.Case) any {
	if t, ok := store.SummonsDue(c); ok {
		return d.time(t)
	}
	return nil
}

// backfillSummonsDue fills summons_due (migration 4).
func backfillSummonsDue(ctx context.Context, tx *sql.Tx, d *dialect) error {
	return backfillCases(ctx, tx, d, func(c *cases.Case) (string, []any) {
		due := summonsDue(d, c)
		if due == nil {
			return "", nil
		}
		return `UPDATE cases SET summons_due = ? WHERE n = ?`, []any{due}
	})
}
