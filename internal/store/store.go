// Package store defines how cases and their events are kept: the [Store]
// interface every storage engine implements, its sentinel errors, and the
// query types. Implementations live in subpackages (sqlstore for SQLite and
// PostgreSQL); storetest is the conformance suite they all pass.
package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"yiwang/internal/cases"
)

// Sentinel errors returned by every Store.
var (
	// ErrNotFound: no case with that id.
	ErrNotFound = errors.New("not found")
	// ErrIdempotencyConflict: the idempotency key was used before with a different request.
	ErrIdempotencyConflict = errors.New("idempotency key reused with a different request")
	// ErrVersionConflict: the case changed since the version the caller expected.
	ErrVersionConflict = errors.New("case was changed by someone else")
	// ErrClosed: the store has been closed.
	ErrClosed = errors.New("store closed")
)

// CreateRequest asks for a new case.
type CreateRequest struct {
	Case  cases.NewCase
	Actor string
	Unit  string
	// At is the creation time; zero means the store's clock.
	At time.Time
	// IdempotencyKey, when set, makes retries safe: a second create with the
	// same key and the same RequestHash returns the first case (created=false);
	// with a different RequestHash it fails with ErrIdempotencyConflict.
	IdempotencyKey string
	RequestHash    string
	// Then are commands applied to the new case in the same transaction,
	// at the same time, after its create event (the workflow's automatic
	// dispatch): the case is stored with all of them or not at all. A
	// command that cases.Decide refuses fails the whole create.
	Then []cases.Command
}

// TransitionRequest asks for one lifecycle transition of an existing case.
type TransitionRequest struct {
	ID      string
	Command cases.Command
	// At is the event time; zero means the store's clock.
	At time.Time
	// ExpectVersion, when > 0, refuses the transition with
	// ErrVersionConflict unless the case is at exactly that version.
	ExpectVersion int
	// IdempotencyKey, when set, makes the transition happen at most once
	// across every node sharing the store: a later request with the same key
	// appends nothing and returns the case as it is now with the event the
	// key first produced (err nil, Replayed true is not reported separately;
	// compare the event's Seq). Background jobs key their side effects with
	// it (e.g. "esc/<case>/<clock>/<level>"), so two schedulers racing on one
	// overdue case escalate it once. Keys share the create keys' namespace.
	IdempotencyKey string
}

// Filter selects cases for List. Zero fields do not filter.
type Filter struct {
	States   []cases.State
	Channels []cases.Channel
	// Category matches the code and its descendants ("01" matches "0103").
	Category string
	Unit     string
	// Areas matches cases whose district, street, community or grid code is
	// any of these.
	Areas []string
	// CreatedFrom (inclusive) and CreatedTo (exclusive) bound created_at.
	CreatedFrom, CreatedTo time.Time
	// Text matches a substring of the title or description.
	Text string
	// DueBefore selects open cases with a pending deadline (Case.NextDue:
	// running clocks of unpaused cases, and unreported summons) before this
	// instant: the escalation scanner's query.
	DueBefore time.Time
	// Scope, when set, keeps only the cases a signed-in user may see: lead
	// unit in Scope.Units or location inside one of Scope.Areas. An empty
	// Scope matches nothing.
	Scope *Scope
	// MinReturns selects cases returned at least this many times (the
	// arbitration queue is state returned with MinReturns 2).
	MinReturns int
	// Queue selects the cases waiting in that queue (cases.Case.Queue,
	// e.g. cases.QueueLowConfidence); QueueNone selects the cases in no
	// queue.
	Queue cases.Queue
	// Parent selects the cases merged into the case with this id
	// (cases.Case.ParentID): the children that share its handling.
	Parent string
	// OpenSummons selects open cases with a summoned unit that has not
	// reported yet (吹哨报到 awaiting its 报到; see SummonsDue).
	OpenSummons bool
	// ByDue lists in deadline order instead of newest first: the cases
	// with a pending deadline (Case.NextDue) earliest first, then those
	// with none; oldest first among equals. A work list read page by
	// page this way starts with what is most urgent. A case whose deadline
	// moves while the list is paged may show twice or not at all.
	ByDue bool
	// Cursor continues a previous page (Page.Next).
	Cursor string
	// Limit caps the page size (default 50, at most 1000).
	Limit int
}

