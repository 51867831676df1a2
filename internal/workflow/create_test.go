package workflow

import (
	"slices"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// TestCreateDispatches checks automatic dispatch on create: the rule, the
// unit, the automatic flag and the deadlines on the unit's calendar.
// 2025-09-30 (Tuesday) is the last working day before National Day
// (holidays 10-01 to 10-08, make-up working day Saturday 10-11).
func TestCreateDispatches(t *testing.T) {
	created := at(2025, 9, 30, 17, 29)
	tests := []struct {
		name     string
		cat      string
		unit     string
		rule     string
		co       []string
		signOff  time.Time
		resolve  time.Time
		noteHas  string
		schedule string
	}{
		{
			name: "office hours: sign-off on the first working day after the holiday",
			cat:  "0101", unit: "zhujian.420100", rule: "build-city",
			// 1 minute on 09-30, 1h59m from 08:30 on 10-09.
			signOff: at(2025, 10, 9, 10, 29),
			// 5 working days: 10-09, 10-10, 10-11 (make-up), 10-13, 10-14.
			resolve: at(2025, 10, 14, 17, 29),
			noteHas: "依据规则 build-city",
		},
		{
			name: "24x7 unit: deadlines run through the holiday",
			cat:  "0102", unit: "shuiwu.420100", rule: "water-city", co: []string{"chengguan.420106"},
			signOff: at(2025, 9, 30, 19, 29),
			resolve: at(2025, 10, 5, 17, 29),
			noteHas: "依据规则 water-city",
		},
	}
	forEachStore(t, func(t *testing.T, st store.Store) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				f := newFixture(t, st)
				c := f.create(newCase(tt.cat, cases.SeverityNormal), created)
				if c.State != cases.StateDispatched || c.Unit != tt.unit || c.RuleID != tt.rule || len(c.CoUnits) != len(tt.co) {
					t.Fatalf("case = state %s unit %s rule %s co %v, want dispatched to %s by %s with co %v", c.State, c.Unit, c.RuleID, c.CoUnits, tt.unit, tt.rule, tt.co)
				}
				sameTime(t, "sign_off", c.Deadlines.SignOff, tt.signOff)
				sameTime(t, "resolve", c.Deadlines.Resolve, tt.resolve)
				if c.Deadlines.OnSite != nil || c.Deadlines.Dispatch != nil {
					t.Errorf("deadlines = %+v, want only sign_off and resolve for a normal hotline case", c.Deadlines)
				}
				h := f.history(c.ID)
				if len(h) != 2 {
					t.Fatalf("history has %d events, want create and dispatch", len(h))
				}
				d := h[1]
				if d.Action != cases.ActionDispatch || d.Actor != SystemActor || !d.Payload.Automatic || d.Payload.RuleID != tt.rule {
					t.Errorf("dispatch event = %+v", d)
				}
				contains(t, "dispatch note", d.Note, tt.noteHas)
			})
		}
	})
}

// TestCreateWithoutRuleWaitsInManualQueue checks that a case no rule
// covers stays received, with the near misses in its history and the
// dispatch clock started when a policy defines one.
func TestCreateWithoutRuleWaitsInManualQueue(t *testing.T) {
	created := at(2025, 9, 29, 10, 0)
	tests := []struct {
		name     string
		severity cases.Severity
		dispatch *time.Time
	}{
		{"normal: no dispatch clock", cases.SeverityNormal, nil},
		{"urgent hotline: 30 minutes to dispatch", cases.SeverityUrgent, ptr(created.Add(30 * time.Minute))},
	}
	forEachStore(t, func(t *testing.T, st store.Store) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				f := newFixture(t, st)
				c := f.create(newCase("09", tt.severity), created)
				if c.State != cases.StateReceived || c.Unit != "" {
					t.Fatalf("state %s unit %q, want received without unit", c.State, c.Unit)
				}
				if tt.dispatch == nil && c.Deadlines.Dispatch != nil {
					t.Errorf("dispatch deadline %v, want none", c.Deadlines.Dispatch)
				}
				if tt.dispatch != nil {
					sameTime(t, "dispatch", c.Deadlines.Dispatch, *tt.dispatch)
				}
				h := f.history(c.ID)
				if len(h) != 2 || h[1].Action != cases.ActionNote || h[1].Actor != SystemActor {
					t.Fatalf("history = %+v, want create and a note by %s", h, SystemActor)
				}
				contains(t, "note", h[1].Note, "人工派单", "build-city", "类别")
				page, err := st.List(f.ctx, store.Filter{States: []cases.State{cases.StateReceived}})
				if err != nil || !slices.ContainsFunc(page.Cases, func(q cases.Case) bool { return q.ID == c.ID }) {
					t.Errorf("manual queue = %v (err %v), want the case", page.Cases, err)
				}
			})
		}
	})
}

