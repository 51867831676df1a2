package cases

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestDetach: a merged case whose parent was voided goes back to
// received, whatever it was doing when merged, with nothing of that
// handling (unit, deadlines, open pauses, pending extension, the relayed
// reply) left; it can then be handled normally.
func TestDetach(t *testing.T) {
	const parent = "WH-20261123-000009"
	due := t0.Add(48 * time.Hour)
	tests := []struct {
		name   string
		before []Command // before the merge
		relay  bool      // the parent's reply was relayed before it was voided
	}{
		{"merged while received", nil, false},
		{"merged while dispatched", []Command{{Action: ActionDispatch, Payload: Payload{Unit: "wh-cg", RuleID: "r1",
			Deadlines: &Deadlines{Resolve: &due}}}}, false},
		{"merged while suspended", []Command{{Action: ActionDispatch, Payload: Payload{Unit: "wh-cg"}},
			{Action: ActionSuspend, Payload: Payload{Reason: "等待"}}}, false},
		{"merged with an extension pending", []Command{{Action: ActionDispatch, Payload: Payload{Unit: "wh-cg"}},
			{Action: ActionAccept}, {Action: ActionRequestExtension, Payload: Payload{Reason: "材料"}}}, false},
		{"parent resolved, relayed, then voided", []Command{{Action: ActionDispatch, Payload: Payload{Unit: "wh-cg"}}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestCase(t)
			for _, cmd := range tt.before {
				do(t, &c, cmd)
			}
			do(t, &c, Command{Action: ActionMerge, Payload: Payload{ParentID: parent}})
			if tt.relay {
				do(t, &c, Command{Action: ActionRelay, Actor: "system:relay", Payload: Payload{ParentID: parent, Reply: "已修复"}})
			}
			if !slices.Contains(Allowed(&c), ActionDetach) {
				t.Fatalf("detach not allowed on a merged case: %v", Allowed(&c))
			}
			dispatchDue := t0.Add(2 * time.Hour)
			reason := "parent " + parent + " voided: 重复受理"
			e := do(t, &c, Command{Action: ActionDetach, Actor: "system:relay",
				Payload: Payload{ParentID: parent, Reason: reason, Automatic: true, Deadlines: &Deadlines{Dispatch: &dispatchDue}}})
			if e.From != StateMerged || e.To != StateReceived || e.Payload.Reason != reason {
				t.Fatalf("detach event %s→%s reason %q", e.From, e.To, e.Payload.Reason)
			}
			if c.State != StateReceived || !c.Open() || c.ParentID != "" || c.Reply != "" || c.Unit != "" || c.RuleID != "" ||
				c.DispatchedAt != nil || c.ExtensionPending || c.Resume != "" {
				t.Fatalf("after detach: %+v", c)
			}
			if c.Deadlines.Resolve != nil || c.Deadlines.Dispatch == nil || !c.Deadlines.Dispatch.Equal(dispatchDue) {
				t.Fatalf("deadlines after detach: %+v", c.Deadlines)
			}
			for _, p := range c.Pauses {
				if p.End == nil {
					t.Fatalf("pause %+v still open after detach", p)
				}
			}
			// Handled normally from here.
			for _, cmd := range []Command{{Action: ActionDispatch, Payload: Payload{Unit: "wh-sz"}}, {Action: ActionAccept},
				{Action: ActionResolve, Payload: Payload{Reply: "本件单独办结"}}, {Action: ActionClose}} {
				do(t, &c, cmd)
			}
			if c.State != StateClosed || c.Reply != "本件单独办结" || c.Unit != "wh-sz" {
				t.Fatalf("handled after detach: state %s reply %q unit %s", c.State, c.Reply, c.Unit)
			}
		})
	}
}

func TestDetachRefused(t *testing.T) {
	const parent = "WH-20261123-000009"
	merged := mergedCase(t, parent)
	open := newTestCase(t)
	tests := []struct {
		name  string
		c     Case
		p     Payload
		state bool
		why   string
	}{
		{"received case", open, Payload{ParentID: parent, Reason: "r"}, true, ""},
		{"no parent", merged, Payload{Reason: "r"}, false, "payload.parent_id"},
		{"another parent", merged, Payload{ParentID: "WH-20261123-000010", Reason: "r"}, false, "payload.parent_id must be " + parent},
		{"no reason", merged, Payload{ParentID: parent}, false, "payload.reason"},
		{"blank reason", merged, Payload{ParentID: parent, Reason: "  "}, false, "payload.reason"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.c
			_, err := Decide(&c, Command{Action: ActionDetach, Actor: "system:relay", Payload: tt.p}, t0)
			var te *TransitionError
			if !errors.As(err, &te) {
				t.Fatalf("err = %v, want a TransitionError", err)
			}
			if tt.state != (te.Reason == "") || !strings.Contains(te.Reason, tt.why) {
				t.Fatalf("reason %q, want state-refusal %v or naming %q", te.Reason, tt.state, tt.why)
			}
		})
	}
}
