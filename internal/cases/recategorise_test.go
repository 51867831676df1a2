package cases

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestRecategoriseStates checks in which states a dispatcher may change the
// category, and that the case keeps its state and unit when it does.
func TestRecategoriseStates(t *testing.T) {
	paths := []struct {
		name  string
		steps []Command
		ok    bool
	}{
		{"received", nil, true},
		{"dispatched", []Command{{Action: ActionDispatch, Payload: Payload{Unit: "u1"}}}, true},
		{"accepted", []Command{{Action: ActionDispatch, Payload: Payload{Unit: "u1"}}, {Action: ActionAccept}}, true},
		{"in_progress", []Command{{Action: ActionDispatch, Payload: Payload{Unit: "u1"}}, {Action: ActionAccept}, {Action: ActionStart}}, true},
		{"returned", []Command{{Action: ActionDispatch, Payload: Payload{Unit: "u1"}}, {Action: ActionReturn, Payload: Payload{Reason: "不属本单位"}}}, true},
		{"suspended", []Command{{Action: ActionDispatch, Payload: Payload{Unit: "u1"}}, {Action: ActionSuspend, Payload: Payload{Reason: "等待"}}}, false},
		{"resolved", []Command{{Action: ActionDispatch, Payload: Payload{Unit: "u1"}}, {Action: ActionAccept}, {Action: ActionResolve, Payload: Payload{Reply: "已办"}}}, false},
		{"voided", []Command{{Action: ActionVoid, Payload: Payload{Reason: "重复"}}}, false},
	}
	for _, p := range paths {
		t.Run(p.name, func(t *testing.T) {
			c := newTestCase(t)
			for _, s := range p.steps {
				do(t, &c, s)
			}
			before := c
			if got := slices.Contains(Allowed(&c), ActionRecategorise); got != p.ok {
				t.Fatalf("recategorise allowed in %s = %v, want %v", c.State, got, p.ok)
			}
			e, err := Decide(&c, Command{Action: ActionRecategorise, Actor: "dispatcher1", Payload: Payload{Category: "0201"}}, t0)
			if !p.ok {
				if !errors.Is(err, ErrTransition) {
					t.Fatalf("recategorise in %s: err = %v, want a transition error", c.State, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if e.Payload.PreviousCategory != "01" || e.Payload.Category != "0201" {
				t.Errorf("event records %q → %q, want 01 → 0201", e.Payload.PreviousCategory, e.Payload.Category)
			}
			if err := Apply(&c, e); err != nil {
				t.Fatal(err)
			}
			if c.Category != "0201" || c.State != before.State || c.Unit != before.Unit || c.Version != before.Version+1 {
				t.Errorf("after recategorise: category %q state %s unit %q version %d; want 0201, %s, %q, %d",
					c.Category, c.State, c.Unit, c.Version, before.State, before.Unit, before.Version+1)
			}
		})
	}
}

func TestRecategoriseValidates(t *testing.T) {
	c := newTestCase(t)
	for _, tc := range []struct {
		name, category, want string
	}{
		{"missing", "", "payload.category"},
		{"unchanged", "01", "must differ"},
		{"too long", strings.Repeat("1", MaxCategory+1), "payload.category"},
		{"invalid UTF-8", "\xff", "payload.category"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decide(&c, Command{Action: ActionRecategorise, Actor: "d", Payload: Payload{Category: tc.category}}, t0)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one naming %q", err, tc.want)
			}
		})
	}
}

// TestRecategoriseRecordsOldCategory checks that the old category comes
// from the case, not from the command, and that other actions carry no
// category.
func TestRecategoriseRecordsOldCategory(t *testing.T) {
	c := newTestCase(t)
	e, err := Decide(&c, Command{Action: ActionRecategorise, Actor: "d", Payload: Payload{Category: "02", PreviousCategory: "99"}}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if e.Payload.PreviousCategory != "01" {
		t.Errorf("previous category %q, want the case's 01", e.Payload.PreviousCategory)
	}
	e, err = Decide(&c, Command{Action: ActionNote, Actor: "d", Note: "n", Payload: Payload{Category: "02", PreviousCategory: "99"}}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if e.Payload.Category != "" || e.Payload.PreviousCategory != "" {
		t.Errorf("a note carries category %q/%q", e.Payload.Category, e.Payload.PreviousCategory)
	}
	if err := Apply(&c, e); err != nil || c.Category != "01" {
		t.Errorf("a note changed the category to %q (err %v)", c.Category, err)
	}
}
