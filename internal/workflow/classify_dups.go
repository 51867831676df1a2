package workflow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/nlp/dedup"
	"yiwang/internal/store"
	"yiwang/internal/stream"
)

// EventLog is the part of store.Store the duplicate index reads.
type EventLog interface {
	Events(ctx context.Context, after int64, limit int) ([]cases.Event, error)
}

// Duplicates finds open cases whose text nearly equals a message's: a
// SimHash index (nlp/dedup) fed by the event stream. The index cannot
// remove, so cases that close, merge or are voided are remembered and left
// out of the answers. It is safe for concurrent use.
type Duplicates struct {
	ix *dedup.Index

	mu     sync.RWMutex
	done   map[string]bool // cases no longer open
	seeded map[string]bool // cases Seed indexed (their create events are skipped)
	pos    int64           // last event position applied
}

// NewDuplicates returns an empty index.
func NewDuplicates(o dedup.Options) *Duplicates {
	return &Duplicates{ix: dedup.New(o), done: map[string]bool{}}
}

// dupArea is the area two duplicates must share: the street, else the district.
func dupArea(l cases.Location) string {
	if l.Street != "" {
		return l.Street
	}
	return l.District
}

// Apply indexes created cases and forgets terminated ones; events at or
// before the last position applied are skipped.
func (d *Duplicates) Apply(evs ...cases.Event) {
	for _, e := range evs {
		d.mu.Lock()
		if e.Pos != 0 && e.Pos <= d.pos {
			d.mu.Unlock()
			continue
		}
		d.pos = max(d.pos, e.Pos)
		switch e.Action {
		case cases.ActionClose, cases.ActionMerge, cases.ActionVoid:
			d.done[e.CaseID] = true
		}
		d.mu.Unlock()
		if e.Action == cases.ActionCreate && e.Payload.Case != nil && !d.isSeeded(e.CaseID) {
			n := e.Payload.Case
			d.ix.Add(e.CaseID, n.Title+"\n"+n.Description, dupArea(n.Location), e.At)
		}
	}
}

func (d *Duplicates) isSeeded(id string) bool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.seeded[id]
}

// CaseLister is the part of store.Store that Seed reads.
type CaseLister interface {
	List(ctx context.Context, f store.Filter) (store.Page, error)
}

// Seed fills an empty index from the cases created since since that are
// open now, instead of replaying the whole event log, and makes the index
// continue from log position pos: the caller must know that the log
// held at least the events up to pos before Seed lists (a node passes
// the position its situation aggregates have applied). Cases created
// after pos are indexed once (their create events are skipped when caught
// up); closes after pos are applied as usual. Duplicates are only looked
// for within the index's time window, so since = now − window loses no
// answer at now or later.
func (d *Duplicates) Seed(ctx context.Context, l CaseLister, since time.Time, pos int64) error {
	d.mu.Lock()
	if d.pos != 0 || d.ix.Len() != 0 {
		d.mu.Unlock()
		return errors.New("duplicates: Seed needs an empty index")
	}
	d.seeded = map[string]bool{}
	d.mu.Unlock()
	f := store.Filter{CreatedFrom: since, Limit: 1000}
	for {
		page, err := l.List(ctx, f)
		if err != nil {
			return fmt.Errorf("duplicates: listing cases since %s: %w", since.Format(time.RFC3339), err)
		}
		for i := range page.Cases {
			c := &page.Cases[i]
			if !c.Open() {
				continue
			}
			d.ix.Add(c.ID, c.Title+"\n"+c.Description, dupArea(c.Location), c.CreatedAt)
			d.mu.Lock()
			d.seeded[c.ID] = true
			d.mu.Unlock()
		}
		if page.Next == "" {
			break
		}
		f.Cursor = page.Next
	}
	d.mu.Lock()
	d.pos = pos
	d.mu.Unlock()
	return nil
}

// Match is an open case similar to a message.
type Match = dedup.Match

// Similar returns up to limit open cases similar to a message in area
// (a street or district code; "" for anywhere) around time at, most
// similar first.
func (d *Duplicates) Similar(title, body, area string, at time.Time, limit int) []Match {
	ms := d.ix.Similar(title+"\n"+body, area, at)
	d.mu.RLock()
	defer d.mu.RUnlock()
	out := ms[:0]
	for _, m := range ms {
		if !d.done[m.ID] && len(out) < limit {
			out = append(out, m)
		}
	}
	return out
}

// dupPage is how many events one catch-up read asks for.
const dupPage = 1000

// CatchUp applies the events of the log after the last one applied.
func (d *Duplicates) CatchUp(ctx context.Context, log EventLog) error {
	for {
		d.mu.RLock()
		after := d.pos
		d.mu.RUnlock()
		evs, err := log.Events(ctx, after, dupPage)
		if err != nil {
			return fmt.Errorf("duplicates: reading events after %d: %w", after, err)
		}
		d.Apply(evs...)
		if len(evs) < dupPage {
			return nil
		}
	}
}

// Follow keeps the index current until ctx ends or the bus closes: it
// subscribes, catches up from the log, then applies each committed event,
// catching up again when the subscription lags.
func (d *Duplicates) Follow(ctx context.Context, log EventLog, bus *stream.Bus, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	for {
		sub := bus.Subscribe(4096)
		if err := d.CatchUp(ctx, log); err != nil {
			sub.Cancel()
			return err
		}
		err := d.consume(ctx, sub)
		if !errors.Is(err, stream.ErrLagged) {
			return err
		}
		logger.Info("duplicate index fell behind the event stream; catching up from the log")
	}
}

func (d *Duplicates) consume(ctx context.Context, sub *stream.Subscription) error {
	return sub.Each(ctx, func(e cases.Event) error { d.Apply(e); return nil })
}

// SetDuplicates makes the workflow answer SimilarOpen from d (nil: none).
func (w *Workflow) SetDuplicates(d *Duplicates) { w.dups.Store(d) }

// SimilarOpen returns up to limit open cases similar to a message; false
// when no duplicate index is set.
func (w *Workflow) SimilarOpen(title, body string, loc cases.Location, at time.Time, limit int) ([]Match, bool) {
	d := w.dups.Load()
	if d == nil {
		return nil, false
	}
	return d.Similar(title, body, dupArea(loc), at, limit), true
}
