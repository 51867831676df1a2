package cases

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func newTestCase(t *testing.T) Case {
	t.Helper()
	lat, lon := 30.58, 114.30
	n := NewCase{Channel: ChannelHotline, Title: "路灯不亮", Description: "中山大道路灯坏了", Category: "01",
		Location: Location{Lat: &lat, Lon: &lon}, Reporter: Reporter{Phone: "13812345678"}}
	n.Normalize()
	if err := n.Validate(); err != nil {
		t.Fatal(err)
	}
	c, err := Replay([]Event{NewCreate("WH-20261123-000001", n, "agent1", "12345", t0)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func do(t *testing.T, c *Case, cmd Command) Event {
	t.Helper()
	if cmd.Actor == "" {
		cmd.Actor = "tester"
	}
	e, err := Decide(c, cmd, t0.Add(time.Duration(c.Version)*time.Minute))
	if err != nil {
		t.Fatalf("%s from %s: %v", cmd.Action, c.State, err)
	}
	if err := Apply(c, e); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestHappyPath(t *testing.T) {
	c := newTestCase(t)
	steps := []struct {
		cmd  Command
		want State
	}{
		{Command{Action: ActionDispatch, Payload: Payload{Unit: "wh-cg"}}, StateDispatched},
		{Command{Action: ActionAccept}, StateAccepted},
		{Command{Action: ActionStart}, StateInProgress},
		{Command{Action: ActionResolve, Payload: Payload{Reply: "已修复"}}, StateResolved},
		{Command{Action: ActionVerify, Payload: Payload{Satisfaction: Satisfied}}, StateVerified},
		{Command{Action: ActionClose}, StateClosed},
	}
	for _, s := range steps {
		do(t, &c, s.cmd)
		if c.State != s.want {
			t.Fatalf("after %s state = %s, want %s", s.cmd.Action, c.State, s.want)
		}
	}
	if c.Unit != "wh-cg" || c.Reply != "已修复" || c.Satisfaction != Satisfied || c.Version != 7 || c.Open() {
		t.Errorf("final case wrong: %+v", c)
	}
}

func TestSideFlows(t *testing.T) {
	c := newTestCase(t)
	do(t, &c, Command{Action: ActionDispatch, Payload: Payload{Unit: "a"}})
	do(t, &c, Command{Action: ActionReturn, Payload: Payload{Reason: "不属于本单位"}})
	if c.State != StateReturned || c.Unit != "" || c.Returns != 1 {
		t.Fatalf("after return: %+v", c)
	}
	do(t, &c, Command{Action: ActionDispatch, Payload: Payload{Unit: "b"}})
	do(t, &c, Command{Action: ActionReassign, Payload: Payload{Unit: "c"}})
	do(t, &c, Command{Action: ActionAccept})
	do(t, &c, Command{Action: ActionSuspend, Payload: Payload{Reason: "等待施工"}})
	do(t, &c, Command{Action: ActionResume})
	if c.State != StateAccepted {
		t.Fatalf("resume went to %s, want accepted", c.State)
	}
	do(t, &c, Command{Action: ActionRequestExtension, Payload: Payload{Reason: "材料未到"}})
	if !c.ExtensionPending {
		t.Fatal("extension not pending")
	}
	due := t0.Add(72 * time.Hour)
	do(t, &c, Command{Action: ActionApproveExtension, Payload: Payload{Deadlines: &Deadlines{Resolve: &due}}})
	if c.ExtensionPending || c.Deadlines.Resolve == nil || !c.Deadlines.Resolve.Equal(due) {
		t.Fatalf("extension approval not applied: %+v", c)
	}
	do(t, &c, Command{Action: ActionSupervise, Note: "请加快办理"})
	do(t, &c, Command{Action: ActionResolve, Payload: Payload{Reply: "已处理"}})
	do(t, &c, Command{Action: ActionVerify, Payload: Payload{Satisfaction: Unsatisfied}})
	do(t, &c, Command{Action: ActionReopen, Note: "回访不满意"})
	if c.State != StateDispatched || c.Unit != "c" || c.Reopens != 1 || c.Supervisions != 1 {
		t.Fatalf("after reopen: %+v", c)
	}
	do(t, &c, Command{Action: ActionMerge, Payload: Payload{ParentID: "WH-20261123-000002"}})
	if c.State != StateMerged || c.ParentID != "WH-20261123-000002" {
		t.Fatalf("after merge: %+v", c)
	}
}

func TestIllegalTransitions(t *testing.T) {
	tests := []struct {
		name     string
		setup    []Command
		cmd      Command
		contains []string
	}{
		{"accept before dispatch", nil, Command{Action: ActionAccept}, []string{"state received", "allowed now: dispatch"}},
		{"resolve from received", nil, Command{Action: ActionResolve, Payload: Payload{Reply: "x"}}, []string{"cannot resolve", "received"}},
		{"dispatch without unit", nil, Command{Action: ActionDispatch}, []string{"payload.unit is required"}},
		{"return without reason", []Command{{Action: ActionDispatch, Payload: Payload{Unit: "a"}}}, Command{Action: ActionReturn}, []string{"payload.reason"}},
		{"reassign to same unit", []Command{{Action: ActionDispatch, Payload: Payload{Unit: "a"}}}, Command{Action: ActionReassign, Payload: Payload{Unit: "a"}}, []string{"must differ"}},
		{"approve without request", []Command{{Action: ActionDispatch, Payload: Payload{Unit: "a"}}, {Action: ActionAccept}}, Command{Action: ActionApproveExtension}, []string{"no extension request is pending"}},
		{"merge into itself", nil, Command{Action: ActionMerge, Payload: Payload{ParentID: "WH-20261123-000001"}}, []string{"itself"}},
		{"verify bad outcome", []Command{{Action: ActionDispatch, Payload: Payload{Unit: "a"}}, {Action: ActionAccept}, {Action: ActionResolve, Payload: Payload{Reply: "ok"}}}, Command{Action: ActionVerify, Payload: Payload{Satisfaction: "meh"}}, []string{"satisfaction"}},
		{"close voided", []Command{{Action: ActionVoid, Payload: Payload{Reason: "重复"}}}, Command{Action: ActionClose}, []string{"voided", "allowed now: note"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestCase(t)
			for _, s := range tt.setup {
				do(t, &c, s)
			}
			before := c
			tt.cmd.Actor = "tester"
			_, err := Decide(&c, tt.cmd, t0)
			if !errors.Is(err, ErrTransition) {
				t.Fatalf("err = %v, want ErrTransition", err)
			}
			for _, s := range tt.contains {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
			if !reflect.DeepEqual(before, c) {
				t.Error("Decide changed the case")
			}
		})
	}
}

func TestDecideValidatesCommand(t *testing.T) {
	c := newTestCase(t)
	if _, err := Decide(&c, Command{Action: ActionDispatch, Payload: Payload{Unit: "a"}}, t0); !errors.Is(err, ErrInvalid) {
		t.Errorf("missing actor: err = %v", err)
	}
	if _, err := Decide(&c, Command{Action: "fly", Actor: "x"}, t0); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown action: err = %v", err)
	}
	if _, err := Decide(&c, Command{Action: ActionNote, Actor: "x", Note: "\xff"}, t0); !errors.Is(err, ErrInvalid) {
		t.Errorf("invalid utf-8 note: err = %v", err)
	}
}

func TestValidate(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	ok := NewCase{Channel: ChannelWeb, Title: "t", Category: "01", Severity: SeverityNormal}
	tests := []struct {
		name  string
		edit  func(*NewCase)
		field string
	}{
		{"ok", func(*NewCase) {}, ""},
		{"bad channel", func(n *NewCase) { n.Channel = "fax" }, "channel"},
		{"no title", func(n *NewCase) { n.Title = "" }, "title"},
		{"long description", func(n *NewCase) { n.Description = strings.Repeat("长", MaxDescription+1) }, "description"},
		{"invalid utf8", func(n *NewCase) { n.Title = "a\xffb" }, "title"},
		{"lat only", func(n *NewCase) { n.Location.Lat = f(30) }, "location"},
		{"lat range", func(n *NewCase) { n.Location.Lat, n.Location.Lon = f(91), f(114) }, "location.lat"},
		{"lon range", func(n *NewCase) { n.Location.Lat, n.Location.Lon = f(30), f(-181) }, "location.lon"},
		{"bad severity", func(n *NewCase) { n.Severity = "meh" }, "severity"},
		{"no category", func(n *NewCase) { n.Category = "" }, "category"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := ok
			tt.edit(&n)
			err := n.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field {
				t.Fatalf("err = %v, want field %s", err, tt.field)
			}
		})
	}
}

func TestMask(t *testing.T) {
	m := Reporter{Name: "张三", Phone: "13812345678", Email: "zhang@example.com"}.Masked()
	if m.Phone != "138****5678" || m.Email != "z****@example.com" || m.Name != "张三" {
		t.Errorf("masked = %+v", m)
	}
}
