package api

import (
	"net/http"

	"yiwang/internal/cases"
)

// hotlineRequest is the body of POST /api/v1/hotline/cases: a case taken
// by a 12345 agent (坐席). The channel is hotline; reporter is the caller,
// whose phone number is required; actor is the agent.
type hotlineRequest struct {
	Title       string             `json:"title"`
	Description string             `json:"description"`
	Category    string             `json:"category"`
	Location    cases.Location     `json:"location"`
	Reporter    cases.Reporter     `json:"reporter"`
	Severity    cases.Severity     `json:"severity,omitempty"`
	Attachments []cases.Attachment `json:"attachments,omitempty"`
	Tags        []string           `json:"tags,omitempty"`
	Actor       string             `json:"actor"`
	Unit        string             `json:"actor_unit,omitempty"`
}

func (s *Server) createHotlineCase(w http.ResponseWriter, r *http.Request) {
	key, err := idempotencyKey(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in hotlineRequest
	if err := s.decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	in.Actor, in.Unit = s.actorOf(r, in.Actor, in.Unit)
	if err := requireText("actor", in.Actor); err != nil {
		s.fail(w, r, err)
		return
	}
	phone := normPhone(in.Reporter.Phone)
	if phone == "" {
		s.fail(w, r, newProblem(ProblemInvalidField, http.StatusUnprocessableEntity, "reporter.phone",
			"reporter.phone (the caller's number) is required: 5 to 20 digits, optionally with a leading +, spaces or dashes"))
		return
	}
	in.Reporter.Phone = phone
	req := createRequest{NewCase: cases.NewCase{
		Channel: cases.ChannelHotline, Title: in.Title, Description: in.Description, Category: in.Category,
		Location: in.Location, Reporter: in.Reporter, Severity: in.Severity, Attachments: in.Attachments, Tags: in.Tags,
	}, Actor: in.Actor, Unit: in.Unit}
	s.createChecked(w, r, &req, key)
}
