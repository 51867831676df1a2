package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// batch is the writer's state for one transaction.
type batch struct {
	s   *Store
	tx  *sql.Tx
	ctx context.Context
	// keys are idempotency keys known in this transaction: those the
	// batch's creates found stored, plus those it inserted.
	keys map[string]keyRow
	ids  map[string]*idRange
	// txStmts are the statements prepared for this transaction.
	txStmts map[string]*sql.Stmt
}

// keyRow is a stored idempotency key: the request it was first used for
// and what that request produced. seq is 0 for a create key (the case is
// caseID) and the event's seq for a transition key.
type keyRow struct {
	hash, caseID string
	seq          int
}

// transitionHash is the request_hash stored with a transition's key: a key
// may be reused only for the same action on the same case.
func transitionHash(a cases.Action) string { return "transition:" + string(a) }

const caseCols = `id, state, channel, category, severity, unit, district, street, community, grid, created_at, updated_at, title, description, version, doc, next_due, returns, area, summons_due, queue, parent_id`

// caseColCount is how many columns caseCols names.
const caseColCount = 22

const eventCols = `case_id, seq, action, actor, actor_unit, at, from_state, to_state, note, payload`

// prepare looks up the idempotency keys of the batch's requests with one
// query and reserves one block of ids per creation day for the creates that
// will need one.
func (b *batch) prepare(reqs []*request) error {
	b.keys = map[string]keyRow{}
	b.ids = map[string]*idRange{}
	var keys []any
	for _, r := range reqs {
		switch {
		case r.create != nil && r.create.IdempotencyKey != "":
			keys = append(keys, r.create.IdempotencyKey)
		case r.transition != nil && r.transition.IdempotencyKey != "":
			keys = append(keys, r.transition.IdempotencyKey)
		}
	}
	maxLookup := keyLookupSizes[len(keyLookupSizes)-1]
	for len(keys) > 0 {
		n := min(len(keys), maxLookup)
		chunk := append(make([]any, 0, maxLookup), keys[:n]...)
		keys = keys[n:]
		size := maxLookup
		for _, n := range keyLookupSizes {
			if n >= len(chunk) {
				size = n
				break
			}
		}
		for len(chunk) < size {
			chunk = append(chunk, "")
		}
		st, err := b.stmt(keyLookup(size))
		if err != nil {
			return fmt.Errorf("look up idempotency keys: %w", err)
		}
		rows, err := st.QueryContext(b.ctx, chunk...)
		if err != nil {
			return fmt.Errorf("look up idempotency keys: %w", err)
		}
		for rows.Next() {
			var k string
			var row keyRow
			var seq sql.NullInt64
			if err := rows.Scan(&k, &row.hash, &row.caseID, &seq); err != nil {
				rows.Close()
				return fmt.Errorf("look up idempotency keys: %w", err)
			}
			row.seq = int(seq.Int64)
			b.keys[k] = row
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("look up idempotency keys: %w", err)
		}
	}
	need := map[string]int64{}
	seen := map[string]bool{}
	for _, r := range reqs {
		if r.create == nil {
			continue
		}
		if k := r.create.IdempotencyKey; k != "" {
			if _, stored := b.keys[k]; stored || seen[k] {
				continue
			}
			seen[k] = true
		}
		need[b.s.idDay(r.at)]++
	}
	for day, n := range need {
		first, err := b.reserveIDs(day, n)
		if err != nil {
			return err
		}
		b.ids[day] = &idRange{next: first, end: first + n - 1}
	}
	return nil
}

func (b *batch) run(r *request) result {
	switch {
	case r.create != nil:
		return b.create(r)
	case r.transition != nil:
		return b.transition(r)
	case r.doc != nil:
		return b.putDocument(r)
	default:
		return b.importCases(r.imp)
	}
}

