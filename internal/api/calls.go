package api

import (
	"errors"
	"net/http"
	"strings"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// callRequest is the body of POST /api/v1/cases/{id}/calls: a hotline call
// about an existing case, recorded on it instead of creating a new case.
type callRequest struct {
	// Caller is who called; caller.phone is required.
	Caller cases.Reporter `json:"caller"`
	// Note is what the caller said.
	Note  string `json:"note"`
	Actor string `json:"actor"`
	Unit  string `json:"actor_unit,omitempty"`
}

// recordCall appends a note event carrying the caller and what was said.
// The caller's phone is masked in responses like a reporter's. With an
// Idempotency-Key the call is recorded once however often it is retried.
func (s *Server) recordCall(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !plausibleID(id) {
		s.fail(w, r, store.ErrNotFound)
		return
	}
	if _, ok := s.caller(r.Context()); ok {
		if _, err := s.lookupScoped(r.Context(), id); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	key, err := idempotencyKey(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in callRequest
	if err := s.decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	in.Actor, in.Unit = s.actorOf(r, strings.TrimSpace(in.Actor), strings.TrimSpace(in.Unit))
	phone := normPhone(in.Caller.Phone)
	switch {
	case phone == "":
		err = newProblem(ProblemInvalidField, http.StatusUnprocessableEntity, "caller.phone",
			"caller.phone is required: 5 to 20 digits, optionally with a leading +, spaces or dashes")
	case in.Caller.OrgCode != "" || in.Caller.Email != "":
		err = newProblem(ProblemInvalidField, http.StatusUnprocessableEntity, "caller", "caller takes only name and phone")
	default:
		err = errors.Join(requireText("note", in.Note), requireText("actor", in.Actor))
	}
	if err == nil {
		err = checkNames(map[string]string{"actor": in.Actor, "actor_unit": in.Unit, "caller.name": in.Caller.Name})
	}
	if err != nil {
		s.fail(w, r, firstProblem(err))
		return
	}
	in.Caller.Phone = phone
	req := store.TransitionRequest{ID: id, At: s.now(), Command: cases.Command{
		Action: cases.ActionNote, Actor: in.Actor, Unit: in.Unit, Note: callNote(in.Caller, strings.TrimSpace(in.Note)),
	}}
	if key != "" {
		req.IdempotencyKey = "call/" + id + "/" + key
	}
	c, e, err := s.writer.Transition(r.Context(), req)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	reveal := s.mayReveal(r)
	w.Header().Set("ETag", etag(c.Version))
	s.writeJSON(w, r, http.StatusOK, transitionResponse{Case: s.viewCase(c, reveal), Event: viewEvent(e, reveal)})
}

// firstProblem returns the first error of a join (errors.Join of
// validations), so one field is named.
func firstProblem(err error) error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		if errs := j.Unwrap(); len(errs) > 0 {
			return errs[0]
		}
	}
	return err
}
