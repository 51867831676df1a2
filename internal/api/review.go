package api

import (
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"yiwang/internal/cases"
	"yiwang/internal/nlp/review"
)

// reviewRequest is the body of POST /api/v1/review: a citizen message and
// the official reply to it, with, when known, when each was written.
type reviewRequest struct {
	Message    string     `json:"message"`
	Reply      string     `json:"reply"`
	AskedAt    *time.Time `json:"asked_at,omitempty"`
	AnsweredAt *time.Time `json:"answered_at,omitempty"`
}

// reviewReply scores a reply for the reviewers (nlp/review): relevance,
// completeness, timeliness and the flags of a weak reply.
func (s *Server) reviewReply(w http.ResponseWriter, r *http.Request) {
	var in reviewRequest
	if err := s.decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	for _, f := range []struct{ name, v string }{{"message", in.Message}, {"reply", in.Reply}} {
		if strings.TrimSpace(f.v) == "" || !utf8.ValidString(f.v) || utf8.RuneCountInString(f.v) > cases.MaxDescription {
			s.fail(w, r, newProblem(ProblemInvalidField, http.StatusUnprocessableEntity, f.name,
				fmt.Sprintf("%s is required: valid UTF-8 of at most %d characters", f.name, cases.MaxDescription)))
			return
		}
	}
	var asked, answered time.Time
	if in.AskedAt != nil && in.AnsweredAt != nil {
		asked, answered = *in.AskedAt, *in.AnsweredAt
	}
	s.writeJSON(w, r, http.StatusOK, review.Score(in.Message, in.Reply, asked, answered))
}