func (b *batch) create(r *request) result {
	req := r.create
	if k, ok := b.keys[req.IdempotencyKey]; ok && req.IdempotencyKey != "" {
		if k.seq != 0 || k.hash != req.RequestHash {
			return result{err: fmt.Errorf("create: idempotency key %q was used for case %s: %w", req.IdempotencyKey, k.caseID, store.ErrIdempotencyConflict)}
		}
		c, err := b.loadCase(k.caseID, false)
		if err != nil {
			return result{err: fmt.Errorf("create: idempotent replay: %w", err)}
		}
		return result{c: c}
	}
	id, err := b.newID(b.s.idDay(r.at))
	if err != nil {
		return result{err: err}
	}
	ev := cases.NewCreate(id, req.Case, req.Actor, req.Unit, r.at)
	var c cases.Case
	if err := cases.Apply(&c, ev); err != nil {
		return result{err: fmt.Errorf("create: %w", err)}
	}
	// Judge every follow-up command before writing anything, so a refused
	// one leaves nothing behind.
	events := []cases.Event{ev}
	for _, cmd := range req.Then {
		next, err := cases.Decide(&c, cmd, r.at)
		if err != nil {
			return result{err: fmt.Errorf("create: then %s: %w", cmd.Action, err)}
		}
		if err := cases.Apply(&c, next); err != nil {
			return result{err: fmt.Errorf("create: then %s: %w", cmd.Action, err)}
		}
		events = append(events, next)
	}
	if err := b.insertCase(&c); err != nil {
		return result{err: err}
	}
	for i := range events {
		var payload []byte
		if i == 0 {
			payload = r.payload
		}
		if events[i].Pos, err = b.insertEvent(events[i], payload); err != nil {
			return result{err: err}
		}
	}
	if req.IdempotencyKey != "" {
		if err := b.exec(qInsertKey,
			req.IdempotencyKey, req.RequestHash, id); err != nil {
			return result{err: fmt.Errorf("create: store idempotency key: %w", err)}
		}
		b.keys[req.IdempotencyKey] = keyRow{hash: req.RequestHash, caseID: id}
	}
	return result{c: c, created: true, events: events}
}

func (b *batch) transition(r *request) result {
	req := r.transition
	hash := transitionHash(req.Command.Action)
	if k, ok := b.keys[req.IdempotencyKey]; ok && req.IdempotencyKey != "" {
		return b.replayTransition(req, k, hash)
	}
	c, err := b.loadCase(req.ID, true)
	if err != nil {
		return result{err: err}
	}
	if req.ExpectVersion > 0 && c.Version != req.ExpectVersion {
		return result{err: fmt.Errorf("case %s is at version %d, not %d: %w", c.ID, c.Version, req.ExpectVersion, store.ErrVersionConflict)}
	}
	ev, err := cases.Decide(&c, req.Command, r.at)
	if err != nil {
		return result{err: fmt.Errorf("case %s: %w", c.ID, err)}
	}
	before := fixedCols(&c)
	if err := cases.Apply(&c, ev); err != nil {
		return result{err: fmt.Errorf("case %s: %w", c.ID, err)}
	}
	if err := b.updateCase(&c, fixedCols(&c) == before); err != nil {
		return result{err: err}
	}
	if ev.Pos, err = b.insertEvent(ev, nil); err != nil {
		return result{err: err}
	}
	if req.IdempotencyKey != "" {
		if err := b.exec(qInsertEventKey, req.IdempotencyKey, hash, c.ID, ev.Seq); err != nil {
			return result{err: fmt.Errorf("case %s: store idempotency key: %w", c.ID, err)}
		}
		b.keys[req.IdempotencyKey] = keyRow{hash: hash, caseID: c.ID, seq: ev.Seq}
	}
	return result{c: c, event: ev, events: []cases.Event{ev}}
}

// replayTransition answers a transition whose idempotency key is stored:
// the case as it is now and the event the key produced, appending nothing.
func (b *batch) replayTransition(req *store.TransitionRequest, k keyRow, hash string) result {
	if k.seq == 0 || k.caseID != req.ID || k.hash != hash {
		what := "the creation of case " + k.caseID
		if k.seq != 0 {
			what = fmt.Sprintf("%s on case %s", strings.TrimPrefix(k.hash, "transition:"), k.caseID)
		}
		return result{err: fmt.Errorf("case %s: %s: idempotency key %q was used for %s: %w",
			req.ID, req.Command.Action, req.IdempotencyKey, what, store.ErrIdempotencyConflict)}
	}
	c, err := b.loadCase(k.caseID, false)
	if err != nil {
		return result{err: fmt.Errorf("idempotent replay: %w", err)}
	}
	st, err := b.stmt(qLoadEvent)
	if err != nil {
		return result{err: fmt.Errorf("idempotent replay: %w", err)}
	}
	ev, err := scanEvent(st.QueryRowContext(b.ctx, k.caseID, k.seq).Scan)
	if err != nil {
		return result{err: fmt.Errorf("idempotent replay: event %s/%d: %w", k.caseID, k.seq, err)}
	}
	return result{c: c, event: ev}
}

