package cases

import (
	"fmt"
	"slices"
)

// Apply folds one event into c. It checks only what keeps the fold sound
// (the event belongs to c and follows its last one); Decide is where
// commands are judged.
func Apply(c *Case, e Event) error {
	if e.Seq != c.Version+1 {
		return fmt.Errorf("case %s: event seq %d does not follow version %d", e.CaseID, e.Seq, c.Version)
	}
	if e.Action == ActionCreate {
		if e.Payload.Case == nil {
			return fmt.Errorf("case %s: create event without case", e.CaseID)
		}
		n := e.Payload.Case
		*c = Case{
			ID: e.CaseID, Channel: n.Channel, Title: n.Title, Description: n.Description,
			Category: n.Category, Location: n.Location, Reporter: n.Reporter, Severity: n.Severity,
			Attachments: slices.Clone(n.Attachments), Tags: slices.Clone(n.Tags), CreatedAt: e.At,
		}
	} else if e.CaseID != c.ID {
		return fmt.Errorf("event for case %s applied to case %s", e.CaseID, c.ID)
	}
	if e.From != c.State {
		return fmt.Errorf("case %s: event %d starts from %s but the case is %s", c.ID, e.Seq, e.From, c.State)
	}
	p := e.Payload
	switch e.Action {
	case ActionDispatch, ActionReassign:
		c.Unit, c.CoUnits = p.Unit, slices.Clone(p.CoUnits)
		c.Deadlines = Deadlines{}
	case ActionReturn:
		c.Returns++
		c.Unit, c.CoUnits = "", nil
		c.Deadlines = Deadlines{}
		c.ExtensionPending = false
	case ActionResolve:
		c.Reply = p.Reply
	case ActionVerify:
		c.Satisfaction = p.Satisfaction
	case ActionReopen:
		c.Reopens++
		c.Satisfaction = ""
		c.Deadlines = Deadlines{}
	case ActionRequestExtension:
		c.ExtensionPending = true
	case ActionApproveExtension:
		c.ExtensionPending = false
	case ActionRefuseExtension:
		c.ExtensionPending = false
	case ActionSuspend:
		c.Resume = e.From
	case ActionResume:
		c.Resume = ""
	case ActionSupervise:
		c.Supervisions++
	case ActionMerge:
		c.ParentID = p.ParentID
	}
	if d := p.Deadlines; d != nil {
		if d.SignOff != nil {
			c.Deadlines.SignOff = d.SignOff
		}
		if d.Resolve != nil {
			c.Deadlines.Resolve = d.Resolve
		}
	}
	c.State = e.To
	c.Version = e.Seq
	c.UpdatedAt = e.At
	return nil
}

// Replay derives a case's current state from its whole history.
func Replay(events []Event) (Case, error) {
	var c Case
	if len(events) == 0 {
		return c, fmt.Errorf("replay: no events")
	}
	for _, e := range events {
		if err := Apply(&c, e); err != nil {
			return Case{}, fmt.Errorf("replay: %w", err)
		}
	}
	return c, nil
}
