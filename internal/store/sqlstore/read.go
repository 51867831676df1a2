package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// Get returns a case's current state from the projection.
func (s *Store) Get(ctx context.Context, id string) (cases.Case, error) {
	if s.closed.Load() {
		return cases.Case{}, store.ErrClosed
	}
	var doc []byte
	err := s.rdb.QueryRowContext(ctx, s.d.q(`SELECT doc FROM cases WHERE id = ?`), id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return cases.Case{}, fmt.Errorf("case %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return cases.Case{}, fmt.Errorf("get case %s: %w", id, err)
	}
	var c cases.Case
	if err := json.Unmarshal(doc, &c); err != nil {
		return cases.Case{}, fmt.Errorf("get case %s: %w", id, err)
	}
	return c, nil
}

// History returns a case's events in seq order.
func (s *Store) History(ctx context.Context, id string) ([]cases.Event, error) {
	if s.closed.Load() {
		return nil, store.ErrClosed
	}
	evs, err := s.queryEvents(ctx, `WHERE case_id = ? ORDER BY seq`, id)
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", id, err)
	}
	if len(evs) == 0 {
		return nil, fmt.Errorf("case %s: %w", id, store.ErrNotFound)
	}
	return evs, nil
}

// Events returns up to limit events (default 1000, at most 10000) with
// Pos > after, in Pos order.
func (s *Store) Events(ctx context.Context, after int64, limit int) ([]cases.Event, error) {
	if s.closed.Load() {
		return nil, store.ErrClosed
	}
	if limit <= 0 {
		limit = 1000
	}
	limit = min(limit, 10000)
	evs, err := s.queryEvents(ctx, `WHERE pos > ? ORDER BY pos LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("events after %d: %w", after, err)
	}
	return evs, nil
}

func (s *Store) queryEvents(ctx context.Context, where string, args ...any) ([]cases.Event, error) {
	rows, err := s.rdb.QueryContext(ctx, s.d.q(`SELECT pos, `+eventCols+` FROM events `+where), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []cases.Event
	for rows.Next() {
		var e cases.Event
		var action, from, to string
		var payload []byte
		if err := rows.Scan(&e.Pos, &e.CaseID, &e.Seq, &action, &e.Actor, &e.Unit, dbTime{&e.At}, &from, &to, &e.Note, &payload); err != nil {
			return nil, err
		}
		e.Action, e.From, e.To = cases.Action(action), cases.State(from), cases.State(to)
		if err := json.Unmarshal(payload, &e.Payload); err != nil {
			return nil, fmt.Errorf("decode event %s/%d: %w", e.CaseID, e.Seq, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// List returns the cases matching f, newest first (by insertion order),
// with an opaque cursor. Text is a plain substring match on title and
// description (LIKE on SQLite, case-insensitive for ASCII only; ILIKE on
// PostgreSQL): good enough for now, not a search engine.
func (s *Store) List(ctx context.Context, f store.Filter) (store.Page, error) {
	if s.closed.Load() {
		return store.Page{}, store.ErrClosed
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 1000)
	var where []string
	var args []any
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	in := func(col string, vals []any) {
		add(col+` IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", ")+`)`, vals...)
	}
	if f.Cursor != "" {
		n, err := decodeCursor(f.Cursor)
		if err != nil {
			return store.Page{}, err
		}
		add(`n < ?`, n)
	}
	if len(f.States) > 0 {
		in("state", anys(f.States))
	}
	if len(f.Channels) > 0 {
		in("channel", anys(f.Channels))
	}
	if f.Category != "" {
		add(`(category = ? OR category LIKE ? ESCAPE '\')`, f.Category, escapeLike(f.Category)+"%")
	}
	if f.Unit != "" {
		add(`unit = ?`, f.Unit)
	}
	if len(f.Areas) > 0 {
		a := anys(f.Areas)
		ph := strings.TrimSuffix(strings.Repeat("?, ", len(a)), ", ")
		add(`(district IN (`+ph+`) OR street IN (`+ph+`) OR community IN (`+ph+`) OR grid IN (`+ph+`))`,
			append(append(append(append([]any{}, a...), a...), a...), a...)...)
	}
	if !f.CreatedFrom.IsZero() {
		add(`created_at >= ?`, s.d.time(f.CreatedFrom))
	}
	if !f.CreatedTo.IsZero() {
		add(`created_at < ?`, s.d.time(f.CreatedTo))
	}
	if f.Text != "" {
		p := "%" + escapeLike(f.Text) + "%"
		add(`(title `+s.d.like+` ? ESCAPE '\' OR description `+s.d.like+` ? ESCAPE '\')`, p, p)
	}
	q := `SELECT n, doc FROM cases`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	q += ` ORDER BY n DESC LIMIT ?`
	args = append(args, limit+1)
	rows, err := s.rdb.QueryContext(ctx, s.d.q(q), args...)
	if err != nil {
		return store.Page{}, fmt.Errorf("list cases: %w", err)
	}
	defer rows.Close()
	var page store.Page
	var last int64
	for rows.Next() {
		if len(page.Cases) == limit {
			page.Next = encodeCursor(last)
			break
		}
		var doc []byte
		if err := rows.Scan(&last, &doc); err != nil {
			return store.Page{}, fmt.Errorf("list cases: %w", err)
		}
		var c cases.Case
		if err := json.Unmarshal(doc, &c); err != nil {
			return store.Page{}, fmt.Errorf("list cases: %w", err)
		}
		page.Cases = append(page.Cases, c)
	}
	if err := rows.Err(); err != nil {
		return store.Page{}, fmt.Errorf("list cases: %w", err)
	}
	return page, nil
}

func anys[T ~string](vs []T) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// escapeLike escapes LIKE wildcards with backslash.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func encodeCursor(n int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("n" + strconv.FormatInt(n, 10)))
}

func decodeCursor(c string) (int64, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil && len(raw) > 1 && raw[0] == 'n' {
		if n, err := strconv.ParseInt(string(raw[1:]), 10, 64); err == nil && n > 0 {
			return n, nil
		}
	}
	return 0, fmt.Errorf("list cases: %w", &cases.FieldError{Field: "cursor", Reason: "is not a cursor returned by this store"})
}
