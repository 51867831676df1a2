package workflow

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// maxRaceRetries bounds how often Transition recomputes its additions when
// the case changes underneath a request that named no version.
const maxRaceRetries = 3

// completed are the actions whose commands the workflow completes.
var completed = []cases.Action{cases.ActionDispatch, cases.ActionReassign, cases.ActionReopen, cases.ActionResume,
	cases.ActionApproveExtension, cases.ActionRefuseExtension, cases.ActionReturn}

// Transition applies a command through the store with the workflow's
// additions:
//   - dispatch and reassign must name units the directory knows
//     (a *cases.FieldError on payload.unit or payload.co_units otherwise);
//   - dispatch, reassign and reopen without payload.deadlines get the SLA
//     deadlines, started now on the lead unit's calendar;
//   - resume, approve_extension and refuse_extension move the running
//     deadlines by the pause they end (an approver's deadline stays);
//   - a return is refused (a *cases.TransitionError) outside the unit's
//     return window after the case was dispatched to it, and restarts the
//     dispatch clock;
//   - a recategorise of a case in the dispatch queue (received, returned)
//     runs the responsibility list on the new category and, when a rule
//     covers it, dispatches automatically (see redispatch): the case
//     returned is then the dispatched one, the event the recategorise;
//   - after a resolve or a merge commits, the reply is relayed to the
//     cases merged into the resolved case, or to the merged case from
//     its parent (see merge.go).
//
// Because the additions depend on the case, a request without
// ExpectVersion is sent with the version they were computed on and
// recomputed if the case changed meanwhile.
func (w *Workflow) Transition(ctx context.Context, req store.TransitionRequest) (cases.Case, cases.Event, error) {
	req.At = w.at(req.At)
	for attempt := 0; ; attempt++ {
		c, err := w.store.Get(ctx, req.ID)
		if err != nil {
			return cases.Case{}, cases.Event{}, err
		}
		r := req
		if err := w.complete(&c, &r); err != nil {
			return cases.Case{}, cases.Event{}, err
		}
		pinned := req.ExpectVersion == 0 && slices.Contains(completed, req.Command.Action)
		if pinned {
			r.ExpectVersion = c.Version
		}
		c2, e, err := w.store.Transition(ctx, r)
		if pinned && errors.Is(err, store.ErrVersionConflict) && attempt < maxRaceRetries {
			continue
		}
		if err == nil && e.Action == cases.ActionRecategorise {
			c2 = w.redispatch(ctx, c2)
		}
		if err == nil {
			w.afterCommit(ctx, e) // merge.go: relay replies to merged cases
		}
		return c2, e, err
	}
}

// complete checks and fills req.Command against the case as it is.
func (w *Workflow) complete(c *cases.Case, req *store.TransitionRequest) error {
	cmd := &req.Command
	p := &cmd.Payload
	allowed := slices.Contains(cases.Allowed(c), cmd.Action)
	if !allowed {
		return nil // cases.Decide explains it in the store
	}
	switch cmd.Action {
	case cases.ActionDispatch, cases.ActionReassign:
		if err := w.checkUnits(p.Unit, p.CoUnits); err != nil {
			return err
		}
		if p.Deadlines == nil && p.Unit != "" {
			p.Deadlines = w.unitDeadlines(c, p.Unit, req.At)
		}
	case cases.ActionReopen:
		if p.Deadlines == nil {
			p.Deadlines = w.unitDeadlines(c, c.Unit, req.At)
		}
	case cases.ActionResume:
		p.Deadlines = w.movedDeadlines(c, cases.ActionSuspend, req.At, p.Deadlines)
	case cases.ActionApproveExtension, cases.ActionRefuseExtension:
		p.Deadlines = w.movedDeadlines(c, cases.ActionRequestExtension, req.At, p.Deadlines)
	case cases.ActionReturn:
		if err := w.checkReturnWindow(c, req.At); err != nil {
			return err
		}
		if p.Deadlines == nil {
			if due := w.dispatchDeadline(c, req.At); due != nil {
				p.Deadlines = &cases.Deadlines{Dispatch: due}
			}
		}
	}
	return nil
}

// checkUnits refuses units the directory does not know.
func (w *Workflow) checkUnits(lead string, co []string) error {
	dir := w.Engine().Directory()
	if lead != "" && !dir.Has(lead) {
		return &cases.FieldError{Field: "payload.unit", Reason: fmt.Sprintf("names unit %q, which is not in the directory (GET /api/v1/dispatch/units lists the units)", lead)}
	}
	for i, u := range co {
		if !dir.Has(u) {
			return &cases.FieldError{Field: fmt.Sprintf("payload.co_units[%d]", i), Reason: fmt.Sprintf("names unit %q, which is not in the directory", u)}
		}
	}
	return nil
}

// checkReturnWindow refuses a return after the unit's return window. A
// unit the directory no longer knows is not held to a window.
func (w *Workflow) checkReturnWindow(c *cases.Case, at time.Time) error {
	u, err := w.Engine().Directory().Unit(c.Unit)
	if err != nil || c.DispatchedAt == nil {
		return nil
	}
	refuse := func(reason string) error {
		return &cases.TransitionError{Action: cases.ActionReturn, State: c.State, Allowed: cases.Allowed(c), Reason: reason}
	}
	if u.ReturnWindow <= 0 {
		return refuse(fmt.Sprintf("unit %s (%s) may not return cases (its return window is 0)", u.Code, u.Name))
	}
	end := c.DispatchedAt.Add(u.ReturnWindow)
	if at.After(end) {
		return refuse(fmt.Sprintf("unit %s (%s) may return a case only within %v of its dispatch; the window closed at %s",
			u.Code, u.Name, u.ReturnWindow, end.In(cst).Format("2006-01-02 15:04 MST")))
	}
	return nil
}

var cst = time.FixedZone("CST", 8*3600)
