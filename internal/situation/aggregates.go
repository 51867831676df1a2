package situation

import (
	"container/heap"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"yiwang/internal/cases"
)

// Shanghai is the time zone days are counted in (UTC+8, no daylight saving).
var Shanghai = time.FixedZone("Asia/Shanghai", 8*3600)

// HourBuckets and DayBuckets are the lengths of the trends.
const (
	HourBuckets = 48
	DayBuckets  = 30
)

// caseRec is what the aggregates remember of one case: its fixed keys, its
// current contribution, and (while it is open) its folded state without
// the large free-text fields.
type caseRec struct {
	areas  [4]int32 // city, district, street, grid; -1 when unknown
	cat    string   // level-1 category code
	unit   string
	state  cases.State
	onTime bool
	// rated and satisfied count every rating (回访 or the citizen's) the
	// case ever received, kept when an unsatisfied one reopens it.
	rated, satisfied int64
	// due is the earliest running deadline (zero when none); overdue says
	// whether the case is counted as overdue; gen invalidates heap entries.
	due     time.Time
	overdue bool
	gen     uint32
	live    *cases.Case // nil once the case is terminal
	// liveSave is the save that may still be reading live (see
	// Aggregates.saving): apply copies live before changing it then.
	liveSave uint64
}

type areaAgg struct {
	counters
	cats  map[string]*counters
	units map[string]*counters
}

type bucketKey struct {
	area int32
	idx  int32
}

type trendCounts struct{ Intake, Resolved int64 }

// Aggregates are the situation figures of every area, updated event by
// event. Create with New; safe for concurrent use.
type Aggregates struct {
	mu      sync.Mutex
	recs    map[string]*caseRec
	areaIDs map[string]int32
	codes   []string // area codes by id
	areas   []*areaAgg
	hours   map[bucketKey]*trendCounts
	days    map[bucketKey]*trendCounts
	due     dueHeap
	mark    time.Time // every case with due before mark is counted overdue
	lastPos int64
	events  int64
	// The event at lastPos (its case, seq and time): saved aggregates
	// check with it that they belong to the log they are loaded against.
	lastCase string
	lastSeq  int
	lastAt   time.Time
	// saving is the number of the save in progress (0: none). A save
	// copies the state under the lock but encodes the open cases' folded
	// state after releasing it; until it ends, apply copies a case's
	// folded state before changing it (copy on write), so the save reads
	// a stable one and events are not held up by the encoding.
	saving, saves uint64
	// saveMu lets one save run at a time.
	saveMu sync.Mutex
}

// New returns empty aggregates.
func New() *Aggregates {
	a := &Aggregates{recs: map[string]*caseRec{}, areaIDs: map[string]int32{},
		hours: map[bucketKey]*trendCounts{}, days: map[bucketKey]*trendCounts{}}
	a.areaID("") // the city
	return a
}

func (a *Aggregates) areaID(code string) int32 {
	if id, ok := a.areaIDs[code]; ok {
		return id
	}
	id := int32(len(a.areas))
	a.areaIDs[code] = id
	a.codes = append(a.codes, code)
	a.areas = append(a.areas, &areaAgg{cats: map[string]*counters{}, units: map[string]*counters{}})
	return id
}

func (a *Aggregates) each(r *caseRec, f func(ag *areaAgg)) {
	for _, id := range r.areas {
		if id >= 0 {
			f(a.areas[id])
		}
	}
}

func sub(m map[string]*counters, k string) *counters {
	c := m[k]
	if c == nil {
		c = &counters{}
		m[k] = c
	}
	return c
}

// District returns the district code of a case the aggregates know ("" when
// it is not located or unknown).
func (a *Aggregates) District(caseID string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if r := a.recs[caseID]; r != nil && r.areas[1] >= 0 {
		return a.codes[r.areas[1]]
	}
	return ""
}

// LastPos is the log position of the last event applied.
func (a *Aggregates) LastPos() int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.lastPos
}

