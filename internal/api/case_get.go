package api

import (
	"context"
	"net/http"
	"unicode/utf8"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// maxIDLength bounds case ids in paths; longer ones cannot exist.
const maxIDLength = 100

func (s *Server) getCase(w http.ResponseWriter, r *http.Request) {
	c, err := s.lookupScoped(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(c.Version))
	s.writeJSON(w, r, http.StatusOK, s.viewCase(c, s.mayReveal(r)))
}

// lookup gets a case, answering ids that cannot exist without asking the store.
func (s *Server) lookup(ctx context.Context, id string) (cases.Case, error) {
	if !plausibleID(id) {
		return cases.Case{}, store.ErrNotFound
	}
	return s.store.Get(ctx, id)
}

func plausibleID(id string) bool {
	return id != "" && len(id) <= maxIDLength && utf8.ValidString(id)
}

// historyResponse is the body of GET /api/v1/cases/{id}/history.
type historyResponse struct {
	Events []cases.Event `json:"events"`
}

func (s *Server) caseHistory(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := s.lookupScoped(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	events, err := s.store.History(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	reveal := s.mayReveal(r)
	out := historyResponse{Events: make([]cases.Event, len(events))}
	for i, e := range events {
		out.Events[i] = viewEvent(e, reveal)
	}
	s.writeJSON(w, r, http.StatusOK, out)
}

// actionsResponse is the body of GET /api/v1/cases/{id}/actions: what the
// console may offer as buttons now.
type actionsResponse struct {
	CaseID     string         `json:"case_id"`
	State      cases.State    `json:"state"`
	StateLabel string         `json:"state_label"`
	Version    int            `json:"version"`
	Actions    []cases.Action `json:"actions"`
}

func (s *Server) caseActions(w http.ResponseWriter, r *http.Request) {
	c, err := s.lookupScoped(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// Only the actions the caller's roles may take: the console draws a
	// button for each, and the transition route refuses the others.
	actions := []cases.Action{}
	cl, signedIn := s.caller(r.Context())
	for _, a := range cases.Allowed(&c) {
		if !a.SystemOnly() && (!signedIn || cl.MayAct(a)) {
			actions = append(actions, a)
		}
	}
	w.Header().Set("ETag", etag(c.Version))
	s.writeJSON(w, r, http.StatusOK, actionsResponse{
		CaseID: c.ID, State: c.State, StateLabel: c.State.Label(), Version: c.Version, Actions: actions,
	})
}
