package open311

import (
	"context"
	"strings"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
	"yiwang/internal/workflow"
)

// TestMergedStatus: a merged case follows its parent's handling — open
// with a note naming the parent until the parent's reply is relayed to
// it, then closed with that reply as status_notes.
func TestMergedStatus(t *testing.T) {
	const parent = "WH-20261123-000001"
	tests := []struct {
		name   string
		c      cases.Case
		status string
		notes  string
	}{
		{"merged, waiting for the parent", cases.Case{State: cases.StateMerged, ParentID: parent}, StatusOpen, "已合并至 " + parent},
		{"merged, parent's reply relayed", cases.Case{State: cases.StateMerged, ParentID: parent, Reply: "已修复"}, StatusClosed, "已修复"},
		{"resolved", cases.Case{State: cases.StateResolved, Reply: "已处理"}, StatusClosed, "已处理"},
		{"voided", cases.Case{State: cases.StateVoided}, StatusClosed, "作废"},
		{"dispatched", cases.Case{State: cases.StateDispatched}, StatusOpen, "派单"},
	}
	for _, tt := range tests {
		if got := statusOf(&tt.c); got != tt.status {
			t.Errorf("%s: status %s, want %s", tt.name, got, tt.status)
		}
		if got := statusNotes(&tt.c); !strings.Contains(got, tt.notes) {
			t.Errorf("%s: status_notes %q lacks %q", tt.name, got, tt.notes)
		}
	}
}

// TestMergedStatusOfHandler: a merged case answers with the live state of
// the case it is handled with.
func TestMergedStatusOfHandler(t *testing.T) {
	const parent = "WH-20261123-000001"
	child := cases.Case{ID: "WH-20261123-000002", State: cases.StateMerged, ParentID: parent}
	relayed := child
	relayed.Reply = "旧答复"
	tests := []struct {
		name    string
		c       cases.Case
		handler cases.Case
		status  string
		notes   string
	}{
		{"parent dispatched", child, cases.Case{ID: parent, State: cases.StateDispatched}, StatusOpen, "主件当前状态：派单"},
		{"parent resolved, nothing relayed yet", child, cases.Case{ID: parent, State: cases.StateResolved, Reply: "已修复"}, StatusClosed, "已修复"},
		{"parent closed", relayed, cases.Case{ID: parent, State: cases.StateClosed, Reply: "新答复"}, StatusClosed, "新答复"},
		{"parent reopened after a relay", relayed, cases.Case{ID: parent, State: cases.StateDispatched, Reply: "旧答复"}, StatusOpen, "随主件办理"},
		{"parent voided, not yet detached", relayed, cases.Case{ID: parent, State: cases.StateVoided}, StatusOpen, "已作废"},
	}
	for _, tt := range tests {
		status, notes := mergedStatus(&tt.c, &tt.handler)
		if status != tt.status || !strings.Contains(notes, tt.notes) {
			t.Errorf("%s: %s %q, want %s with %q", tt.name, status, notes, tt.status, tt.notes)
		}
	}
}