func ptr[T any](v T) *T { return &v }

// TestCreateRetryDispatchesOnce checks that a retried create (same
// idempotency key) returns the case without a second dispatch, and that a
// case stored but never dispatched is dispatched by the retry.
func TestCreateRetryDispatchesOnce(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		when := at(2025, 9, 29, 10, 0)
		f.clock.Set(when)
		req := store.CreateRequest{Case: newCase("0101", cases.SeverityNormal), Actor: "agent", At: when, IdempotencyKey: "k1", RequestHash: "h1"}
		first, created, err := f.w.Create(f.ctx, req)
		if err != nil || !created || first.State != cases.StateDispatched {
			t.Fatalf("first create: %v %v %s", err, created, first.State)
		}
		for i := range 2 {
			again, created, err := f.w.Create(f.ctx, req)
			if err != nil || created || again.ID != first.ID || again.Version != first.Version {
				t.Fatalf("retry %d: id %s version %d created %v err %v, want %s version %d not created", i, again.ID, again.Version, created, err, first.ID, first.Version)
			}
		}
		if h := f.history(first.ID); len(h) != 2 {
			t.Errorf("history has %d events after retries, want 2", len(h))
		}

		// A create that reached the store without its dispatch.
		req.IdempotencyKey, req.RequestHash = "k2", "h2"
		bare, _, err := st.Create(f.ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		got, created, err := f.w.Create(f.ctx, req)
		if err != nil || created || got.ID != bare.ID || got.State != cases.StateDispatched || got.RuleID != "build-city" {
			t.Fatalf("retry of an undispatched create: %s %s %s created %v err %v", got.ID, got.State, got.RuleID, created, err)
		}
		if h := f.history(bare.ID); len(h) != 2 {
			t.Errorf("history has %d events, want create and dispatch", len(h))
		}
	})
}

// TestSeverityTightensDeadlines checks tiered response (分级响应): a
// critical case gets tighter deadlines than a normal one of the same
// category and place.
func TestSeverityTightensDeadlines(t *testing.T) {
	f := newFixture(t, newFakeStore())
	when := at(2025, 9, 29, 10, 0)
	normal := f.create(newCase("0101", cases.SeverityNormal), when)
	critical := f.create(newCase("0101", cases.SeverityCritical), when)
	if normal.Unit != critical.Unit {
		t.Fatalf("units differ: %s vs %s", normal.Unit, critical.Unit)
	}
	sameTime(t, "critical sign_off", critical.Deadlines.SignOff, when.Add(30*time.Minute))
	sameTime(t, "critical on_site", critical.Deadlines.OnSite, when.Add(time.Hour))
	sameTime(t, "critical resolve", critical.Deadlines.Resolve, when.Add(24*time.Hour))
	for _, p := range []struct {
		name           string
		normal, urgent *time.Time
	}{
		{"sign_off", normal.Deadlines.SignOff, critical.Deadlines.SignOff},
		{"resolve", normal.Deadlines.Resolve, critical.Deadlines.Resolve},
	} {
		if p.normal == nil || p.urgent == nil || !p.urgent.Before(*p.normal) {
			t.Errorf("%s: critical %v is not before normal %v", p.name, p.urgent, p.normal)
		}
	}
}
