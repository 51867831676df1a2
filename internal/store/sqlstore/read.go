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

// EventsByAction returns up to limit events (default 1000, at most 10000)
// of one action with Pos > after, in Pos order, through the index
// events_action. That index leaves out create events (every case has one,
// and creates are the hot write); those are read by scanning the log from
// after, where one in a few events is a create.
func (s *Store) EventsByAction(ctx context.Context, action cases.Action, after int64, limit int) ([]cases.Event, error) {
	if s.closed.Load() {
		return nil, store.ErrClosed
	}
	if limit <= 0 {
		limit = 1000
	}
	limit = min(limit, 10000)
	evs, err := s.queryEvents(ctx, eventsByActionQuery(action), string(action), after, limit)
	if err != nil {
		return nil, fmt.Errorf("%s events after %d: %w", action, after, err)
	}
	return evs, nil
}

// eventsByActionQuery is the WHERE clause of EventsByAction, whose
// arguments are the action, after and limit.
func eventsByActionQuery(action cases.Action) string {
	where := `WHERE action = ? AND pos > ?`
	if action != cases.ActionCreate {
		// The index's own predicate, spelled out so both planners use it.
		where += ` AND action <> 'create'`
	}
	return where + ` ORDER BY pos LIMIT ?`
}

func (s *Store) queryEvents(ctx context.Context, where string, args ...any) ([]cases.Event, error) {
	rows, err := s.rdb.QueryContext(ctx, s.d.q(`SELECT pos, `+eventCols+` FROM events `+where), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []cases.Event
	for rows.Next() {
		e, err := scanEvent(rows.Scan)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// scanEvent reads one row of "pos, "+eventCols.
func scanEvent(scan func(dest ...any) error) (cases.Event, error) {
	var e cases.Event
	var action, from, to string
	var payload []byte
	if err := scan(&e.Pos, &e.CaseID, &e.Seq, &action, &e.Actor, &e.Unit, dbTime{&e.At}, &from, &to, &e.Note, &payload); err != nil {
		return cases.Event{}, err
	}
	e.Action, e.From, e.To = cases.Action(action), cases.State(from), cases.State(to)
	if err := json.Unmarshal(payload, &e.Payload); err != nil {
		return cases.Event{}, fmt.Errorf("decode event %s/%d: %w", e.CaseID, e.Seq, err)
	}
	return e, nil
}

// List returns the cases matching f, newest first (by insertion order),
// with an opaque cursor. That order holds for DueBefore too, not deadline
// order: the cursor stays stable while the scanner escalates the cases it
// walks (which moves their deadlines), and a scanner walks every page
// anyway. Text is a plain substring match on title and description (LIKE
// on SQLite, case-insensitive for ASCII only; ILIKE on PostgreSQL): good
// enough for now, not a search engine.
func (s *Store) List(ctx context.Context, f store.Filter) (store.Page, error) {
	if s.closed.Load() {
		return store.Page{}, store.ErrClosed
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, 1000)
	q, args, err := s.listQuery(f, limit)
	if err != nil {
		return store.Page{}, err
	}
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
			if f.ByDue {
				due, ok := page.Cases[limit-1].NextDue()
				page.Next = store.EncodeDueCursor(due, ok, last)
			}
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

// listQuery builds List's query (with "?" placeholders) and its arguments.
func (s *Store) listQuery(f store.Filter, limit int) (string, []any, error) {
	var where []string
	var args []any
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	in := func(col string, vals []any) {
		add(col+` IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", ")+`)`, vals...)
	}
	switch {
	case f.Cursor != "" && f.ByDue:
		due, hasDue, n, err := store.DecodeDueCursor(f.Cursor)
		if err != nil {
			return "", nil, err
		}
		if hasDue {
			t := s.d.time(due)
			add(`(next_due > ? OR (next_due = ? AND n > ?) OR next_due IS NULL)`, t, t, n)
		} else {
			add(`next_due IS NULL AND n > ?`, n)
		}
	case f.Cursor != "":
		n, err := decodeCursor(f.Cursor)
		if err != nil {
			return "", nil, err
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
		cond, a := areaFilter(f.Areas)
		add(cond, a...)
	}
	if f.Scope != nil {
		cond, a := scopeFilter(f.Scope)
		add(cond, a...)
	}
	if !f.CreatedFrom.IsZero() {
		add(`created_at >= ?`, s.d.time(f.CreatedFrom))
	}
	if !f.CreatedTo.IsZero() {
		add(`created_at < ?`, s.d.time(f.CreatedTo))
	}
	if !f.DueBefore.IsZero() {
		// next_due is NULL unless the case is open with a deadline running.
		add(`next_due < ?`, s.d.time(f.DueBefore))
	}
	if f.MinReturns > 0 {
		// "returns > 0" lets the partial index cases_returns serve it.
		add(`returns > 0 AND returns >= ?`, f.MinReturns)
	}
	if f.OpenSummons {
		// summons_due is NULL unless the open case waits for a report.
		add(`summons_due IS NOT NULL`)
	}
	switch f.Queue {
	case "":
	case store.QueueNone:
		add(`queue = ''`)
	default:
		// "queue <> ''" lets the partial index cases_queue serve it.
		add(`queue <> '' AND queue = ?`, string(f.Queue))
	}
	if f.Parent != "" {
		// "parent_id <> ''" lets the partial index cases_parent serve it.
		add(`parent_id <> '' AND parent_id = ?`, f.Parent)
	}
	if f.Text != "" {
		p := "%" + escapeLike(f.Text) + "%"
		add(`(title `+s.d.like+` ? ESCAPE '\' OR description `+s.d.like+` ? ESCAPE '\')`, p, p)
	}
	q := `SELECT n, doc FROM cases`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, ` AND `)
	}
	switch {
	case f.ByDue:
		// Deadline order: running deadlines first, earliest first.
		q += ` ORDER BY next_due IS NULL, next_due, n LIMIT ?`
	case !f.DueBefore.IsZero() || f.MinReturns > 0 || f.OpenSummons || f.Parent != "" || f.Queue != "" && f.Queue != store.QueueNone:
		// These select few cases through their partial indexes; "+n" keeps
		// SQLite from scanning every case in n order instead (then sorting
		// the few found is cheap).
		q += ` ORDER BY +n DESC LIMIT ?`
	default:
		q += ` ORDER BY n DESC LIMIT ?`
	}
	args = append(args, limit+1)
	return q, args, nil
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
