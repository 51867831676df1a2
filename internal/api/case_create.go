package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"yiwang/internal/cases"
)

// MaxIdempotencyKey is the longest Idempotency-Key accepted.
const MaxIdempotencyKey = 200

// defaultActor records creates that name no actor.
const defaultActor = "intake"

// createRequest is the body of POST /api/v1/cases.
type createRequest struct {
	cases.NewCase
	Actor string `json:"actor,omitempty"`
	Unit  string `json:"actor_unit,omitempty"`
}

func (s *Server) createCase(w http.ResponseWriter, r *http.Request) {
	key, err := idempotencyKey(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var req createRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		s.fail(w, r, err)
		return
	}
	s.createChecked(w, r, &req, key)
}

// writeCreated answers a create: 201 for a new case, 200 for a retried
// one, with Location, ETag and the lookup token of a case without a phone.
func (s *Server) writeCreated(w http.ResponseWriter, r *http.Request, c cases.Case, created bool) {
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	w.Header().Set("Location", "/api/v1/cases/"+c.ID)
	w.Header().Set("ETag", etag(c.Version))
	v := s.viewCase(c, s.mayReveal(r))
	if c.Reporter.Phone == "" {
		v.LookupToken = s.lookupToken(c.ID)
	}
	s.writeJSON(w, r, status, v)
}

func idempotencyKey(r *http.Request) (string, error) {
	vals := r.Header.Values("Idempotency-Key")
	if len(vals) == 0 {
		return "", nil
	}
	bad := func(detail string) error {
		return newProblem(ProblemInvalidParameter, http.StatusBadRequest, "Idempotency-Key", detail)
	}
	if len(vals) > 1 {
		return "", bad("send at most one Idempotency-Key header")
	}
	key := strings.TrimSpace(vals[0])
	switch {
	case key == "":
		return "", bad("Idempotency-Key is empty; omit it or send a unique key")
	case len(key) > MaxIdempotencyKey:
		return "", bad(fmt.Sprintf("Idempotency-Key is %d bytes long, at most %d allowed", len(key), MaxIdempotencyKey))
	}
	for _, c := range key {
		if c < 0x21 || c > 0x7e {
			return "", bad("Idempotency-Key must be printable ASCII without spaces")
		}
	}
	return key, nil
}

// checkNewCase validates what the domain validates, the category against
// the taxonomy, and the actor fields.
func (s *Server) checkNewCase(req *createRequest) error {
	if err := req.Validate(); err != nil {
		return err
	}
	if !s.tax.Valid(req.Category) {
		return newProblem(ProblemUnknownCategory, http.StatusUnprocessableEntity, "category",
			fmt.Sprintf("category %q is not in the taxonomy; GET /api/v1/categories lists the codes", req.Category))
	}
	// Fields cases.Validate leaves unchecked: short texts that must not
	// carry control characters (PostgreSQL refuses NUL in text).
	names := map[string]string{
		"actor": req.Actor, "actor_unit": req.Unit, "reporter.org_code": req.Reporter.OrgCode,
		"location.district": req.Location.District, "location.street": req.Location.Street,
		"location.community": req.Location.Community, "location.grid": req.Location.Grid,
	}
	for i, a := range req.Attachments {
		names[fmt.Sprintf("attachments[%d].name", i)] = a.Name
		names[fmt.Sprintf("attachments[%d].type", i)] = a.Type
		names[fmt.Sprintf("attachments[%d].sha256", i)] = a.SHA256
		names[fmt.Sprintf("attachments[%d].url", i)] = a.URL
	}
	return checkNames(names)
}

// checkNames checks each field with checkName, in field order so that the
// first offending field named is stable.
func checkNames(fields map[string]string) error {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := checkName(k, fields[k]); err != nil {
			return err
		}
	}
	return nil
}

// checkName checks a short identifier-like text (actor, unit, code): at
// most 200 characters (a URL 2000), no control characters.
func checkName(field, v string) error {
	limit := 200
	if strings.HasSuffix(field, ".url") {
		limit = 2000
	}
	if n := utf8.RuneCountInString(v); n > limit {
		return newProblem(ProblemInvalidField, http.StatusUnprocessableEntity, field,
			fmt.Sprintf("%s is %d characters long, at most %d allowed", field, n, limit))
	}
	if strings.IndexFunc(v, unicode.IsControl) >= 0 {
		return newProblem(ProblemInvalidField, http.StatusUnprocessableEntity, field, field+" contains a control character")
	}
	return nil
}

// fillChain asks the Locate hook for the administrative chain of the
// case's point. A *cases.FieldError from the hook (a point outside the
// city) refuses the case; any other failure is logged and leaves the chain
// as the client sent it, so intake never stops for a geography fault.
func (s *Server) fillChain(r *http.Request, loc *cases.Location) error {
	if s.locate == nil || loc.Lat == nil || loc.Lon == nil {
		return nil
	}
	got, err := s.locate(*loc.Lat, *loc.Lon)
	var fe *cases.FieldError
	if errors.As(err, &fe) {
		return fe
	}
	if err != nil {
		s.log.WarnContext(r.Context(), "locating a new case failed; created without administrative chain",
			"lat", *loc.Lat, "lon", *loc.Lon, "err", err)
		return nil
	}
	loc.District, loc.Street, loc.Community, loc.Grid = got.District, got.Street, got.Community, got.Grid
	return nil
}
