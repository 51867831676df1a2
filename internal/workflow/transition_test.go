package workflow

import (
	"errors"
	"strings"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// dispatched creates a case no rule covers at 09:00 on Monday 2025-09-29
// and dispatches it by hand to unit at 10:00.
func (f *fixture) dispatched(unit string) cases.Case {
	f.t.Helper()
	c := f.create(newCase("09", cases.SeverityNormal), at(2025, 9, 29, 9, 0))
	return f.do(c.ID, at(2025, 9, 29, 10, 0), cases.Command{Action: cases.ActionDispatch, Payload: cases.Payload{Unit: unit}})
}

// TestManualDispatchDeadlines checks that a dispatch without deadlines
// gets the unit's SLA deadlines and that unknown units are refused.
func TestManualDispatchDeadlines(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		c := f.dispatched("zhujian.420100")
		sameTime(t, "sign_off", c.Deadlines.SignOff, at(2025, 9, 29, 12, 0))
		// 5 working days: 09-30, 10-09, 10-10, 10-11 (make-up), 10-13.
		sameTime(t, "resolve", c.Deadlines.Resolve, at(2025, 10, 13, 10, 0))
		if c.RuleID != "" {
			t.Errorf("rule %q on a dispatcher's dispatch", c.RuleID)
		}
		for _, p := range []struct {
			payload cases.Payload
			field   string
		}{
			{cases.Payload{Unit: "nosuch.unit"}, "payload.unit"},
			{cases.Payload{Unit: "shuiwu.420100", CoUnits: []string{"zhujian.420100", "ghost"}}, "payload.co_units[1]"},
		} {
			_, _, err := f.try(c.ID, at(2025, 9, 29, 10, 30), cases.Command{Action: cases.ActionReassign, Payload: p.payload})
			var fe *cases.FieldError
			if !errors.As(err, &fe) || fe.Field != p.field {
				t.Errorf("reassign %+v: err %v, want a field error on %s", p.payload, err, p.field)
			}
		}
	})
}

// TestPausesMoveDeadlines checks resume and the extension decisions.
func TestPausesMoveDeadlines(t *testing.T) {
	approved := at(2025, 10, 20, 17, 30)
	tests := []struct {
		name    string
		steps   func(f *fixture, id string) cases.Case
		resolve time.Time
	}{
		{
			name: "resume after a suspension over National Day moves resolve by the paused working time (7h)",
			steps: func(f *fixture, id string) cases.Case {
				f.do(id, at(2025, 9, 30, 10, 0), cases.Command{Action: cases.ActionSuspend, Payload: cases.Payload{Reason: "等待业主"}})
				return f.do(id, at(2025, 10, 9, 10, 0), cases.Command{Action: cases.ActionResume})
			},
			resolve: at(2025, 10, 14, 10, 0),
		},
		{
			name: "approve_extension keeps the approver's deadline",
			steps: func(f *fixture, id string) cases.Case {
				f.do(id, at(2025, 9, 29, 14, 0), cases.Command{Action: cases.ActionRequestExtension, Payload: cases.Payload{Reason: "需协调"}})
				return f.do(id, at(2025, 9, 29, 16, 0), cases.Command{Action: cases.ActionApproveExtension,
					Payload: cases.Payload{Deadlines: &cases.Deadlines{Resolve: &approved}}})
			},
			resolve: approved,
		},
		{
			name: "refuse_extension moves resolve by the 2h pending, then to the next working instant",
			steps: func(f *fixture, id string) cases.Case {
				f.do(id, at(2025, 9, 29, 14, 0), cases.Command{Action: cases.ActionRequestExtension, Payload: cases.Payload{Reason: "需协调"}})
				return f.do(id, at(2025, 9, 29, 16, 0), cases.Command{Action: cases.ActionRefuseExtension, Payload: cases.Payload{Reason: "可按期办结"}})
			},
			resolve: at(2025, 10, 13, 14, 0),
		},
		{
			name: "a later suspension keeps the approved deadline's net budget",
			steps: func(f *fixture, id string) cases.Case {
				f.do(id, at(2025, 9, 29, 14, 0), cases.Command{Action: cases.ActionRequestExtension, Payload: cases.Payload{Reason: "需协调"}})
				f.do(id, at(2025, 9, 29, 16, 0), cases.Command{Action: cases.ActionApproveExtension,
					Payload: cases.Payload{Deadlines: &cases.Deadlines{Resolve: &approved}}})
				f.do(id, at(2025, 10, 15, 8, 30), cases.Command{Action: cases.ActionSuspend, Payload: cases.Payload{Reason: "等待业主"}})
				// One working day paused: 10-15 08:30 to 10-16 08:30.
				return f.do(id, at(2025, 10, 16, 8, 30), cases.Command{Action: cases.ActionResume})
			},
			resolve: at(2025, 10, 21, 17, 30),
		},
	}
	forEachStore(t, func(t *testing.T, st store.Store) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				f := newFixture(t, st)
				c := f.dispatched("zhujian.420100")
				f.do(c.ID, at(2025, 9, 29, 11, 0), cases.Command{Action: cases.ActionAccept})
				got := tt.steps(f, c.ID)
				sameTime(t, "resolve", got.Deadlines.Resolve, tt.resolve)
			})
		}
	})
}

