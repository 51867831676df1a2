package api

import (
	"time"

	"yiwang/internal/cases"
)

// caseView is a case as the API shows it: with its clocks.
type caseView struct {
	cases.Case
	// Clocks are the deadlines running in the case's state, with the time
	// left and their colour (empty without a workflow).
	Clocks []clockView `json:"clocks"`
	// LookupToken lets the reporter read the case on the public route;
	// only in create responses of cases without a phone number, and only
	// when the server has a lookup secret.
	LookupToken string `json:"lookup_token,omitempty"`
}

// clockView is one running deadline.
type clockView struct {
	Clock string    `json:"clock"`
	Due   time.Time `json:"due"`
	// LeftSeconds is the time left in the clock's measure (working time
	// for working clocks), negative when overdue; Left is the same as text.
	LeftSeconds int64   `json:"left_seconds"`
	Left        string  `json:"left"`
	Used        float64 `json:"used"`
	Colour      string  `json:"colour"`
	Mode        string  `json:"mode"`
	Paused      bool    `json:"paused,omitempty"`
}

// viewCase returns c as the caller may see it, with its clocks now.
func (s *Server) viewCase(c cases.Case, reveal bool) caseView {
	return s.viewCaseAt(c, reveal, s.now())
}

// viewCaseAt returns c as the caller may see it: reporter masked unless
// reveal, clocks as of now.
func (s *Server) viewCaseAt(c cases.Case, reveal bool, now time.Time) caseView {
	if !reveal {
		c.Reporter = c.Reporter.Masked()
	}
	v := caseView{Case: c, Clocks: []clockView{}}
	if s.wf != nil {
		for _, cs := range s.wf.Clocks(c, now) {
			v.Clocks = append(v.Clocks, clockView{
				Clock: cs.Clock, Due: cs.Due, LeftSeconds: int64(cs.Left / time.Second), Left: cs.Left.Round(time.Second).String(),
				Used: cs.Used, Colour: cs.Colour.String(), Mode: cs.Mode.String(), Paused: cs.Paused,
			})
		}
	}
	return v
}

// viewEvent returns e as the caller may see it: the reporter inside a create
// event's payload masked unless reveal. The stored event is not modified.
func viewEvent(e cases.Event, reveal bool) cases.Event {
	if !reveal && e.Payload.Case != nil {
		n := *e.Payload.Case
		n.Reporter = n.Reporter.Masked()
		e.Payload.Case = &n
	}
	if !reveal && e.Action == cases.ActionNote {
		e.Note = maskCallNote(e.Note)
	}
	return e
}