// loadCase reads a case's projection inside the transaction (locking its
// row on PostgreSQL when forUpdate).
func (b *batch) loadCase(id string, forUpdate bool) (cases.Case, error) {
	q := qLoadCase
	if forUpdate {
		q += b.s.d.forUpdate
	}
	var doc []byte
	err := b.queryRow(q, []any{id}, &doc)
	if errors.Is(err, sql.ErrNoRows) {
		return cases.Case{}, fmt.Errorf("case %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return cases.Case{}, fmt.Errorf("load case %s: %w", id, err)
	}
	var c cases.Case
	if err := json.Unmarshal(doc, &c); err != nil {
		return cases.Case{}, fmt.Errorf("load case %s: %w", id, err)
	}
	return c, nil
}

// projection returns the cases row of c, in caseCols order.
func (b *batch) projection(c *cases.Case) ([]any, error) {
	doc, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("encode case %s: %w", c.ID, err)
	}
	t := b.s.d.time
	l := &c.Location
	return []any{c.ID, string(c.State), string(c.Channel), c.Category, string(c.Severity), c.Unit,
		l.District, l.Street, l.Community, l.Grid, t(c.CreatedAt), t(c.UpdatedAt), c.Title, c.Description,
		c.Version, string(doc), nextDue(b.s.d, c), c.Returns, areaKey(l), summonsDue(b.s.d, c), string(c.Queue), c.ParentID}, nil
}

// fixed are the projection columns a transition does not change today:
// when they stayed the same, the writer updates only the others, so SQLite
// leaves the indexes on them alone.
type fixed struct {
	channel, category, severity       string
	district, street, community, grid string
	title, description                string
	created                           int64
}

func fixedCols(c *cases.Case) fixed {
	l := &c.Location
	return fixed{string(c.Channel), c.Category, string(c.Severity), l.District, l.Street, l.Community, l.Grid,
		c.Title, c.Description, c.CreatedAt.UnixNano()}
}

// updateCase writes c's projection row: only the columns a transition
// changes when fixedSame, else every column.
func (b *batch) updateCase(c *cases.Case, fixedSame bool) error {
	var err error
	if fixedSame {
		var doc []byte
		if doc, err = json.Marshal(c); err != nil {
			return fmt.Errorf("encode case %s: %w", c.ID, err)
		}
		err = b.exec(qUpdateCaseLive, string(c.State), c.Unit, b.s.d.time(c.UpdatedAt), c.Version, string(doc),
			nextDue(b.s.d, c), c.Returns, summonsDue(b.s.d, c), string(c.Queue), c.ParentID, c.ID)
	} else {
		var args []any
		if args, err = b.projection(c); err != nil {
			return err
		}
		// args[0] is the id: move it to the WHERE clause.
		err = b.exec(qUpdateCase, append(args[1:], c.ID)...)
	}
	if err != nil {
		return fmt.Errorf("update case %s: %w", c.ID, err)
	}
	return nil
}

func (b *batch) insertCase(c *cases.Case) error {
	args, err := b.projection(c)
	if err != nil {
		return err
	}
	if err := b.exec(qInsertCase, args...); err != nil {
		return fmt.Errorf("insert case %s: %w", c.ID, err)
	}
	return nil
}

// eventRow returns the events row of e, in eventCols order. payload is
// e.Payload as JSON, or nil to encode it here.
func (b *batch) eventRow(e *cases.Event, payload []byte) ([]any, error) {
	if payload == nil {
		var err error
		if payload, err = json.Marshal(e.Payload); err != nil {
			return nil, fmt.Errorf("encode event %s/%d: %w", e.CaseID, e.Seq, err)
		}
	}
	return []any{e.CaseID, e.Seq, string(e.Action), e.Actor, e.Unit, b.s.d.time(e.At),
		string(e.From), string(e.To), e.Note, string(payload)}, nil
}

// insertEvent appends e (payload as for eventRow) and returns its pos.
func (b *batch) insertEvent(e cases.Event, payload []byte) (int64, error) {
	args, err := b.eventRow(&e, payload)
	if err != nil {
		return 0, err
	}
	var pos int64
	if b.s.d.lastInsertPos {
		err = b.execID(qInsertEventNoPos, args, &pos)
	} else {
		err = b.queryRow(qInsertEvent, args, &pos)
	}
	if err != nil {
		return 0, fmt.Errorf("insert event %s/%d: %w", e.CaseID, e.Seq, err)
	}
	return pos, nil
}
