package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"yiwang/internal/cases"
	"yiwang/internal/workflow"
)

// suggester is what the suggestion routes need of the workflow
// (workflow.Workflow, classify.go): found by a type assertion, so a
// Workflow without it leaves these routes answering 404.
type suggester interface {
	Suggest(title, body string) ([]workflow.Suggestion, bool)
	SimilarOpen(title, body string, loc cases.Location, at time.Time, limit int) ([]workflow.Match, bool)
	Corrections(ctx context.Context, after int64, limit int) ([]workflow.Correction, error)
}

var _ suggester = (*workflow.Workflow)(nil)

// unitSuggester is what the unit suggestions need of the workflow
// (workflow.Workflow, units.go): found by a type assertion, so a Workflow
// without it answers no units.
type unitSuggester interface {
	SuggestUnits(title, body string, loc cases.Location) ([]workflow.UnitSuggestion, bool)
}

var _ unitSuggester = (*workflow.Workflow)(nil)

// maxDuplicates is how many similar open cases a suggestion lists.
const maxDuplicates = 5

// suggestRequest is the body of POST /api/v1/suggest.
type suggestRequest struct {
	Title string   `json:"title"`
	Body  string   `json:"body"`
	Lat   *float64 `json:"lat,omitempty"`
	Lon   *float64 `json:"lon,omitempty"`
}

// suggestedCategory is one candidate category with its name.
type suggestedCategory struct {
	workflow.Suggestion
	Name string `json:"name"`
	Path string `json:"path"`
	// Level is the category's level (1–3): the hierarchical classifier
	// answers the deepest level it is confident of.
	Level int `json:"level,omitempty"`
}

// duplicateCase is an open case whose text nearly equals the message.
type duplicateCase struct {
	ID       string      `json:"id"`
	Score    float64     `json:"score"`
	Title    string      `json:"title"`
	State    cases.State `json:"state"`
	Category string      `json:"category"`
}

// suggestResponse answers POST /api/v1/suggest.
type suggestResponse struct {
	// ClassifierReady is false while the model is still training: then
	// Categories is empty.
	ClassifierReady bool                `json:"classifier_ready"`
	Categories      []suggestedCategory `json:"categories"`
	Duplicates      []duplicateCase     `json:"duplicates"`
	// UnitRouterReady is false while the unit router is still training
	// (or the node has none): then Units is empty.
	UnitRouterReady bool `json:"unit_router_ready"`
	// Units are the three likeliest types of handling unit, each with the
	// directory's unit of that type for the message's place (lat/lon)
	// when there is one.
	Units []workflow.UnitSuggestion `json:"units"`
}

func (s *Server) suggester() (suggester, bool) {
	sg, ok := s.wf.(suggester)
	return sg, ok && s.wf != nil
}

