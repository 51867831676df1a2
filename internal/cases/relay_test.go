package cases

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// mergedCase returns a case merged into parent after it was dispatched.
func mergedCase(t *testing.T, parent string) Case {
	t.Helper()
	c := newTestCase(t)
	do(t, &c, Command{Action: ActionDispatch, Payload: Payload{Unit: "wh-cg"}})
	do(t, &c, Command{Action: ActionMerge, Payload: Payload{ParentID: parent}})
	return c
}

func TestRelayAccepted(t *testing.T) {
	const parent = "WH-20261123-000009"
	tests := []struct {
		name    string
		replies []string
	}{
		{"one reply", []string{"已修复路灯"}},
		{"re-resolved parent: the newer reply replaces the older", []string{"已修复路灯", "重办后更换灯杆"}},
		{"same reply twice", []string{"已修复", "已修复"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mergedCase(t, parent)
			for _, reply := range tt.replies {
				before := c
				e := do(t, &c, Command{Action: ActionRelay, Actor: "system:relay", Payload: Payload{ParentID: parent, Reply: reply}})
				if e.From != StateMerged || e.To != StateMerged || c.State != StateMerged {
					t.Fatalf("relay moved the case: event %s→%s, state %s", e.From, e.To, c.State)
				}
				if c.Reply != reply || c.ParentID != parent || c.Version != before.Version+1 || c.Open() {
					t.Fatalf("after relay: reply %q parent %q version %d open %v", c.Reply, c.ParentID, c.Version, c.Open())
				}
				if c.Unit != before.Unit || c.Satisfaction != before.Satisfaction || c.Reopens != before.Reopens {
					t.Fatalf("relay changed more than the reply: %+v", c)
				}
			}
			if !slices.Contains(Allowed(&c), ActionRelay) {
				t.Fatalf("relay not allowed on a merged case: %v", Allowed(&c))
			}
		})
	}
}

func TestRelayRefused(t *testing.T) {
	const parent = "WH-20261123-000009"
	open := newTestCase(t)
	merged := mergedCase(t, parent)
	voided := newTestCase(t)
	do(t, &voided, Command{Action: ActionVoid, Payload: Payload{Reason: "重复"}})
	closed := newTestCase(t)
	for _, cmd := range []Command{
		{Action: ActionDispatch, Payload: Payload{Unit: "a"}}, {Action: ActionAccept},
		{Action: ActionResolve, Payload: Payload{Reply: "好"}}, {Action: ActionClose},
	} {
		do(t, &closed, cmd)
	}
	tests := []struct {
		name  string
		c     Case
		p     Payload
		state bool   // refused for the state (not allowed at all)
		why   string // substring of the reason otherwise
	}{
		{"received case", open, Payload{ParentID: parent, Reply: "r"}, true, ""},
		{"voided case", voided, Payload{ParentID: parent, Reply: "r"}, true, ""},
		{"closed case", closed, Payload{ParentID: parent, Reply: "r"}, true, ""},
		{"no parent", merged, Payload{Reply: "r"}, false, "payload.parent_id"},
		{"another parent", merged, Payload{ParentID: "WH-20261123-000010", Reply: "r"}, false, "payload.parent_id must be " + parent},
		{"no reply", merged, Payload{ParentID: parent}, false, "payload.reply"},
		{"blank reply", merged, Payload{ParentID: parent, Reply: " \n"}, false, "payload.reply"},
		{"queue on a relay", merged, Payload{ParentID: parent, Reply: "r", Queue: QueueLowConfidence,
			Suggestions: []Suggestion{{Category: "01", Confidence: 0.5}}}, false, "payload.queue"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.c
			_, err := Decide(&c, Command{Action: ActionRelay, Actor: "system:relay", Payload: tt.p}, t0)
			var te *TransitionError
			if !errors.As(err, &te) || !errors.Is(err, ErrTransition) {
				t.Fatalf("err = %v, want a TransitionError", err)
			}
			if tt.state != (te.Reason == "") {
				t.Fatalf("reason %q: refused for the state = %v, want %v", te.Reason, te.Reason == "", tt.state)
			}
			if !strings.Contains(te.Reason, tt.why) {
				t.Fatalf("reason %q does not name %q", te.Reason, tt.why)
			}
			if c.Version != tt.c.Version || c.Reply != tt.c.Reply {
				t.Fatal("Decide changed the case")
			}
		})
	}
}

func TestSystemOnly(t *testing.T) {
	for _, a := range Actions() {
		if got, want := a.SystemOnly(), a == ActionRelay || a == ActionDetach; got != want {
			t.Errorf("%s.SystemOnly() = %v, want %v", a, got, want)
		}
	}
}

// TestRelayReplay checks that a history with relays replays to the last
// relayed reply, and that a relay event for another case does not apply.
func TestRelayReplay(t *testing.T) {
	const parent = "WH-20261123-000009"
	n := NewCase{Channel: ChannelHotline, Title: "路灯不亮", Category: "01"}
	n.Normalize()
	hist := []Event{NewCreate("WH-20261123-000001", n, "agent1", "12345", t0)}
	c, err := Replay(hist)
	if err != nil {
		t.Fatal(err)
	}
	record := func(cmd Command) {
		hist = append(hist, do(t, &c, cmd))
	}
	record(Command{Action: ActionMerge, Payload: Payload{ParentID: parent}})
	record(Command{Action: ActionRelay, Actor: "system:relay", Payload: Payload{ParentID: parent, Reply: "第一次答复"}})
	record(Command{Action: ActionNote, Note: "已电话告知"})
	record(Command{Action: ActionRelay, Actor: "system:relay", Payload: Payload{ParentID: parent, Reply: "重办后的答复"}})
	got, err := Replay(hist)
	if err != nil {
		t.Fatal(err)
	}
	if got.Reply != "重办后的答复" || got.State != StateMerged || got.Version != 5 {
		t.Fatalf("replayed: reply %q state %s version %d", got.Reply, got.State, got.Version)
	}
	wrong := hist[len(hist)-1]
	wrong.CaseID = "WH-20261123-000077"
	if err := Apply(&got, wrong); err == nil {
		t.Fatal("a relay of another case applied")
	}
}