// QueueNone, as Filter.Queue, selects the cases that wait in no queue
// (the manual queue is the received cases in none).
const QueueNone cases.Queue = "-"

// MatchQueue reports whether a case in queue q passes Filter.Queue want.
func MatchQueue(want, q cases.Queue) bool {
	switch want {
	case "":
		return true
	case QueueNone:
		return q == ""
	}
	return q == want
}

// SummonsDue is the earliest report deadline of c's summoned units that
// have not reported, when c is open: what Filter.OpenSummons selects by.
// ok is false when no summons waits (none, all reported, or c finished).
func SummonsDue(c *cases.Case) (due time.Time, ok bool) {
	if !c.Open() {
		return time.Time{}, false
	}
	for _, s := range c.Summons {
		if s.ReportedAt == nil && (!ok || s.Due.Before(due)) {
			due, ok = s.Due, true
		}
	}
	return due, ok
}

// Page is one page of List results, newest case first (or in deadline
// order, Filter.ByDue). Next is empty on the
// last page; otherwise pass it as Filter.Cursor for the next page.
type Page struct {
	Cases []cases.Case
	Next  string
}

// Store keeps cases as append-only event histories with a queryable
// projection of their current state. Every method is safe for concurrent
// use. Writes are durable when they return without error.
type Store interface {
	// Create appends the create event of a new case, allocating its id.
	Create(ctx context.Context, req CreateRequest) (c cases.Case, created bool, err error)
	// Transition judges the command with cases.Decide against the current
	// state and appends the resulting event, atomically.
	Transition(ctx context.Context, req TransitionRequest) (cases.Case, cases.Event, error)
	// Get returns a case's current state.
	Get(ctx context.Context, id string) (cases.Case, error)
	// History returns a case's events in order.
	History(ctx context.Context, id string) ([]cases.Event, error)
	// List returns cases matching f, newest first, with a stable cursor.
	List(ctx context.Context, f Filter) (Page, error)
	// Events returns up to limit events with Pos > after, in Pos order
	// (export, replay, and catching up after a lagged subscription).
	Events(ctx context.Context, after int64, limit int) ([]cases.Event, error)
	// EventsByAction returns up to limit events of one action with Pos >
	// after, in Pos order (e.g. every return, to count returns per unit and
	// per rule).
	EventsByAction(ctx context.Context, action cases.Action, after int64, limit int) ([]cases.Event, error)
	// GetDocument returns a named configuration document (responsibility
	// list, SLA policies …); ErrNotFound if it was never stored.
	GetDocument(ctx context.Context, name string) (Document, error)
	// PutDocument stores a new version of a document. expectVersion must be
	// the current version (0 for a new document), else ErrVersionConflict.
	PutDocument(ctx context.Context, doc Document, expectVersion int) (Document, error)
	// ListDocuments returns up to limit (1 to MaxDocumentPage) documents
	// whose names begin with prefix and sort after after, in byte order of
	// their names (pass the last name of a page as after for the next).
	ListDocuments(ctx context.Context, prefix, after string, limit int) ([]Document, error)
	// DeleteDocument removes a document (every version); ErrNotFound if
	// there is none. Putting it again afterwards starts at version 1.
	DeleteDocument(ctx context.Context, name string) error
	// Import stores whole case histories as they are (export/import, demo
	// data). Each history must replay cleanly; ids must be new.
	Import(ctx context.Context, histories [][]cases.Event) error
	// Close flushes pending writes and releases resources.
	Close() error
}

// MaxDocumentPage is the largest limit ListDocuments accepts.
const MaxDocumentPage = 1000

// CheckDocumentPage validates ListDocuments' limit.
func CheckDocumentPage(limit int) error {
	if limit < 1 || limit > MaxDocumentPage {
		return &cases.FieldError{Field: "limit", Reason: fmt.Sprintf("must be from 1 to %d, got %d", MaxDocumentPage, limit)}
	}
	return nil
}

// Document is a versioned configuration document kept in the store, so
// that every node over one database serves the same rules.
type Document struct {
	Name string
	// Version counts from 1 and increases by one with each Put.
	Version   int
	Body      []byte
	UpdatedBy string
	UpdatedAt time.Time
}
