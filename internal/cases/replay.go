package cases

import (
	"fmt"
	"slices"
	"time"
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
		c.Unit, c.CoUnits, c.RuleID = p.Unit, slices.Clone(p.CoUnits), p.RuleID
		at := e.At
		c.DispatchedAt = &at
		c.Deadlines = Deadlines{}
	case ActionReturn:
		c.Returns++
		c.Unit, c.CoUnits, c.RuleID, c.DispatchedAt = "", nil, "", nil
		c.Deadlines = Deadlines{}
		if c.ExtensionPending {
			c.ExtensionPending = false
			c.endPause(ActionRequestExtension, e.At)
		}
	case ActionResolve, ActionRelay:
		c.Reply = p.Reply
	case ActionVerify:
		c.Satisfaction = p.Satisfaction
	case ActionReopen:
		c.Reopens++
		c.Satisfaction = ""
		at := e.At
		c.DispatchedAt = &at
		c.Deadlines = Deadlines{}
	case ActionRequestExtension:
		c.ExtensionPending = true
		c.Pauses = append(c.Pauses, Pause{Start: e.At, Reason: ActionRequestExtension})
	case ActionApproveExtension, ActionRefuseExtension:
		c.ExtensionPending = false
		c.endPause(ActionRequestExtension, e.At)
	case ActionSuspend:
		c.Resume = e.From
		c.Pauses = append(c.Pauses, Pause{Start: e.At, Reason: ActionSuspend})
	case ActionResume:
		c.Resume = ""
		c.endPause(ActionSuspend, e.At)
	case ActionSupervise:
		c.Supervisions++
	case ActionMerge:
		c.ParentID = p.ParentID
	case ActionDetach:
		// Handled anew from the dispatch queue: nothing of the merged
		// case's earlier handling, or of the voided parent's reply, runs
		// on (the event's own deadlines, merged below, start again).
		c.ParentID, c.Reply, c.Resume, c.ExtensionPending = "", "", "", false
		c.Unit, c.CoUnits, c.RuleID, c.DispatchedAt = "", nil, "", nil
		c.Deadlines = Deadlines{}
		for i := range c.Pauses {
			if c.Pauses[i].End == nil {
				at := e.At
				c.Pauses[i].End = &at
			}
		}
	case ActionRecategorise:
		c.Category = p.Category
	case ActionSummon:
		for _, u := range p.Units {
			c.Summons = append(c.Summons, Summons{Unit: u, Due: *p.Due, By: e.Actor})
		}
	case ActionReport:
		if i := c.pendingSummons(p.Unit); i >= 0 {
			at := e.At
			c.Summons[i].ReportedAt = &at
		}
	}
	c.applyClassification(&e)
	c.Deadlines.merge(p.Deadlines)
	c.State = e.To
	c.leaveQueue(&e)
	c.Version = e.Seq
	c.UpdatedAt = e.At
	return nil
}

// endPause closes the open pause started by reason.
func (c *Case) endPause(reason Action, at time.Time) {
	for i := len(c.Pauses) - 1; i >= 0; i-- {
		if c.Pauses[i].Reason == reason && c.Pauses[i].End == nil {
			c.Pauses[i].End = &at
			return
		}
	}
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
