package storetest

import (
	"slices"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// testParent checks Filter.Parent: the cases merged into a parent are
// listed under it (newest first, paged, combined with other filters and
// Scope), a relay leaves them there, the parent itself, cases merged
// elsewhere and unmerged cases never are; Get shows the relayed reply
// as a replay of the history does.
func testParent(t *testing.T, open Opener) {
	s := open(t, nil)
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }
	create := func(i int, district string) cases.Case {
		t.Helper()
		n := simpleCase("合并 " + string(rune('A'+i)))
		n.Location = cases.Location{District: district}
		return mustCreate(t, s, n, at(i))
	}
	merge := func(c cases.Case, parent string, i int) cases.Case {
		t.Helper()
		return mustTransition(t, s, c.ID, cases.Command{Action: cases.ActionMerge, Actor: "dispatcher1",
			Payload: cases.Payload{ParentID: parent}}, at(i))
	}
	parent := create(0, "420102")
	other := create(1, "420102")
	a := merge(create(2, "420102"), parent.ID, 20)
	b := create(3, "420106")
	mustTransition(t, s, b.ID, cases.Command{Action: cases.ActionDispatch, Actor: "dispatcher1", Payload: cases.Payload{Unit: "u-a"}}, at(21))
	b = merge(b, parent.ID, 22)
	elsewhere := merge(create(4, "420102"), other.ID, 23)
	plain := create(5, "420102")
	c := merge(create(6, "420102"), parent.ID, 24)
	// A relay (the parent's reply) keeps the case under its parent.
	c = mustTransition(t, s, c.ID, cases.Command{Action: cases.ActionRelay, Actor: "system:relay",
		Payload: cases.Payload{ParentID: parent.ID, Reply: "已处理，路灯修复"}}, at(30))
	if c.Reply != "已处理，路灯修复" || c.State != cases.StateMerged || c.ParentID != parent.ID {
		t.Fatalf("after relay: reply %q state %s parent %q", c.Reply, c.State, c.ParentID)
	}
	hist, err := s.History(ctxT(t), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	replayed, err := cases.Replay(hist)
	if err != nil {
		t.Fatal(err)
	}
	requireJSONEq(t, "relayed case vs replay", c, replayed)

	tests := []struct {
		name string
		f    store.Filter
		want []cases.Case
	}{
		{"children", store.Filter{Parent: parent.ID}, []cases.Case{c, b, a}},
		{"other parent", store.Filter{Parent: other.ID}, []cases.Case{elsewhere}},
		{"a child has none", store.Filter{Parent: a.ID}, nil},
		{"unknown id", store.Filter{Parent: "WH-20991231-000001"}, nil},
		{"with state", store.Filter{Parent: parent.ID, States: []cases.State{cases.StateMerged}}, []cases.Case{c, b, a}},
		{"with another state", store.Filter{Parent: parent.ID, States: []cases.State{cases.StateReceived}}, nil},
		{"with area", store.Filter{Parent: parent.ID, Areas: []string{"420106"}}, []cases.Case{b}},
		{"with scope", store.Filter{Parent: parent.ID, Scope: &store.Scope{Areas: []string{"420102"}}}, []cases.Case{c, a}},
		{"with text", store.Filter{Parent: parent.ID, Text: "合并 C"}, []cases.Case{a}},
	}
	for _, tt := range tests {
		var want []string
		for _, c := range tt.want {
			want = append(want, c.ID)
		}
		if got := listIDs(t, s, tt.f); !slices.Equal(got, want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, want)
		}
	}
	// One page at a time.
	page, err := s.List(ctxT(t), store.Filter{Parent: parent.ID, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Cases) != 2 || page.Cases[0].ID != c.ID || page.Cases[0].Reply != c.Reply || page.Next == "" {
		t.Fatalf("first page of 2: %d cases, next %q", len(page.Cases), page.Next)
	}
	page, err = s.List(ctxT(t), store.Filter{Parent: parent.ID, Limit: 2, Cursor: page.Next})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Cases) != 1 || page.Cases[0].ID != a.ID || page.Next != "" {
		t.Fatalf("second page: %+v, next %q", page.Cases, page.Next)
	}
	for _, id := range []string{parent.ID, plain.ID, other.ID} {
		got, err := s.Get(ctxT(t), id)
		if err != nil || got.ParentID != "" {
			t.Fatalf("case %s: parent %q, %v", id, got.ParentID, err)
		}
	}
}
