package api

import (
	"net/http"
	"slices"
	"strings"

	"yiwang/internal/cases"
)

// transitionProblem explains a refused transition. When the action is not
// allowed in the case's state (or its extension status) it is a conflict
// with the case (409); when the state allows it but the command lacks
// something (a unit, a reason, a reply) it is bad input (422).
func transitionProblem(te *cases.TransitionError) *Problem {
	// The platform's own actions are never a client's to take.
	allowed := slices.DeleteFunc(slices.Clone(te.Allowed), cases.Action.SystemOnly)
	if allowed == nil {
		allowed = []cases.Action{}
	}
	if slices.Contains(te.Allowed, te.Action) {
		p := newProblem(ProblemTransitionRefused, http.StatusUnprocessableEntity, reasonField(te), te.Error())
		p.State, p.Allowed = te.State, allowed
		return p
	}
	p := newProblem(ProblemTransitionNotAllowed, http.StatusConflict, "action", te.Error())
	p.State, p.Allowed = te.State, allowed
	return p
}

// reasonField finds the command field a refusal reason is about. The
// domain's reasons start with the field's path ("payload.unit is
// required"); the one exception is a merge into itself.
func reasonField(te *cases.TransitionError) string {
	first, _, _ := strings.Cut(te.Reason, " ")
	switch {
	case strings.HasPrefix(first, "payload.") || first == "note":
		return first
	case te.Action == cases.ActionMerge:
		return "payload.parent_id"
	}
	return "payload"
}
