package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// classification is the platform's classification note: held puts the
// received case in the low-confidence queue.
func classification(held bool) cases.Command {
	cmd := cases.Command{Action: cases.ActionNote, Actor: "system:dispatch", Note: "分类建议 suggested=0102",
		Payload: cases.Payload{Suggestions: []cases.Suggestion{{Category: "0102", Confidence: 0.55, Terms: []string{"水压"}},
			{Category: "0101", Confidence: 0.3}}}}
	if held {
		cmd.Payload.Queue = cases.QueueLowConfidence
	} else {
		cmd.Payload.Suggestions[0].Confidence = 0.91
		cmd.Payload.Automatic = true
	}
	return cmd
}

// testQueue checks Filter.Queue: a case held by the classifier (created
// with its hold note, as the workflow writes it) is listed until it is
// dispatched, recategorised or voided; a confidently classified case and
// an unclassified one never are; QueueNone lists the others; Scope,
// States, ByDue and paging combine with it; Get shows the queue and the
// suggestions as a replay of the history does.
func testQueue(t *testing.T, open Opener) {
	s := open(t, nil)
	due := t0.Add(2 * time.Hour)
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * time.Minute) }
	create := func(i int, unitArea string, then ...cases.Command) cases.Case {
		t.Helper()
		n := simpleCase(fmt.Sprint("队列 ", i))
		n.Location = cases.Location{District: unitArea, Street: unitArea + "001"}
		c, created, err := s.Create(ctxT(t), store.CreateRequest{Case: n, Actor: "agent1", Unit: "12345", At: at(i), Then: then})
		if err != nil || !created {
			t.Fatalf("create %d: %v", i, err)
		}
		return c
	}
	hold := classification(true)
	hold.Payload.Deadlines = &cases.Deadlines{Dispatch: &due}
	heldA := create(0, "420102", hold)
	heldB := create(1, "420106", classification(true))
	confident := create(2, "420102", classification(false),
		cases.Command{Action: cases.ActionDispatch, Actor: "system:dispatch", Payload: cases.Payload{Unit: "u-a", Automatic: true}})
	plain := create(3, "420102")
	dispatched := create(4, "420102", classification(true))
	recategorised := create(5, "420102", classification(true))
	voided := create(6, "420102", classification(true))
	heldC := create(7, "420102", classification(true))

	for _, c := range []cases.Case{heldA, heldB, dispatched, recategorised, voided, heldC} {
		if c.Queue != cases.QueueLowConfidence || len(c.Suggestions) != 2 {
			t.Fatalf("created held case %s: queue %q suggestions %+v", c.ID, c.Queue, c.Suggestions)
		}
	}
	if confident.Queue != "" || confident.State != cases.StateDispatched || len(confident.Suggestions) != 2 {
		t.Fatalf("confident case: queue %q state %s suggestions %+v", confident.Queue, confident.State, confident.Suggestions)
	}
	mustTransition(t, s, dispatched.ID, cases.Command{Action: cases.ActionDispatch, Actor: "dispatcher1", Payload: cases.Payload{Unit: "u-a"}}, at(10))
	mustTransition(t, s, recategorised.ID, cases.Command{Action: cases.ActionRecategorise, Actor: "dispatcher1", Payload: cases.Payload{Category: "0102"}}, at(10))
	mustTransition(t, s, voided.ID, cases.Command{Action: cases.ActionVoid, Actor: "dispatcher1", Payload: cases.Payload{Reason: "重复"}}, at(10))
	mustTransition(t, s, heldC.ID, cases.Command{Action: cases.ActionNote, Actor: "dispatcher1", Note: "已联系反映人"}, at(10))

	low := cases.QueueLowConfidence
	received := []cases.State{cases.StateReceived}
	tests := []struct {
		name string
		f    store.Filter
		want []cases.Case
	}{
		{"low confidence", store.Filter{Queue: low}, []cases.Case{heldC, heldB, heldA}},
		{"low confidence, received", store.Filter{Queue: low, States: received}, []cases.Case{heldC, heldB, heldA}},
		{"low confidence, dispatched", store.Filter{Queue: low, States: []cases.State{cases.StateDispatched}}, nil},
		{"low confidence by due", store.Filter{Queue: low, ByDue: true}, []cases.Case{heldA, heldB, heldC}},
		{"low confidence, unit scope of another unit", store.Filter{Queue: low, Scope: &store.Scope{Units: []string{"u-a"}}}, nil},
		{"low confidence, area scope", store.Filter{Queue: low, Scope: &store.Scope{Areas: []string{"420106"}}}, []cases.Case{heldB}},
		{"low confidence, area filter", store.Filter{Queue: low, Areas: []string{"420102"}}, []cases.Case{heldC, heldA}},
		{"manual: received in no queue", store.Filter{Queue: store.QueueNone, States: received}, []cases.Case{recategorised, plain}},
		{"in no queue", store.Filter{Queue: store.QueueNone}, []cases.Case{voided, recategorised, dispatched, plain, confident}},
	}
	for _, tt := range tests {
		var want []string
		for _, c := range tt.want {
			want = append(want, c.ID)
		}
		for _, limit := range []int{1, 50} {
			tt.f.Limit = limit
			if got := pageIDs(t, s, tt.f); !slices.Equal(got, want) {
				t.Errorf("%s (pages of %d): got %v, want %v", tt.name, limit, got, want)
			}
		}
	}
	for _, c := range []cases.Case{heldA, heldB, confident, plain, dispatched, recategorised, voided, heldC} {
		got, err := s.Get(ctxT(t), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		h, err := s.History(ctxT(t), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		replayed, err := cases.Replay(h)
		if err != nil {
			t.Fatal(err)
		}
		requireJSONEq(t, "case "+c.ID+" against its replay", got, replayed)
	}
}

// pageIDs lists the ids of every page of f (pages of f.Limit).
func pageIDs(t *testing.T, s store.Store, f store.Filter) []string {
	t.Helper()
	var out []string
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("pagination does not end")
		}
		page, err := s.List(ctxT(t), f)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range page.Cases {
			out = append(out, c.ID)
		}
		if page.Next == "" {
			return out
		}
		f.Cursor = page.Next
	}
}