// Apply folds committed events in. Events at or before the last applied
// position are skipped (a catch-up may overlap the stream).
func (a *Aggregates) Apply(events ...cases.Event) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, e := range events {
		if e.Pos > 0 && e.Pos <= a.lastPos {
			continue
		}
		if err := a.apply(e); err != nil {
			return err
		}
		if e.Pos > a.lastPos {
			a.lastPos = e.Pos
			a.lastCase, a.lastSeq, a.lastAt = e.CaseID, e.Seq, e.At
		}
		a.events++
	}
	return nil
}

func hourIndex(t time.Time) int32 { return int32(t.Unix() / 3600) }
func dayIndex(t time.Time) int32  { return int32((t.Unix() + 8*3600) / 86400) }

func (a *Aggregates) bump(r *caseRec, at time.Time, intake, resolved int64) {
	h, d := hourIndex(at), dayIndex(at)
	for _, id := range r.areas {
		if id < 0 {
			continue
		}
		for _, m := range []struct {
			m map[bucketKey]*trendCounts
			k bucketKey
		}{{a.hours, bucketKey{id, h}}, {a.days, bucketKey{id, d}}} {
			t := m.m[m.k]
			if t == nil {
				t = &trendCounts{}
				m.m[m.k] = t
			}
			t.Intake += intake
			t.Resolved += resolved
		}
	}
}

func (a *Aggregates) apply(e cases.Event) error {
	r := a.recs[e.CaseID]
	if e.Action == cases.ActionCreate {
		if r != nil {
			return fmt.Errorf("situation: case %s created twice", e.CaseID)
		}
		r = &caseRec{live: &cases.Case{}}
		if err := cases.Apply(r.live, e); err != nil {
			return fmt.Errorf("situation: %w", err)
		}
		loc := r.live.Location
		r.areas = [4]int32{0, -1, -1, -1}
		for i, code := range []string{loc.District, loc.Street, loc.Grid} {
			if code != "" {
				r.areas[i+1] = a.areaID(code)
			}
		}
		a.recs[e.CaseID] = r
		a.refresh(r)
		a.add(r, 1)
		a.bump(r, e.At, 1, 0)
		a.schedule(r)
		return nil
	}
	if r == nil {
		return fmt.Errorf("situation: event %d of unknown case %s", e.Seq, e.CaseID)
	}
	if r.live == nil { // closed or voided: only notes follow, which change nothing here
		return nil
	}
	if a.saving != 0 && r.liveSave == a.saving {
		live, err := cloneCase(r.live)
		if err != nil {
			return err
		}
		r.live, r.liveSave = live, 0
	}
	before := r.live.Deadlines
	a.unschedule(r)
	a.add(r, -1)
	if err := cases.Apply(r.live, e); err != nil {
		return fmt.Errorf("situation: %w", err)
	}
	switch {
	case e.Action == cases.ActionDispatch || e.Action == cases.ActionReassign || e.Action == cases.ActionReopen:
		unit := r.live.Unit
		a.each(r, func(ag *areaAgg) {
			ag.Dispatches++
			sub(ag.units, unit).Dispatches++
		})
	case e.Action == cases.ActionAccept:
		if before.SignOff == nil || !e.At.After(*before.SignOff) {
			unit := r.live.Unit
			a.each(r, func(ag *areaAgg) {
				ag.SignedOnTime++
				sub(ag.units, unit).SignedOnTime++
			})
		}
	case e.Action == cases.ActionResolve:
		r.onTime = before.Resolve == nil || !e.At.After(*before.Resolve)
		a.bump(r, e.At, 0, 1)
	case e.Action == cases.ActionVerify && e.Payload.Satisfaction != "":
		r.rated++
		if e.Payload.Satisfaction != cases.Unsatisfied {
			r.satisfied++
		}
	}
	a.refresh(r)
	a.add(r, 1)
	a.schedule(r)
	return nil
}

