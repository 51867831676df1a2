package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// ErrExists is store.ErrExists, kept for callers of this package.
var ErrExists = store.ErrExists

// importCase is one validated history and the case it replays to.
type importCase struct {
	c      cases.Case
	events []cases.Event
}

// Import stores whole case histories as they are, all or nothing: every
// history must replay cleanly and every id must be new, otherwise nothing is
// written. Event times are kept to the microsecond and positions are
// assigned anew. Cases are stored oldest first, so List shows them in
// creation order. Later creates never reuse an imported id.
func (s *Store) Import(ctx context.Context, histories [][]cases.Event) error {
	if s.closed.Load() {
		return store.ErrClosed
	}
	prepared, err := store.PrepareImport(histories)
	if err != nil {
		return err
	}
	imp := make([]importCase, len(prepared))
	for i, p := range prepared {
		imp[i] = importCase{c: p.Case, events: p.Events}
	}
	if len(imp) == 0 {
		return nil
	}
	slices.SortStableFunc(imp, func(a, b importCase) int { return a.c.CreatedAt.Compare(b.c.CreatedAt) })
	return s.submit(ctx, &request{imp: imp}).err
}

// importCases is the writer's half of Import.
func (b *batch) importCases(imp []importCase) result {
	ids := make([]any, len(imp))
	for i := range imp {
		ids[i] = imp[i].c.ID
	}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		q := `SELECT id FROM cases WHERE id IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", ") + `) LIMIT 1`
		var id string
		err := b.tx.QueryRowContext(b.ctx, b.s.d.q(q), chunk...).Scan(&id)
		if err == nil {
			return result{err: fmt.Errorf("import: case %s: %w", id, ErrExists)}
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return result{err: fmt.Errorf("import: check ids: %w", err)}
		}
	}
	var caseRows, eventRows [][]any
	var events []cases.Event
	bump := map[string]int64{}
	for i := range imp {
		row, err := b.projection(&imp[i].c)
		if err != nil {
			return result{err: err}
		}
		caseRows = append(caseRows, row)
		for j := range imp[i].events {
			e := &imp[i].events[j]
			row, err := b.eventRow(e, nil)
			if err != nil {
				return result{err: err}
			}
			eventRows = append(eventRows, row)
			events = append(events, *e)
		}
		if day, n, ok := b.s.parseID(imp[i].c.ID); ok && n > bump[day] {
			bump[day] = n
		}
	}
	if err := b.insertRows(`INSERT INTO cases (`+caseCols+`) VALUES `, caseColCount, caseRows, nil); err != nil {
		return result{err: fmt.Errorf("import: insert cases: %w", err)}
	}
	pos := make(map[string]int64, len(events))
	err := b.insertRows(`INSERT INTO events (`+eventCols+`) VALUES `, 10, eventRows, func(scan func(...any) error) error {
		var id string
		var seq int
		var p int64
		if err := scan(&id, &seq, &p); err != nil {
			return err
		}
		pos[fmt.Sprintf("%s/%d", id, seq)] = p
		return nil
	})
	if err != nil {
		return result{err: fmt.Errorf("import: insert events: %w", err)}
	}
	for i := range events {
		events[i].Pos = pos[fmt.Sprintf("%s/%d", events[i].CaseID, events[i].Seq)]
	}
	slices.SortFunc(events, func(a, b cases.Event) int { return cmp.Compare(a.Pos, b.Pos) })
	for day, n := range bump {
		if err := b.bumpIDs(day, n); err != nil {
			return result{err: err}
		}
	}
	return result{events: events}
}

// insertRows inserts rows with multi-row statements. With each set, the
// statement returns case_id, seq, pos and each returned row is passed to it.
func (b *batch) insertRows(prefix string, cols int, rows [][]any, each func(scan func(...any) error) error) error {
	per := max(1, 1000/cols)
	for len(rows) > 0 {
		chunk := rows[:min(len(rows), per)]
		rows = rows[len(chunk):]
		args := make([]any, 0, len(chunk)*cols)
		for _, r := range chunk {
			args = append(args, r...)
		}
		q := b.s.d.q(prefix + placeholders(len(chunk), cols))
		if each == nil {
			if _, err := b.tx.ExecContext(b.ctx, q, args...); err != nil {
				return err
			}
			continue
		}
		res, err := b.tx.QueryContext(b.ctx, q+` RETURNING case_id, seq, pos`, args...)
		if err != nil {
			return err
		}
		for res.Next() {
			if err := each(res.Scan); err != nil {
				res.Close()
				return err
			}
		}
		res.Close()
		if err := res.Err(); err != nil {
			return err
		}
	}
	return nil
}