// TestMergedRequestFollowsParent: over HTTP, a case merged into another
// answers open while the parent is handled, closed with the parent's reply
// as soon as the parent is resolved (before any relay), open again when
// the parent is reopened (though the old reply was relayed), and, once
// the parent is voided and the case detached, with its own state; GET
// requests?status= selects it by that status; a case merged into the
// merged case follows the same parent.
func TestMergedRequestFollowsParent(t *testing.T) {
	f := newFixture(t, Config{})
	wf, err := workflow.New(workflow.Options{Store: f.st, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	ids := seed(t, f, 3, codeOf(t, pathPlain))
	parent, child, grand := ids[0], ids[1], ids[2]
	ctx := context.Background()
	act := func(id string, cmd cases.Command) {
		t.Helper()
		f.clock.Advance(time.Minute)
		if cmd.Actor == "" {
			cmd.Actor = "dispatcher"
		}
		if _, _, err := wf.Transition(ctx, store.TransitionRequest{ID: id, Command: cmd}); err != nil {
			t.Fatalf("%s %s: %v", cmd.Action, id, err)
		}
	}
	act(child, cases.Command{Action: cases.ActionMerge, Payload: cases.Payload{ParentID: parent}})
	act(grand, cases.Command{Action: cases.ActionMerge, Payload: cases.Payload{ParentID: child}})
	p, err := f.st.Get(ctx, parent)
	if err != nil || p.Unit == "" {
		t.Fatalf("parent %+v, %v: want it dispatched", p, err)
	}
	one := func(id string) clientRequest {
		t.Helper()
		var rs []clientRequest
		rec := f.get(t, "requests/"+id+".json")
		if rec.Code != 200 {
			t.Fatalf("GET %s: %d %s", id, rec.Code, rec.Body)
		}
		decodeJSON(t, rec, &rs)
		return rs[0]
	}
	listed := func(status string) map[string]bool {
		t.Helper()
		var rs []clientRequest
		decodeJSON(t, f.get(t, "requests.json?status="+status), &rs)
		out := map[string]bool{}
		for _, r := range rs {
			out[r.ID] = true
		}
		return out
	}
	check := func(step, status, notes string, agency bool) {
		t.Helper()
		for _, id := range []string{child, grand} {
			r := one(id)
			if r.Status != status || !strings.Contains(r.StatusNotes, notes) {
				t.Errorf("%s: %s is %s %q, want %s with %q", step, id, r.Status, r.StatusNotes, status, notes)
			}
			if agency && r.AgencyResponsible == "" {
				t.Errorf("%s: %s names no agency", step, id)
			}
			other := map[string]string{StatusOpen: StatusClosed, StatusClosed: StatusOpen}[status]
			if !listed(status)[id] || listed(other)[id] {
				t.Errorf("%s: %s not listed under status=%s alone", step, id, status)
			}
		}
	}
	check("parent dispatched", StatusOpen, "随主件办理", true)

	resolveCase(t, f, parent) // past the workflow: nothing is relayed
	if c, _ := f.st.Get(ctx, child); c.Reply != "" {
		t.Fatalf("the child got a reply %q without a relay", c.Reply)
	}
	check("parent resolved", StatusClosed, "已安排清运", true)

	if _, err := wf.RelayReply(ctx, parent); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.st.Transition(ctx, store.TransitionRequest{ID: parent,
		Command: cases.Command{Action: cases.ActionReopen, Actor: "agent"}}); err != nil {
		t.Fatal(err)
	}
	check("parent reopened", StatusOpen, "随主件办理", true)

	if _, _, err := f.st.Transition(ctx, store.TransitionRequest{ID: parent,
		Command: cases.Command{Action: cases.ActionVoid, Actor: "dispatcher", Payload: cases.Payload{Reason: "误报"}}}); err != nil {
		t.Fatal(err)
	}
	check("parent voided, child not yet detached", StatusOpen, "已作废", false)

	if rep, err := wf.CatchUpRelays(ctx); err != nil || rep.Detached != 1 {
		t.Fatalf("catch-up: %+v, %v; want the child detached", rep, err)
	}
	c, err := f.st.Get(ctx, child)
	if err != nil || c.State == cases.StateMerged || c.ParentID != "" {
		t.Fatalf("child after the catch-up: %+v, %v", c, err)
	}
	r := one(child)
	if r.Status != StatusOpen || !strings.Contains(r.StatusNotes, c.State.Label()) {
		t.Errorf("detached child: %s %q, want open with its own state %s", r.Status, r.StatusNotes, c.State)
	}
	if g := one(grand); g.Status != StatusOpen || !strings.Contains(g.StatusNotes, "主件当前状态："+c.State.Label()) {
		t.Errorf("case merged into the detached child: %s %q", g.Status, g.StatusNotes)
	}
}
