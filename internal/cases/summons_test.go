package cases

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSummonsAndReports(t *testing.T) {
	c := newTestCase(t)
	due := t0.Add(2 * time.Hour)
	do(t, &c, Command{Action: ActionSummon, Payload: Payload{Units: []string{"cg", "sw"}, Due: &due}})
	if len(c.Summons) != 2 || c.Summons[0].Unit != "cg" || c.Summons[1].ReportedAt != nil || c.State != StateReceived {
		t.Fatalf("after summon: %+v", c.Summons)
	}
	// a unit already waiting cannot be summoned again; a past due is refused
	if _, err := Decide(&c, Command{Action: ActionSummon, Actor: "x", Payload: Payload{Units: []string{"sw"}, Due: &due}}, t0); err == nil || !strings.Contains(err.Error(), "already summoned") {
		t.Errorf("double summons: %v", err)
	}
	past := t0.Add(-time.Hour)
	if _, err := Decide(&c, Command{Action: ActionSummon, Actor: "x", Payload: Payload{Units: []string{"jg"}, Due: &past}}, t0); err == nil || !strings.Contains(err.Error(), "payload.due") {
		t.Errorf("past due: %v", err)
	}
	do(t, &c, Command{Action: ActionReport, Payload: Payload{Unit: "sw"}})
	if c.Summons[1].ReportedAt == nil || c.Summons[0].ReportedAt != nil {
		t.Fatalf("after sw reports: %+v", c.Summons)
	}
	if _, err := Decide(&c, Command{Action: ActionReport, Actor: "x", Payload: Payload{Unit: "sw"}}, t0); !errors.Is(err, ErrTransition) {
		t.Errorf("second report of sw: %v", err)
	}
	do(t, &c, Command{Action: ActionReport, Payload: Payload{Unit: "cg"}})
	for _, a := range Allowed(&c) {
		if a == ActionReport {
			t.Error("report still allowed after every unit reported")
		}
	}
}

func TestPausesFollowSuspensionsAndExtensions(t *testing.T) {
	c := newTestCase(t)
	do(t, &c, Command{Action: ActionDispatch, Payload: Payload{Unit: "a", RuleID: "r7"}})
	if c.RuleID != "r7" || c.DispatchedAt == nil {
		t.Fatalf("dispatch did not record rule and time: %+v", c)
	}
	do(t, &c, Command{Action: ActionAccept})
	do(t, &c, Command{Action: ActionSuspend, Payload: Payload{Reason: "等待"}})
	do(t, &c, Command{Action: ActionResume})
	do(t, &c, Command{Action: ActionRequestExtension, Payload: Payload{Reason: "材料"}})
	if len(c.Pauses) != 2 || c.Pauses[0].End == nil || c.Pauses[1].End != nil || c.Pauses[1].Reason != ActionRequestExtension {
		t.Fatalf("pauses = %+v", c.Pauses)
	}
	e := do(t, &c, Command{Action: ActionReturn, Payload: Payload{Reason: "不属于本单位"}})
	if e.Payload.Unit != "a" || e.Payload.RuleID != "r7" {
		t.Errorf("return event payload = %+v, want unit a and rule r7", e.Payload)
	}
	if c.ExtensionPending || c.Pauses[1].End == nil || c.RuleID != "" || c.DispatchedAt != nil {
		t.Errorf("return left the extension pause open or the assignment set: %+v", c)
	}
}
