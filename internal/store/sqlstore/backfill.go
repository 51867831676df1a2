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

// backfillQueue fills queue and the documents' queue and suggestions
// (migration 5) from the classification notes the platform wrote before
// their payload carried them: each case with such a note is replayed from
// its events (cases.Apply reads those notes' text), and its document
// takes the replayed queue and suggestions; nothing else of it changes.
func backfillQueue(ctx context.Context, tx *sql.Tx, d *dialect) error {
	seen := map[string]bool{}
	var after int64
	for {
		rows, err := tx.QueryContext(ctx, d.q(`SELECT pos, case_id FROM events
			WHERE action = 'note' AND action <> 'create' AND pos > ? AND actor LIKE 'system:%' AND note LIKE '分类建议 %'
			ORDER BY pos LIMIT ?`), after, backfillPage)
		if err != nil {
			return err
		}
		var ids []string
		n := 0
		for rows.Next() {
			var id string
			if err := rows.Scan(&after, &id); err != nil {
				rows.Close()
				return err
			}
			n++
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, id := range ids {
			if err := backfillQueueOf(ctx, tx, d, id); err != nil {
				return fmt.Errorf("case %s: %w", id, err)
			}
		}
		if n < backfillPage {
			return nil
		}
	}
}

// backfillQueueOf replays case id and stores its queue and suggestions.
func backfillQueueOf(ctx context.Context, tx *sql.Tx, d *dialect, id string) error {
	rows, err := tx.QueryContext(ctx, d.q(`SELECT pos, `+eventCols+` FROM events WHERE case_id = ? ORDER BY seq`), id)
	if err != nil {
		return err
	}
	var hist []cases.Event
	for rows.Next() {
		e, err := scanEvent(rows.Scan)
		if err != nil {
			rows.Close()
			return err
		}
		hist = append(hist, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	replayed, err := cases.Replay(hist)
	if err != nil {
		return err
	}
	var n int64
	var doc []byte
	if err := tx.QueryRowContext(ctx, d.q(`SELECT n, doc FROM cases WHERE id = ?`), id).Scan(&n, &doc); err != nil {
		return err
	}
	var c cases.Case
	if err := json.Unmarshal(doc, &c); err != nil {
		return err
	}
	c.Queue, c.Suggestions = replayed.Queue, replayed.Suggestions
	if doc, err = json.Marshal(&c); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, d.q(`UPDATE cases SET doc = ?, queue = ? WHERE n = ?`), string(doc), string(c.Queue), n)
	return err
}

// backfillParent fills parent_id (migration 6) from the documents.
func backfillParent(ctx context.Context, tx *sql.Tx, d *dialect) error {
	return backfillCases(ctx, tx, d, func(c *cases.Case) (string, []any) {
		if c.ParentID == "" {
			return "", nil
		}
		return `UPDATE cases SET parent_id = ? WHERE n = ?`, []any{c.ParentID}
	})
}
