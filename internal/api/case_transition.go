package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// transitionRequest is the body of POST /api/v1/cases/{id}/transitions.
type transitionRequest struct {
	cases.Command
	// ExpectVersion, like If-Match, refuses the transition unless the case
	// is at exactly this version.
	ExpectVersion *int `json:"expect_version,omitempty"`
}

// transitionResponse is the body of a successful transition.
type transitionResponse struct {
	Case  caseView    `json:"case"`
	Event cases.Event `json:"event"`
}

func (s *Server) transitionCase(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !plausibleID(id) {
		s.fail(w, r, store.ErrNotFound)
		return
	}
	ifMatch, err := parseIfMatch(r.Header.Values("If-Match"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var req transitionRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	expect, err := expectedVersion(ifMatch, req.ExpectVersion)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cmd := req.Command
	cmd.Actor, cmd.Unit = s.actorOf(r, strings.TrimSpace(cmd.Actor), strings.TrimSpace(cmd.Unit))
	if err := checkCommand(cmd); err != nil {
		s.fail(w, r, err)
		return
	}
	if cl, ok := s.caller(r.Context()); ok {
		if _, err := s.lookupScoped(r.Context(), id); err != nil {
			s.fail(w, r, err)
			return
		}
		if !cl.MayAct(cmd.Action) {
			s.fail(w, r, newProblem(ProblemForbidden, http.StatusForbidden, "action",
				fmt.Sprintf("your roles may not %s a case", cmd.Action)))
			return
		}
	}
	if err := s.checkRecategorise(cmd); err != nil {
		s.fail(w, r, err)
		return
	}
	c, e, err := s.writer.Transition(r.Context(), store.TransitionRequest{ID: id, Command: cmd, At: s.now(), ExpectVersion: expect})
	if errors.Is(err, store.ErrVersionConflict) {
		s.fail(w, r, s.versionConflict(r, id, expect))
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	reveal := s.mayReveal(r)
	w.Header().Set("ETag", etag(c.Version))
	s.writeJSON(w, r, http.StatusOK, transitionResponse{Case: s.viewCase(c, reveal), Event: viewEvent(e, reveal)})
}

// checkCommand refuses what Decide would let through but a client must not
// send: a create payload, the platform's own actions (relay, detach), and names or
// codes that are too long or hold control characters.
func checkCommand(cmd cases.Command) error {
	if cmd.Action.SystemOnly() {
		return newProblem(ProblemInvalidField, http.StatusUnprocessableEntity, "action",
			fmt.Sprintf("%s is taken by the platform only (it follows what happens to the case a case was merged into: relay passes on its reply, detach returns the merged cases of a voided case to handling); a client must not send it", cmd.Action))
	}
	if cmd.Payload.Case != nil {
		return newProblem(ProblemInvalidField, http.StatusUnprocessableEntity, "payload.case",
			"payload.case is only used when a case is created; a transition must not carry it")
	}
	if cmd.Payload.Queue != "" || cmd.Payload.Suggestions != nil {
		return newProblem(ProblemInvalidField, http.StatusUnprocessableEntity, "payload.queue",
			"payload.queue and payload.suggestions are set by the platform's classifier only; a transition must not carry them")
	}
	names := map[string]string{
		"actor": cmd.Actor, "actor_unit": cmd.Unit, "payload.unit": cmd.Payload.Unit,
		"payload.parent_id": cmd.Payload.ParentID, "payload.satisfaction": cmd.Payload.Satisfaction,
	}
	for i, u := range cmd.Payload.CoUnits {
		names[fmt.Sprintf("payload.co_units[%d]", i)] = u
	}
	return checkNames(names)
}

// checkRecategorise refuses a recategorise to a category the taxonomy
// does not know (the state machine checks the rest).
func (s *Server) checkRecategorise(cmd cases.Command) error {
	if cmd.Action != cases.ActionRecategorise || cmd.Payload.Category == "" || s.tax.Valid(cmd.Payload.Category) {
		return nil
	}
	return newProblem(ProblemUnknownCategory, http.StatusUnprocessableEntity, "payload.category",
		fmt.Sprintf("category %q is not in the taxonomy; GET /api/v1/categories lists the codes", cmd.Payload.Category))
}

// versionConflict reports the case's current version with the conflict.
func (s *Server) versionConflict(r *http.Request, id string, expect int) error {
	p := newProblem(ProblemVersionConflict, http.StatusConflict, "If-Match",
		fmt.Sprintf("the case is no longer at version %d: someone changed it; read it again and retry", expect))
	if c, err := s.store.Get(r.Context(), id); err == nil {
		p.CurrentVersion = c.Version
		p.Detail = fmt.Sprintf("the case is at version %d, not %d: someone changed it; read it again and retry", c.Version, expect)
	}
	return p
}

// parseIfMatch reads an If-Match header holding one strong entity tag
// ("3", as sent in ETag) or "*". It returns 0 when there is no condition.
func parseIfMatch(vals []string) (int, error) {
	if len(vals) == 0 {
		return 0, nil
	}
	bad := func(detail string) error {
		return newProblem(ProblemInvalidParameter, http.StatusBadRequest, "If-Match", detail)
	}
	if len(vals) > 1 {
		return 0, bad("send one If-Match header with one entity tag")
	}
	v := strings.TrimSpace(vals[0])
	if v == "*" {
		return 0, nil
	}
	if strings.HasPrefix(v, "W/") {
		return 0, bad("If-Match needs a strong entity tag such as \"3\", as sent in ETag, not a weak one")
	}
	if len(v) < 3 || v[0] != '"' || v[len(v)-1] != '"' {
		return 0, bad(fmt.Sprintf("If-Match %q is not one quoted entity tag such as \"3\"", v))
	}
	n, err := strconv.Atoi(v[1 : len(v)-1])
	if err != nil || n < 1 {
		return 0, bad(fmt.Sprintf("If-Match %q is not a case version from an ETag", v))
	}
	return n, nil
}

// expectedVersion combines If-Match and expect_version; when both are
// given they must agree.
func expectedVersion(ifMatch int, body *int) (int, error) {
	if body == nil {
		return ifMatch, nil
	}
	if *body < 1 {
		return 0, newProblem(ProblemInvalidField, http.StatusUnprocessableEntity, "expect_version",
			fmt.Sprintf("expect_version must be a case version (1 or more), got %d", *body))
	}
	if ifMatch != 0 && ifMatch != *body {
		return 0, newProblem(ProblemInvalidField, http.StatusUnprocessableEntity, "expect_version",
			fmt.Sprintf("expect_version %d disagrees with If-Match version %d", *body, ifMatch))
	}
	return *body, nil
}