// TestReturnWindow checks that a unit may return a case only within its
// return window (zhujian: 2h) and that returns are counted per unit and
// rule.
func TestReturnWindow(t *testing.T) {
	tests := []struct {
		name  string
		when  time.Time
		ok    bool
		state cases.State
	}{
		{"within the window", at(2025, 9, 29, 11, 59), true, cases.StateReturned},
		{"at its end", at(2025, 9, 29, 12, 0), true, cases.StateReturned},
		{"after it", at(2025, 9, 29, 12, 1), false, cases.StateDispatched},
	}
	forEachStore(t, func(t *testing.T, st store.Store) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				f := newFixture(t, st)
				c := f.dispatched("zhujian.420100")
				got, _, err := f.try(c.ID, tt.when, cases.Command{Action: cases.ActionReturn, Payload: cases.Payload{Reason: "不属本单位职责"}})
				if tt.ok != (err == nil) {
					t.Fatalf("return at %s: err %v, want ok %v", tt.when, err, tt.ok)
				}
				if !tt.ok {
					var te *cases.TransitionError
					if !errors.As(err, &te) || !strings.Contains(te.Reason, "2h0m0s") || !strings.Contains(te.Reason, "2025-09-29 12:00") {
						t.Errorf("refusal %v does not name the 2h window closing at 12:00", err)
					}
					if got, _ = f.st.Get(f.ctx, c.ID); got.State != tt.state {
						t.Errorf("state %s after a refused return", got.State)
					}
					return
				}
				if got.State != tt.state || got.Returns != 1 || got.Unit != "" {
					t.Errorf("after return: state %s returns %d unit %q", got.State, got.Returns, got.Unit)
				}
			})
		}
	})
}

// TestReturnStats counts returns per unit and the rule that sent them.
func TestReturnStats(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		ret := cases.Command{Action: cases.ActionReturn, Payload: cases.Payload{Reason: "非本单位职责"}}
		for range 2 {
			c := f.create(newCase("0102", cases.SeverityNormal), at(2025, 9, 29, 10, 0)) // water-city
			f.do(c.ID, at(2025, 9, 29, 10, 30), ret)
		}
		manual := f.dispatched("zhujian.420100")
		f.do(manual.ID, at(2025, 9, 29, 10, 30), ret)
		old := f.create(newCase("0101", cases.SeverityNormal), at(2025, 9, 1, 10, 0))
		f.do(old.ID, at(2025, 9, 1, 10, 30), ret)

		got, err := f.w.ReturnStats(f.ctx, at(2025, 9, 29, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		want := []ReturnStat{
			{Unit: "shuiwu.420100", UnitName: "武汉市水务局", RuleID: "water-city", Count: 2},
			{Unit: "zhujian.420100", UnitName: "武汉市住房和城乡建设局", Count: 1},
		}
		if len(got) != len(want) {
			t.Fatalf("stats = %+v, want %+v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("stats[%d] = %+v, want %+v", i, got[i], want[i])
			}
		}
	})
}

// TestReturnRestartsDispatchClock checks that a returned urgent hotline
// case waits with a fresh dispatch deadline.
func TestReturnRestartsDispatchClock(t *testing.T) {
	f := newFixture(t, newFakeStore())
	c := f.create(newCase("0102", cases.SeverityUrgent), at(2025, 9, 29, 10, 0))
	if c.State != cases.StateDispatched {
		t.Fatalf("state %s", c.State)
	}
	got := f.do(c.ID, at(2025, 9, 29, 11, 0), cases.Command{Action: cases.ActionReturn, Payload: cases.Payload{Reason: "非本单位职责"}})
	sameTime(t, "dispatch", got.Deadlines.Dispatch, at(2025, 9, 29, 11, 30))
}
