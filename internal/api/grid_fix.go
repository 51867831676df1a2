package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"yiwang/internal/cases"
	"yiwang/internal/dispatch"
	"yiwang/internal/store"
)

// streetUnit is the unit a case fixed on site goes to: the street office
// (街道办) whose jurisdiction covers the street of the inspector's grid,
// else the inspector's own unit (actor_unit) when the directory knows it.
func (s *Server) streetUnit(grid, own string) (string, error) {
	if s.wf == nil {
		return "", newProblem(ProblemInvalidField, http.StatusUnprocessableEntity, "fixed_on_site",
			"fixed_on_site needs the case workflow, which this server does not run")
	}
	dir := s.wf.Rules().Engine.Directory()
	street := grid[:9]
	for _, u := range dir.Units() {
		if u.Kind == dispatch.KindStreetOffice && u.Covers(street) {
			return u.Code, nil
		}
	}
	if own != "" && dir.Has(own) {
		return own, nil
	}
	return "", newProblem(ProblemInvalidField, http.StatusUnprocessableEntity, "fixed_on_site",
		fmt.Sprintf("no street office in the directory covers street %s of grid %s; name your unit in actor_unit (GET /api/v1/dispatch/units lists them)", street, grid))
}

// fixOnSite takes a case fixed on site by the inspector to closed:
// dispatch (or reassign) to the street unit, accept, resolve with the
// reply and the after-photo, close — each a workflow transition by the
// inspector, each with an idempotency key, so that a retried report
// finishes the chain where it stopped.
func (s *Server) fixOnSite(ctx context.Context, c cases.Case, rep gridReport, plan gridPlan) (cases.Case, error) {
	reply := rep.Reply
	if reply == "" {
		reply = defaultFixReply
	}
	for range 6 {
		cmd := cases.Command{Actor: rep.Inspector, Unit: plan.fixUnit}
		switch {
		case c.State == cases.StateClosed:
			return c, nil
		case c.State == cases.StateReceived || c.State == cases.StateReturned:
			cmd.Action, cmd.Payload.Unit = cases.ActionDispatch, plan.fixUnit
			cmd.Note = "网格员随手办：派至本街道"
		case c.State == cases.StateDispatched && c.Unit != plan.fixUnit:
			cmd.Action, cmd.Payload.Unit = cases.ActionReassign, plan.fixUnit
			cmd.Note = "网格员随手办：改派至本街道"
		case c.State == cases.StateDispatched:
			cmd.Action = cases.ActionAccept
		case c.State == cases.StateAccepted || c.State == cases.StateInProgress:
			cmd.Action, cmd.Payload.Reply = cases.ActionResolve, reply
			cmd.Note = "处置后照片：" + attachmentURL(plan.after.SHA256)
		case c.State == cases.StateResolved || c.State == cases.StateVerified:
			cmd.Action = cases.ActionClose
		default:
			return c, fmt.Errorf("case %s is %s, which the on-site flow cannot continue from", c.ID, c.State)
		}
		next, _, err := s.writer.Transition(ctx, store.TransitionRequest{ID: c.ID, Command: cmd, At: s.now(),
			IdempotencyKey: fmt.Sprintf("grid-fix/%s/%d", c.ID, c.Version)})
		if errors.Is(err, store.ErrVersionConflict) {
			if next, err = s.store.Get(ctx, c.ID); err != nil {
				return c, err
			}
		} else if err != nil {
			return c, fmt.Errorf("%s: %w", cmd.Action, err)
		}
		c = next
	}
	return c, fmt.Errorf("case %s did not reach closed", c.ID)
}
