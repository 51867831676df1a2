package workflow

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/dispatch"
	"yiwang/internal/store"
)

// Create stores a new case and dispatches it by the responsibility list.
// created is the store's answer: false for a retried create, which returns
// the case as it is now. A case that was created but not yet dispatched
// (its create event is its only event, e.g. the node failed in between) is
// dispatched by the retry; the idempotency key of the dispatch makes sure
// it is dispatched once. A failed dispatch does not fail the create: the
// case is stored and waits in the manual queue, and the error is logged.
func (w *Workflow) Create(ctx context.Context, req store.CreateRequest) (cases.Case, bool, error) {
	if req.At.IsZero() {
		req.At = w.now()
	}
	if len(req.Then) == 0 {
		// Decide before storing, so that the case and its dispatch (or its
		// place in the manual queue) are written in one transaction: no
		// crash can leave a new case undispatched, and one write costs
		// one fsync instead of two.
		note, hold := w.classifyNew(&req.Case) // may set a suggested category
		n := req.Case
		n.Normalize()
		var c cases.Case
		if err := cases.Apply(&c, cases.NewCreate("", n, req.Actor, req.Unit, req.At)); err == nil {
			switch {
			case note == nil:
				req.Then = []cases.Command{w.dispatchCommand(&c, req.At)}
			case hold:
				req.Then = []cases.Command{w.holdCommand(*note, &c)}
			default:
				req.Then = []cases.Command{*note, w.dispatchCommand(&c, req.At)}
			}
		}
	}
	c, created, err := w.store.Create(ctx, req)
	if errors.Is(err, cases.ErrTransition) {
		w.log.ErrorContext(ctx, "automatic dispatch refused; the case waits in the manual queue", "err", err)
		req.Then = nil
		c, created, err = w.store.Create(ctx, req)
	}
	if err != nil {
		return c, created, err
	}
	if c.State == cases.StateReceived && c.Version == 1 {
		// Stored without its dispatch (a retry of a create made before
		// dispatch was part of it, or a refused dispatch): do it now.
		d, err := w.autoDispatch(ctx, c)
		if err != nil {
			w.log.ErrorContext(ctx, "automatic dispatch failed; the case waits in the manual queue", "case", c.ID, "err", err)
			return c, created, nil
		}
		return d, created, nil
	}
	return c, created, nil
}

// Query is the dispatch question for a case: its category, location chain,
// severity and creation time.
func Query(c *cases.Case) dispatch.Query {
	l := c.Location
	var chain []string
	for _, code := range []string{l.District, l.Street, l.Community, l.Grid} {
		if code != "" {
			chain = append(chain, code)
		}
	}
	return dispatch.Query{Category: c.Category, Chain: chain, Severity: dispatch.Severity(c.Severity), At: c.CreatedAt}
}

// dispatchCommand is the automatic decision for a new case at time at: a
// dispatch to the lead unit of the rule that covers it, or, when no rule
// does, a note explaining the near-misses that leaves the case in the
// dispatchers' manual queue (with its dispatch deadline, if a policy sets
// one).
func (w *Workflow) dispatchCommand(c *cases.Case, at time.Time) cases.Command {
	dec := w.Engine().DecideExplained(Query(c))
	if dec.Manual {
		cmd := cases.Command{Action: cases.ActionNote, Actor: SystemActor, Note: dec.Explain(dispatch.LangZH),
			Payload: cases.Payload{Automatic: true}}
		if due := w.dispatchDeadline(c, c.CreatedAt); due != nil {
			cmd.Payload.Deadlines = &cases.Deadlines{Dispatch: due}
		}
		return cmd
	}
	return cases.Command{Action: cases.ActionDispatch, Actor: SystemActor, Note: oneLine(dec.Explain(dispatch.LangZH)),
		Payload: cases.Payload{Unit: dec.Lead, CoUnits: append([]string(nil), dec.Co...), RuleID: dec.RuleID, Automatic: true,
			Deadlines: w.unitDeadlines(c, dec.Lead, at)}}
}

// autoDispatch appends the automatic decision to a case whose only event
// is its creation.
func (w *Workflow) autoDispatch(ctx context.Context, c cases.Case) (cases.Case, error) {
	at := w.now()
	if at.Before(c.CreatedAt) {
		at = c.CreatedAt
	}
	req := store.TransitionRequest{ID: c.ID, At: at, ExpectVersion: c.Version, Command: w.dispatchCommand(&c, at)}
	req.IdempotencyKey = "dispatch/" + c.ID + "/1"
	if req.Command.Action == cases.ActionNote {
		req.IdempotencyKey = "dispatch/" + c.ID + "/manual"
	}
	d, _, err := w.store.Transition(ctx, req)
	if errors.Is(err, store.ErrVersionConflict) {
		// Another node (or a retry) acted on the case first.
		return w.store.Get(ctx, c.ID)
	}
	if err != nil {
		return c, fmt.Errorf("dispatching case %s: %w", c.ID, err)
	}
	return d, nil
}

// oneLine joins the decision and its reason (the first two lines of an
// explanation) into one line.
func oneLine(s string) string {
	lines := strings.SplitN(strings.TrimSpace(s), "\n", 3)
	if len(lines) > 2 {
		lines = lines[:2]
	}
	return strings.Join(lines, " ")
}

// at returns the event time of a request: its own, or the clock's.
func (w *Workflow) at(t time.Time) time.Time {
	if t.IsZero() {
		return w.now()
	}
	return t
}