// refresh copies the folded case's figures into r and drops what the
// aggregates never read.
func (a *Aggregates) refresh(r *caseRec) {
	c := r.live
	// The category follows recategorise (改类): apply takes the case out
	// under the old one and puts it back under the new.
	r.state, r.unit, r.cat = c.State, c.Unit, level1(c.Category)
	r.due = time.Time{}
	if t, ok := c.NextDue(); ok {
		r.due = t
	}
	if final(c.State) {
		r.live = nil
		return
	}
	c.Title, c.Description, c.Reply = "", "", ""
	c.Reporter, c.Attachments, c.Tags = cases.Reporter{}, nil, nil
	c.Location = cases.Location{}
}

// final reports whether no event changes a case in s any more, so that
// its fold can be dropped: closed and voided. A merged case keeps its
// fold: when its parent is voided, a detach returns it to handling.
func final(s cases.State) bool { return s == cases.StateClosed || s == cases.StateVoided }

func (a *Aggregates) add(r *caseRec, sign int64) {
	a.each(r, func(ag *areaAgg) {
		ag.addCase(r, sign)
		sub(ag.cats, r.cat).addCase(r, sign)
		if r.unit != "" {
			sub(ag.units, r.unit).addCase(r, sign)
		}
	})
}

func (a *Aggregates) setOverdue(r *caseRec, on bool) {
	if r.overdue == on {
		return
	}
	r.overdue = on
	sign := int64(-1)
	if on {
		sign = 1
	}
	a.each(r, func(ag *areaAgg) {
		ag.addOverdue(r, sign)
		sub(ag.cats, r.cat).addOverdue(r, sign)
		if r.unit != "" {
			sub(ag.units, r.unit).addOverdue(r, sign)
		}
	})
}

func (a *Aggregates) unschedule(r *caseRec) {
	a.setOverdue(r, false)
	r.gen++
}

func (a *Aggregates) schedule(r *caseRec) {
	if r.due.IsZero() {
		return
	}
	if r.due.Before(a.mark) {
		a.setOverdue(r, true)
		return
	}
	heap.Push(&a.due, dueEntry{at: r.due, rec: r, gen: r.gen})
	if len(a.due) > 64 && len(a.due) > 2*len(a.recs) {
		a.compact()
	}
}

// advance counts as overdue every case whose deadline is before now. Time
// normally only moves on; a now before the last one rebuilds the overdue
// flags from every case (O(cases), only after the clock went back).
func (a *Aggregates) advance(now time.Time) {
	if now.Before(a.mark) {
		a.mark = time.Time{}
		a.due = a.due[:0]
		for _, r := range a.recs {
			a.unschedule(r)
			if !r.due.IsZero() {
				a.due = append(a.due, dueEntry{at: r.due, rec: r, gen: r.gen})
			}
		}
		heap.Init(&a.due)
	}
	for len(a.due) > 0 && a.due[0].at.Before(now) {
		x := heap.Pop(&a.due).(dueEntry)
		if x.gen == x.rec.gen && x.rec.due.Equal(x.at) {
			a.setOverdue(x.rec, true)
		}
	}
	a.mark = now
}

func (a *Aggregates) compact() {
	live := a.due[:0]
	for _, x := range a.due {
		if x.gen == x.rec.gen && !x.rec.overdue {
			live = append(live, x)
		}
	}
	a.due = live
	heap.Init(&a.due)
}

// cloneCase deep-copies a folded case (for copy on write during a save).
func cloneCase(c *cases.Case) (*cases.Case, error) {
	b, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("situation: copying case %s: %w", c.ID, err)
	}
	var out cases.Case
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("situation: copying case %s: %w", c.ID, err)
	}
	return &out, nil
}

func level1(code string) string {
	if len(code) < 2 {
		return code
	}
	return code[:2]
}

type dueEntry struct {
	at  time.Time
	rec *caseRec
	gen uint32
}

type dueHeap []dueEntry

func (h dueHeap) Len() int           { return len(h) }
func (h dueHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h dueHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *dueHeap) Push(x any)        { *h = append(*h, x.(dueEntry)) }
func (h *dueHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