// suggest answers the hotline form and the dispatchers: the three most
// likely categories of a message with the words behind them, the three
// likeliest types of handling unit (with the unit of that type for the
// place when lat/lon are given), and the open cases it probably repeats
// (same street or district when lat/lon are given, within 30 days).
func (s *Server) suggest(w http.ResponseWriter, r *http.Request) {
	sg, ok := s.suggester()
	if !ok {
		s.fail(w, r, newProblem(ProblemNotFound, http.StatusNotFound, "", "suggestions are not enabled on this node"))
		return
	}
	var in suggestRequest
	if err := s.decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	in.Title, in.Body = strings.TrimSpace(in.Title), strings.TrimSpace(in.Body)
	if err := checkSuggestText(in.Title, in.Body); err != nil {
		s.fail(w, r, err)
		return
	}
	var loc cases.Location
	if (in.Lat == nil) != (in.Lon == nil) {
		s.fail(w, r, newProblem(ProblemInvalidField, http.StatusUnprocessableEntity, "lat", "lat and lon must be given together"))
		return
	}
	if in.Lat != nil && s.locate != nil {
		l, err := s.locate(*in.Lat, *in.Lon)
		var fe *cases.FieldError
		if errors.As(err, &fe) {
			s.fail(w, r, newProblem(ProblemInvalidField, http.StatusUnprocessableEntity, fe.Field, fe.Reason))
			return
		}
		if err == nil {
			loc = l
		}
	}
	out := suggestResponse{Categories: []suggestedCategory{}, Duplicates: []duplicateCase{}, Units: []workflow.UnitSuggestion{}}
	sugs, ready := sg.Suggest(in.Title, in.Body)
	out.ClassifierReady = ready
	for _, su := range sugs {
		c := suggestedCategory{Suggestion: su}
		if cat, err := s.tax.Get(su.Category); err == nil {
			c.Name, c.Path, c.Level = cat.Name, cat.Path, cat.Level
		}
		out.Categories = append(out.Categories, c)
	}
	if us, ok := s.wf.(unitSuggester); ok {
		if units, ready := us.SuggestUnits(in.Title, in.Body, loc); ready {
			out.UnitRouterReady, out.Units = true, append(out.Units, units...)
		}
	}
	ms, _ := sg.SimilarOpen(in.Title, in.Body, loc, s.now(), maxDuplicates)
	for _, m := range ms {
		c, err := s.store.Get(r.Context(), m.ID)
		if err != nil {
			s.fail(w, r, fmt.Errorf("reading similar case %s: %w", m.ID, err))
			return
		}
		if !c.Open() || !s.sees(r.Context(), &c) { // closed since the index last heard of it, or out of scope
			continue
		}
		out.Duplicates = append(out.Duplicates, duplicateCase{ID: c.ID, Score: m.Score, Title: c.Title, State: c.State, Category: c.Category})
	}
	s.writeJSON(w, r, http.StatusOK, out)
}

func checkSuggestText(title, body string) error {
	switch {
	case title == "" && body == "":
		return newProblem(ProblemInvalidField, http.StatusUnprocessableEntity, "title", "title or body is required")
	case !utf8.ValidString(title) || utf8.RuneCountInString(title) > cases.MaxTitle:
		return newProblem(ProblemInvalidField, http.StatusUnprocessableEntity, "title", fmt.Sprintf("must be valid UTF-8 of at most %d characters", cases.MaxTitle))
	case !utf8.ValidString(body) || utf8.RuneCountInString(body) > cases.MaxDescription:
		return newProblem(ProblemInvalidField, http.StatusUnprocessableEntity, "body", fmt.Sprintf("must be valid UTF-8 of at most %d characters", cases.MaxDescription))
	}
	return nil
}

// correctionsResponse answers GET /api/v1/nlp/corrections.
type correctionsResponse struct {
	Corrections []workflow.Correction `json:"corrections"`
}

// listCorrections lists the cases whose category or routing a person
// corrected after the classifier's suggestion (training signal); ?after= is an event log
// position, ?limit= at most 1000 (default 100).
func (s *Server) listCorrections(w http.ResponseWriter, r *http.Request) {
	sg, ok := s.suggester()
	if !ok {
		s.fail(w, r, newProblem(ProblemNotFound, http.StatusNotFound, "", "suggestions are not enabled on this node"))
		return
	}
	q := r.URL.Query()
	var after int64
	limit := 100
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			s.fail(w, r, newProblem(ProblemInvalidParameter, http.StatusBadRequest, "after", "after must be a non-negative event position"))
			return
		}
		after = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			s.fail(w, r, newProblem(ProblemInvalidParameter, http.StatusBadRequest, "limit", "limit must be 1 to 1000"))
			return
		}
		limit = n
	}
	cs, err := sg.Corrections(r.Context(), after, limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if cs == nil {
		cs = []workflow.Correction{}
	}
	s.writeJSON(w, r, http.StatusOK, correctionsResponse{Corrections: cs})
}
