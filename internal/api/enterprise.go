package api

import (
	"fmt"
	"net/http"

	"yiwang/internal/cases"
	"yiwang/internal/enterprise"
	"yiwang/internal/store"
)

// enterpriseRequest is the body of POST /api/v1/enterprise/requests (企呼我应).
// The channel is enterprise; the category follows from type; reporter is
// the enterprise's contact, and reporter.org_code, its unified social
// credit code, is required.
type enterpriseRequest struct {
	Type        enterprise.RequestType `json:"type"`
	Title       string                 `json:"title"`
	Description string                 `json:"description"`
	Location    cases.Location         `json:"location"`
	Reporter    cases.Reporter         `json:"reporter"`
	Severity    cases.Severity         `json:"severity,omitempty"`
	Attachments []cases.Attachment     `json:"attachments,omitempty"`
	Tags        []string               `json:"tags,omitempty"`
	Actor       string                 `json:"actor,omitempty"`
	Unit        string                 `json:"actor_unit,omitempty"`
}

// requestTypeTag prefixes the tag recording an enterprise request's type.
const requestTypeTag = "request_type:"

func (s *Server) createEnterpriseRequest(w http.ResponseWriter, r *http.Request) {
	if s.entCats == nil {
		s.fail(w, r, newProblem(ProblemNotFound, http.StatusNotFound, "", "the taxonomy has no categories for enterprise requests"))
		return
	}
	key, err := idempotencyKey(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in enterpriseRequest
	if err := s.decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	if !in.Type.Valid() {
		s.fail(w, r, newProblem(ProblemInvalidField, http.StatusUnprocessableEntity, "type",
			fmt.Sprintf("type must be one of %v, got %q", enterprise.RequestTypes, in.Type)))
		return
	}
	code := enterprise.NormalizeCode(in.Reporter.OrgCode)
	if code == "" {
		s.fail(w, r, newProblem(ProblemInvalidField, http.StatusUnprocessableEntity, "reporter.org_code",
			"reporter.org_code (the enterprise's unified social credit code, 统一社会信用代码) is required"))
		return
	}
	if err := enterprise.ValidateCode(code); err != nil {
		s.fail(w, r, newProblem(ProblemInvalidField, http.StatusUnprocessableEntity, "reporter.org_code", "reporter.org_code: "+err.Error()))
		return
	}
	in.Reporter.OrgCode = code
	if in.Reporter.Phone != "" {
		if in.Reporter.Phone = normPhone(in.Reporter.Phone); in.Reporter.Phone == "" {
			s.fail(w, r, newProblem(ProblemInvalidField, http.StatusUnprocessableEntity, "reporter.phone",
				"reporter.phone must be 5 to 20 digits, optionally with a leading +, spaces or dashes"))
			return
		}
	}
	req := createRequest{NewCase: cases.NewCase{
		Channel: cases.ChannelEnterprise, Title: in.Title, Description: in.Description, Category: s.entCats[in.Type],
		Location: in.Location, Reporter: in.Reporter, Severity: in.Severity, Attachments: in.Attachments,
		Tags: append(append([]string(nil), in.Tags...), requestTypeTag+string(in.Type)),
	}, Actor: in.Actor, Unit: in.Unit}
	s.createChecked(w, r, &req, key)
}

// enterpriseCases is the body of GET /api/v1/enterprise/{code}/cases.
type enterpriseCases struct {
	OrgCode string     `json:"org_code"`
	Cases   []caseView `json:"cases"`
	// Scanned counts the enterprise cases read; Truncated says the search
	// stopped at its bound (the store cannot filter by org_code yet).
	Scanned   int  `json:"scanned"`
	Truncated bool `json:"truncated"`
}

// enterpriseHistory lists an enterprise's requests, newest first.
func (s *Server) enterpriseHistory(w http.ResponseWriter, r *http.Request) {
	code := enterprise.NormalizeCode(r.PathValue("code"))
	if err := enterprise.ValidateCode(code); err != nil {
		s.fail(w, r, badParam("code", "code: "+err.Error()))
		return
	}
	found, n, trunc, err := s.scanCases(r.Context(), store.Filter{Channels: []cases.Channel{cases.ChannelEnterprise}},
		func(c *cases.Case) bool { return c.Reporter.OrgCode == code })
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := enterpriseCases{OrgCode: code, Cases: []caseView{}, Scanned: n, Truncated: trunc}
	reveal, now := s.mayReveal(r), s.now()
	for _, c := range found {
		out.Cases = append(out.Cases, s.viewCaseAt(c, reveal, now))
	}
	s.writeJSON(w, r, http.StatusOK, out)
}
