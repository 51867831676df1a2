package memstore

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// row is one stored case: its current state as JSON, the fields List
// filters on, and the log positions of its events in seq order.
type row struct {
	n      int64
	doc    []byte
	f      fields
	events []int64
}

// fields are the values List filters on, copied out of the case so that
// nothing in them is shared with a caller.
type fields struct {
	state          cases.State
	channel        cases.Channel
	category, unit string
	areas          [4]string // district, street, community, grid
	// title and description, lower-cased for Filter.Text.
	title, description string
	created            time.Time
	// due is Case.NextDue, when hasDue.
	due     time.Time
	hasDue  bool
	returns int
	// summons: store.SummonsDue holds (an open case waits for a report).
	summons bool
	queue   cases.Queue
	parent  string
}

// entry is one event of the log, as JSON.
type entry struct {
	action cases.Action
	doc    []byte
}

// encodeCase returns c as stored: its JSON and its filter fields.
func encodeCase(c *cases.Case) ([]byte, fields, error) {
	doc, err := json.Marshal(c)
	if err != nil {
		return nil, fields{}, fmt.Errorf("encode case %s: %w", c.ID, err)
	}
	l := &c.Location
	f := fields{state: c.State, channel: c.Channel, category: c.Category, unit: c.Unit,
		areas: [4]string{l.District, l.Street, l.Community, l.Grid},
		title: strings.ToLower(c.Title), description: strings.ToLower(c.Description),
		created: norm(c.CreatedAt), returns: c.Returns, queue: c.Queue, parent: c.ParentID}
	if due, ok := c.NextDue(); ok {
		f.due, f.hasDue = norm(due), true
	}
	_, f.summons = store.SummonsDue(c)
	return doc, f, nil
}

func decodeCase(doc []byte) (cases.Case, error) {
	var c cases.Case
	if err := json.Unmarshal(doc, &c); err != nil {
		return cases.Case{}, fmt.Errorf("decode case: %w", err)
	}
	return c, nil
}

// encodeEvents gives evs the log positions from first on and encodes
// them. It returns their log entries and, when copies is set, fresh copies
// decoded from those entries (what readers of the log get), to publish.
func encodeEvents(evs []cases.Event, first int64, copies bool) ([]entry, []cases.Event, error) {
	entries := make([]entry, len(evs))
	var out []cases.Event
	for i := range evs {
		evs[i].Pos = first + int64(i)
		doc, err := json.Marshal(&evs[i])
		if err != nil {
			return nil, nil, fmt.Errorf("encode event %s/%d: %w", evs[i].CaseID, evs[i].Seq, err)
		}
		entries[i] = entry{action: evs[i].Action, doc: doc}
		if copies {
			var e cases.Event
			if err := json.Unmarshal(doc, &e); err != nil {
				return nil, nil, fmt.Errorf("decode event %s/%d: %w", evs[i].CaseID, evs[i].Seq, err)
			}
			out = append(out, e)
		}
	}
	return entries, out, nil
}

// decodeEvents decodes log entries' JSON.
func decodeEvents(docs [][]byte) ([]cases.Event, error) {
	if len(docs) == 0 {
		return nil, nil
	}
	out := make([]cases.Event, len(docs))
	for i, doc := range docs {
		if err := json.Unmarshal(doc, &out[i]); err != nil {
			return nil, fmt.Errorf("decode event: %w", err)
		}
	}
	return out, nil
}

// addRow registers a new case id, in creation order.
func (st *state) addRow(id string) *row {
	r := &row{n: int64(len(st.order)) + 1}
	st.cases[id] = r
	st.order = append(st.order, r)
	return r
}

// commit stores a case's new state and appends its new events, whose
// positions encodeEvents gave.
func (st *state) commit(r *row, doc []byte, f fields, entries []entry) {
	r.doc, r.f = doc, f
	for _, e := range entries {
		st.log = append(st.log, e)
		r.events = append(r.events, int64(len(st.log)))
	}
}

// nextPos is the position the next appended event gets.
func (st *state) nextPos() int64 { return int64(len(st.log)) + 1 }
