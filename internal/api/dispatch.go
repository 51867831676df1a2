package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"yiwang/internal/dispatch"
	"yiwang/internal/store"
	"yiwang/internal/workflow"
)

// noWorkflow answers the dispatch routes of a server without a workflow.
func (s *Server) noWorkflow(w http.ResponseWriter, r *http.Request) bool {
	if s.wf != nil {
		return false
	}
	s.fail(w, r, newProblem(ProblemNotFound, http.StatusNotFound, "", "dispatch is not configured on this server"))
	return true
}

func (s *Server) explainCase(w http.ResponseWriter, r *http.Request) {
	if s.noWorkflow(w, r) {
		return
	}
	id := r.PathValue("id")
	if _, err := s.lookupScoped(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	x, err := s.wf.Explain(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, x)
}

// ruleView is one rule of the responsibility list in JSON.
type ruleView struct {
	ID       string   `json:"id"`
	Category string   `json:"category"`
	Area     string   `json:"area"`
	Severity string   `json:"severity,omitempty"`
	Window   string   `json:"window,omitempty"`
	Lead     string   `json:"lead"`
	Co       []string `json:"co,omitempty"`
	Note     string   `json:"note,omitempty"`
}

// rulesResponse is the JSON body of GET and PUT /api/v1/dispatch/rules.
type rulesResponse struct {
	// Version is the stored list's version; 0 for the built-in list.
	Version   int        `json:"version"`
	UpdatedBy string     `json:"updated_by,omitempty"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
	Rules     []ruleView `json:"rules"`
}

func viewRules(rs workflow.RuleSet) rulesResponse {
	out := rulesResponse{Version: rs.Version, UpdatedBy: rs.UpdatedBy, Rules: []ruleView{}}
	if !rs.UpdatedAt.IsZero() {
		t := rs.UpdatedAt
		out.UpdatedAt = &t
	}
	for _, r := range rs.Engine.Rules() {
		out.Rules = append(out.Rules, ruleView{ID: r.ID, Category: r.Category, Area: r.Area, Severity: string(r.Severity),
			Window: r.Window, Lead: r.Lead, Co: r.Co, Note: r.Note})
	}
	return out
}

// getRules serves the list as YAML (the stored document), JSON or CSV by
// Accept; YAML unless JSON or CSV is asked for.
func (s *Server) getRules(w http.ResponseWriter, r *http.Request) {
	if s.noWorkflow(w, r) {
		return
	}
	rs := s.wf.Rules()
	w.Header().Set("ETag", etag(rs.Version))
	w.Header().Add("Vary", "Accept")
	accept := r.Header.Get("Accept")
	switch {
	case strings.Contains(accept, "application/json"):
		s.writeJSON(w, r, http.StatusOK, viewRules(rs))
	case strings.Contains(accept, "text/csv"):
		var b bytes.Buffer
		if err := dispatch.WriteRulesCSV(&b, rs.Engine.Rules()); err != nil {
			s.fail(w, r, err)
			return
		}
		writeBody(w, "text/csv; charset=utf-8", b.Bytes())
	default:
		writeBody(w, "application/yaml; charset=utf-8", rs.YAML)
	}
}

func writeBody(w http.ResponseWriter, contentType string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// putRules replaces the responsibility list. If-Match names the version
// replaced ("0" for the built-in list); without it, or with "*", the
// stored list is replaced whatever its version. ?actor= names who did it.
func (s *Server) putRules(w http.ResponseWriter, r *http.Request) {
	if s.noWorkflow(w, r) {
		return
	}
	format, err := rulesFormat(r.Header.Get("Content-Type"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	expect, err := parseVersionIfMatch(r.Header.Values("If-Match"), "rules")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	actor := strings.TrimSpace(r.URL.Query().Get("actor"))
	if actor == "" {
		actor = "api"
	}
	if err := checkName("actor", actor); err != nil {
		s.fail(w, r, err)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.fail(w, r, newProblem(ProblemBodyTooLarge, http.StatusRequestEntityTooLarge, "",
				fmt.Sprintf("the request body is larger than the limit of %d bytes", s.maxBody)))
			return
		}
		s.fail(w, r, fmt.Errorf("reading the rules: %w", err))
		return
	}
	rs, err := s.wf.PutRules(r.Context(), body, format, expect, actor)
	if errors.Is(err, store.ErrVersionConflict) {
		p := newProblem(ProblemVersionConflict, http.StatusConflict, "If-Match",
			"the rules were changed by someone else since the version you sent; read them again and retry")
		p.CurrentVersion = s.wf.Rules().Version
		s.fail(w, r, p)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(rs.Version))
	s.writeJSON(w, r, http.StatusOK, viewRules(rs))
}

func rulesFormat(ct string) (string, error) {
	mt, _, err := mime.ParseMediaType(ct)
	switch {
	case err != nil:
	case mt == "application/yaml" || mt == "application/x-yaml" || mt == "text/yaml":
		return workflow.FormatYAML, nil
	case mt == "text/csv":
		return workflow.FormatCSV, nil
	}
	return "", newProblem(ProblemUnsupportedMediaType, http.StatusUnsupportedMediaType, "Content-Type",
		fmt.Sprintf("Content-Type %q is not supported; send the rules as application/yaml or text/csv", ct))
}

// parseVersionIfMatch reads If-Match for a versioned document (what names
// it: "rules", "model"): "N" (N >= 0) or "*"; -1 means unconditional.
func parseVersionIfMatch(vals []string, what string) (int, error) {
	bad := func(detail string) error {
		return newProblem(ProblemInvalidParameter, http.StatusBadRequest, "If-Match", detail)
	}
	switch {
	case len(vals) == 0:
		return -1, nil
	case len(vals) > 1:
		return 0, bad("send one If-Match header with one entity tag")
	}
	v := strings.TrimSpace(vals[0])
	if v == "*" {
		return -1, nil
	}
	if len(v) < 3 || v[0] != '"' || v[len(v)-1] != '"' {
		return 0, bad(fmt.Sprintf("If-Match %q is not one quoted entity tag such as \"3\", as sent in ETag", v))
	}
	n, err := strconv.Atoi(v[1 : len(v)-1])
	if err != nil || n < 0 {
		return 0, bad(fmt.Sprintf("If-Match %q is not a %s version from an ETag", v, what))
	}
	return n, nil
}

// unitView is one handling unit in JSON.
type unitView struct {
	Code     string   `json:"code"`
	Name     string   `json:"name"`
	Kind     string   `json:"kind"`
	Parent   string   `json:"parent,omitempty"`
	Areas    []string `json:"areas"`
	Schedule string   `json:"schedule"`
	// ReturnWindowMinutes is how long after dispatch the unit may return
	// a case; 0: it may not.
	ReturnWindowMinutes int `json:"return_window_minutes"`
}

// unitsResponse is the body of GET /api/v1/dispatch/units.
type unitsResponse struct {
	// Version is the stored units document's version; 0 for built-in units.
	Version int        `json:"version"`
	Units   []unitView `json:"units"`
}

func (s *Server) listUnits(w http.ResponseWriter, r *http.Request) {
	if s.noWorkflow(w, r) {
		return
	}
	rs := s.wf.Rules()
	out := unitsResponse{Version: rs.UnitsVersion, Units: []unitView{}}
	for _, u := range rs.Engine.Directory().Units() {
		out.Units = append(out.Units, unitView{Code: u.Code, Name: u.Name, Kind: string(u.Kind), Parent: u.Parent, Areas: u.Areas,
			Schedule: u.Schedule, ReturnWindowMinutes: int(u.ReturnWindow / time.Minute)})
	}
	s.writeJSON(w, r, http.StatusOK, out)
}

// returnsResponse is the body of GET /api/v1/dispatch/returns.
type returnsResponse struct {
	Since   *time.Time            `json:"since,omitempty"`
	Returns []workflow.ReturnStat `json:"returns"`
}

func (s *Server) returnStats(w http.ResponseWriter, r *http.Request) {
	if s.noWorkflow(w, r) {
		return
	}
	q := r.URL.Query()
	for name := range q {
		if name != "since" {
			s.fail(w, r, badParam(name, fmt.Sprintf("unknown query parameter %q; known: since", name)))
			return
		}
	}
	var out returnsResponse
	var since time.Time
	if v := q.Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil || len(q["since"]) > 1 {
			s.fail(w, r, badParam("since", fmt.Sprintf("since must be one RFC 3339 time such as 2026-11-01T00:00:00+08:00, got %q", v)))
			return
		}
		since, out.Since = t, &t
	}
	stats, err := s.wf.ReturnStats(r.Context(), since)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out.Returns = stats
	if out.Returns == nil {
		out.Returns = []workflow.ReturnStat{}
	}
	s.writeJSON(w, r, http.StatusOK, out)
}
