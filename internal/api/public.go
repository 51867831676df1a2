package api

import (
	"context"
	"net/http"
	"slices"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// PublicActor is the actor of the events a citizen's rating appends.
const PublicActor = "public:citizen"

// ratingActor reopens a case after an unsatisfied rating.
const ratingActor = "system:rating"

// publicCase is a case as its reporter sees it: status, the official
// reply and the timeline, without staff names, notes or contacts.
type publicCase struct {
	ID         string        `json:"id"`
	Title      string        `json:"title"`
	Category   string        `json:"category"`
	Channel    cases.Channel `json:"channel"`
	State      cases.State   `json:"state"`
	StateLabel string        `json:"state_label"`
	Address    string        `json:"address,omitempty"`
	// Reply is the official answer: for a merged case, its parent's,
	// relayed to it (转告) once given.
	Reply        string `json:"reply,omitempty"`
	Satisfaction string `json:"satisfaction,omitempty"`
	Reopens      int    `json:"reopens,omitempty"`
	// MergedInto, on a merged case, is the case it was merged into and
	// whose handling it shares: that case's state now.
	MergedInto *publicParent `json:"merged_into,omitempty"`
	// CanRate says a rating would be accepted now.
	CanRate   bool          `json:"can_rate"`
	CreatedAt time.Time     `json:"created_at"`
	UpdatedAt time.Time     `json:"updated_at"`
	Timeline  []publicEvent `json:"timeline"`
}

// publicParent is the case a merged case shares its handling with, as
// its reporter sees it.
type publicParent struct {
	ID         string      `json:"id"`
	State      cases.State `json:"state"`
	StateLabel string      `json:"state_label"`
}

// publicParentOf returns the case that handles merged case c: its parent,
// or, when that was merged in turn, the parent's parent, and so on
// (cases.HandlingCase; as far as the chain can be read). It returns nil
// when c is not merged or its parent cannot be read (the look-up still
// answers with the case itself).
func (s *Server) publicParentOf(ctx context.Context, c *cases.Case) *publicParent {
	p, _, _ := cases.HandlingCase(c, func(id string) (*cases.Case, error) {
		p, err := s.store.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		return &p, nil
	})
	if p == nil {
		return nil
	}
	return &publicParent{ID: p.ID, State: p.State, StateLabel: p.State.Label()}
}

// publicEvent is one step of the public timeline.
type publicEvent struct {
	At     time.Time    `json:"at"`
	Action cases.Action `json:"action"`
	Label  string       `json:"label"`
	State  cases.State  `json:"state"`
	// UnitName is the department a dispatch or reassign sent the case to.
	UnitName     string `json:"unit_name,omitempty"`
	Reply        string `json:"reply,omitempty"`
	Satisfaction string `json:"satisfaction,omitempty"`
}

// publicLabels are the steps the public timeline shows; internal steps
// (notes, returns, supervision, 吹哨报到, extension requests) are left out.
var publicLabels = map[cases.Action]string{
	cases.ActionCreate: "受理", cases.ActionDispatch: "派单", cases.ActionReassign: "改派", cases.ActionAccept: "签收",
	cases.ActionStart: "办理", cases.ActionResolve: "办结", cases.ActionVerify: "回访", cases.ActionClose: "结案",
	cases.ActionReopen: "重办", cases.ActionApproveExtension: "延期", cases.ActionSuspend: "挂起", cases.ActionResume: "恢复办理",
	cases.ActionMerge: "合并", cases.ActionVoid: "作废", cases.ActionRelay: "答复",
	cases.ActionDetach: "解除合并",
}

// publicLookup finds a case for its reporter: the phone number on the case
// or the lookup token given at creation must match. A wrong credential
// answers as if there were no such case.
func (s *Server) publicLookup(r *http.Request) (cases.Case, []cases.Event, error) {
	q := r.URL.Query()
	for name := range q {
		if name != "phone" && name != "token" {
			return cases.Case{}, nil, badParam(name, "unknown query parameter; give phone or token")
		}
	}
	phone, tok := q.Get("phone"), q.Get("token")
	if (phone == "") == (tok == "") {
		return cases.Case{}, nil, badParam("phone", "give either phone (the number the case was reported with) or token (given when it was created)")
	}
	id := r.PathValue("id")
	c, err := s.lookup(r.Context(), id)
	if err != nil {
		return cases.Case{}, nil, err
	}
	ok := (phone != "" && samePhone(phone, c.Reporter.Phone)) || (tok != "" && s.validLookupToken(c.ID, tok))
	if !ok {
		return cases.Case{}, nil, store.ErrNotFound
	}
	events, err := s.store.History(r.Context(), c.ID)
	if err != nil {
		return cases.Case{}, nil, err
	}
	return c, events, nil
}

func (s *Server) getPublicCase(w http.ResponseWriter, r *http.Request) {
	c, events, err := s.publicLookup(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := s.viewPublic(c, events)
	out.MergedInto = s.publicParentOf(r.Context(), &c)
	s.writeJSON(w, r, http.StatusOK, out)
}

func (s *Server) viewPublic(c cases.Case, events []cases.Event) publicCase {
	out := publicCase{ID: c.ID, Title: c.Title, Category: c.Category, Channel: c.Channel, State: c.State, StateLabel: c.State.Label(),
		Address: c.Location.Address, Reply: c.Reply, Satisfaction: c.Satisfaction, Reopens: c.Reopens,
		CanRate: rateRefusal(&c, events) == "", CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, Timeline: []publicEvent{}}
	for _, e := range events {
		label, ok := publicLabels[e.Action]
		if !ok {
			continue
		}
		pe := publicEvent{At: e.At, Action: e.Action, Label: label, State: e.To, Reply: e.Payload.Reply, Satisfaction: e.Payload.Satisfaction}
		if (e.Action == cases.ActionDispatch || e.Action == cases.ActionReassign) && s.wf != nil {
			pe.UnitName = s.wf.Rules().Engine.Directory().Name(e.Payload.Unit)
		}
		out.Timeline = append(out.Timeline, pe)
	}
	return out
}

// rateRefusal says why the reporter cannot rate the case now ("" if they
// can): a rating is taken once per resolution, after it.
func rateRefusal(c *cases.Case, events []cases.Event) string {
	if !slices.Contains([]cases.State{cases.StateResolved, cases.StateVerified, cases.StateClosed}, c.State) {
		return "the case is " + string(c.State) + " (" + c.State.Label() + "); it can be rated once it has been resolved (办结)"
	}
	last := -1
	for i, e := range events {
		if e.Action == cases.ActionResolve {
			last = i
		}
	}
	if last < 0 {
		return "the case was closed without being resolved; there is no answer to rate"
	}
	for _, e := range events[last+1:] {
		if e.Actor == PublicActor {
			return "the case has already been rated since it was resolved"
		}
	}
	return ""
}

// ratingRequest is the body of POST /api/v1/public/cases/{id}/rating.
type ratingRequest struct {
	Rating  string `json:"rating"`
	Comment string `json:"comment,omitempty"`
}

// ratingResponse is the body of a recorded rating.
type ratingResponse struct {
	Case publicCase `json:"case"`
	// Reopened says the rating sent the case back for rework (重办).
	Reopened bool `json:"reopened"`
}

var ratingLabels = map[string]string{cases.Satisfied: "满意", cases.BasicallySatisfied: "基本满意", cases.Unsatisfied: "不满意"}

// rateCase records the reporter's rating. On a resolved case it is the
// verify transition (回访) with the rating as satisfaction; on a case staff
// have already verified or closed it is a note, as verify cannot happen
// twice. Unsatisfied reopens (重办) a resolved or verified case; a closed
// case cannot be reopened and keeps the rating only.
func (s *Server) rateCase(w http.ResponseWriter, r *http.Request) {
	c, events, err := s.publicLookup(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var in ratingRequest
	if err := s.decodeJSON(w, r, &in); err != nil {
		s.fail(w, r, err)
		return
	}
	label, ok := ratingLabels[in.Rating]
	if !ok {
		s.fail(w, r, newProblem(ProblemInvalidField, http.StatusUnprocessableEntity, "rating",
			"rating must be satisfied, basically_satisfied or unsatisfied"))
		return
	}
	if why := rateRefusal(&c, events); why != "" {
		p := newProblem(ProblemRatingNotAllowed, http.StatusConflict, "", why)
		p.State = c.State
		s.fail(w, r, p)
		return
	}
	cmd := cases.Command{Action: cases.ActionVerify, Actor: PublicActor, Note: in.Comment,
		Payload: cases.Payload{Satisfaction: in.Rating}}
	if c.State != cases.StateResolved {
		cmd = cases.Command{Action: cases.ActionNote, Actor: PublicActor, Note: "市民评价：" + label}
		if in.Comment != "" {
			cmd.Note += "\n" + in.Comment
		}
	}
	// The version pins the rating to the state it was judged on: of two
	// ratings at once, the second gets 409 version-conflict.
	c, e, err := s.writer.Transition(r.Context(), store.TransitionRequest{ID: c.ID, Command: cmd, At: s.now(), ExpectVersion: c.Version})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	reopened := false
	if in.Rating == cases.Unsatisfied && c.Open() {
		if c, err = s.reopenAfterRating(r.Context(), c, e); err != nil {
			s.fail(w, r, err)
			return
		}
		reopened = true
	}
	if events, err = s.store.History(r.Context(), c.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, ratingResponse{Case: s.viewPublic(c, events), Reopened: reopened})
}

// reopenAfterRating reopens (重办) a case its reporter is unsatisfied with.
func (s *Server) reopenAfterRating(ctx context.Context, c cases.Case, rating cases.Event) (cases.Case, error) {
	c2, _, err := s.writer.Transition(ctx, store.TransitionRequest{ID: c.ID, At: s.now(),
		IdempotencyKey: "rating-reopen/" + c.ID + "/" + itoa(rating.Seq),
		Command: cases.Command{Action: cases.ActionReopen, Actor: ratingActor, Note: "市民评价不满意，按规定重办",
			Payload: cases.Payload{Automatic: true}}})
	return c2, err
}
