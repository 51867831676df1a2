package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"yiwang/internal/cases"
	"yiwang/internal/store"
	"yiwang/internal/workflow"
)

// ProblemBase prefixes every problem type URI.
const ProblemBase = "https://yiwang.dev/problems/"

// The problem type URIs. They are stable API: clients may switch on them.
const (
	ProblemInvalidField         = ProblemBase + "invalid-field"          // 422 a field's value breaks a rule
	ProblemWrongType            = ProblemBase + "wrong-type"             // 400 a field has the wrong JSON type
	ProblemMalformedJSON        = ProblemBase + "malformed-json"         // 400 the body is not one JSON object
	ProblemUnknownField         = ProblemBase + "unknown-field"          // 400 the body has a field the API does not know
	ProblemDuplicateField       = ProblemBase + "duplicate-field"        // 400 the body names a field twice
	ProblemInvalidUTF8          = ProblemBase + "invalid-utf8"           // 400 the body is not valid UTF-8
	ProblemInvalidParameter     = ProblemBase + "invalid-parameter"      // 400 a query parameter or header is wrong
	ProblemBodyTooLarge         = ProblemBase + "body-too-large"         // 413
	ProblemUnsupportedMediaType = ProblemBase + "unsupported-media-type" // 415
	ProblemNotFound             = ProblemBase + "not-found"              // 404
	ProblemMethodNotAllowed     = ProblemBase + "method-not-allowed"     // 405
	ProblemTransitionNotAllowed = ProblemBase + "transition-not-allowed" // 409 wrong state for the action
	ProblemTransitionRefused    = ProblemBase + "transition-refused"     // 422 right state, but the command lacks something
	ProblemIdempotencyConflict  = ProblemBase + "idempotency-conflict"   // 409 key reused with another body
	ProblemVersionConflict      = ProblemBase + "version-conflict"       // 409 the case changed meanwhile
	ProblemUnknownCategory      = ProblemBase + "unknown-category"       // 422
	ProblemInvalidRules         = ProblemBase + "invalid-rules"          // 422 a responsibility list that does not validate (errors lists why)
	ProblemInvalidAttachment    = ProblemBase + "invalid-attachment"     // 422 an uploaded file is not an accepted image (field names the part)
	ProblemRatingNotAllowed     = ProblemBase + "rating-not-allowed"     // 409 the case is not resolved, or was already rated
	ProblemForbidden            = ProblemBase + "forbidden"              // 403 the caller's role may not do this
	ProblemUnavailable          = ProblemBase + "unavailable"            // 503 the store does not answer
	ProblemInternal             = ProblemBase + "internal"               // 500
)

// problemTitles gives each problem type its short, fixed title.
var problemTitles = map[string]string{
	ProblemInvalidField:         "Invalid field",
	ProblemWrongType:            "Wrong JSON type",
	ProblemMalformedJSON:        "Malformed JSON",
	ProblemUnknownField:         "Unknown field",
	ProblemDuplicateField:       "Duplicate field",
	ProblemInvalidUTF8:          "Invalid UTF-8",
	ProblemInvalidParameter:     "Invalid parameter",
	ProblemBodyTooLarge:         "Request body too large",
	ProblemUnsupportedMediaType: "Unsupported media type",
	ProblemNotFound:             "Not found",
	ProblemMethodNotAllowed:     "Method not allowed",
	ProblemTransitionNotAllowed: "Transition not allowed",
	ProblemTransitionRefused:    "Transition refused",
	ProblemIdempotencyConflict:  "Idempotency key conflict",
	ProblemVersionConflict:      "Version conflict",
	ProblemUnknownCategory:      "Unknown category",
	ProblemInvalidRules:         "Invalid responsibility list",
	ProblemInvalidAttachment:    "Invalid attachment",
	ProblemRatingNotAllowed:     "Rating not allowed",
	ProblemForbidden:            "Forbidden",
	ProblemUnavailable:          "Service unavailable",
	ProblemInternal:             "Internal server error",
}

// Problem is an RFC 9457 problem detail, the body of every error response.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail"`
	Instance string `json:"instance,omitempty"`
	// Field names the offending input: a JSON path in the body
	// ("location.lat"), a query parameter or a header.
	Field string `json:"field,omitempty"`
	// Offset is the byte offset of a JSON syntax error.
	Offset *int64 `json:"offset,omitempty"`
	// State and Allowed explain a refused transition.
	State   cases.State    `json:"state,omitempty"`
	Allowed []cases.Action `json:"allowed,omitempty"`
	// CurrentVersion is the case's (or the rules') version after a
	// version conflict.
	CurrentVersion int `json:"current_version,omitempty"`
	// Errors are every problem of a refused responsibility list.
	Errors []workflow.RuleProblem `json:"errors,omitempty"`

	cause error // logged for server errors, never shown
}

func (p *Problem) Error() string { return p.Type + ": " + p.Detail }

func newProblem(typ string, status int, field, detail string) *Problem {
	return &Problem{Type: typ, Title: problemTitles[typ], Status: status, Field: field, Detail: detail}
}

// fail writes err as a problem. It maps the store's and the domain's errors
// to their problem types; anything it does not recognise is a 500, logged
// here and only here.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	p := s.toProblem(err)
	p.Instance = r.URL.Path
	if p.Status >= 500 {
		s.log.ErrorContext(r.Context(), "request failed",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", p.Status), slog.Any("err", p.cause))
	}
	body, merr := json.Marshal(p)
	if merr != nil { // cannot happen for these field types; keep the client informed anyway
		body = []byte(`{"type":"` + ProblemInternal + `","title":"Internal server error","status":500,"detail":"the error could not be encoded"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	w.Write(body)
}

func (s *Server) toProblem(err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		cp := *p
		return &cp
	}
	var te *cases.TransitionError
	var fe *cases.FieldError
	var re *workflow.RulesError
	switch {
	case errors.As(err, &re):
		p := newProblem(ProblemInvalidRules, http.StatusUnprocessableEntity, "",
			fmt.Sprintf("the responsibility list has %d problem(s); errors lists each with the rules and field concerned", len(re.Problems)))
		p.Errors = re.Problems
		return p
	case errors.Is(err, store.ErrNotFound):
		return newProblem(ProblemNotFound, http.StatusNotFound, "", "no case with that id")
	case errors.Is(err, store.ErrIdempotencyConflict):
		return newProblem(ProblemIdempotencyConflict, http.StatusConflict, "Idempotency-Key",
			"this Idempotency-Key was already used with a different request body; use a new key for a new request")
	case errors.Is(err, store.ErrVersionConflict):
		return newProblem(ProblemVersionConflict, http.StatusConflict, "If-Match",
			"the case was changed by someone else since the version you expected; read it again and retry")
	case errors.As(err, &te):
		return transitionProblem(te)
	case errors.As(err, &fe):
		return newProblem(ProblemInvalidField, http.StatusUnprocessableEntity, fe.Field, fe.Field+" "+fe.Reason)
	case errors.Is(err, store.ErrClosed):
		p := newProblem(ProblemUnavailable, http.StatusServiceUnavailable, "", "the case store is closed")
		p.cause = err
		return p
	}
	p = newProblem(ProblemInternal, http.StatusInternalServerError, "", "the server failed to handle the request; it has been logged")
	p.cause = err
	return p
}
