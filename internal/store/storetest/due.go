package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/cases/casestest"
	"yiwang/internal/store"
)

// listIDs returns the ids of every case matching f, walking all pages of
// seven.
func listIDs(t *testing.T, s store.Store, f store.Filter) []string {
	t.Helper()
	f.Limit = 7
	return pageIDs(t, s, f)
}

// listAll returns every stored case, newest first.
func listAll(t *testing.T, s store.Store) []cases.Case {
	t.Helper()
	var out []cases.Case
	f := store.Filter{Limit: 1000}
	for {
		page, err := s.List(ctxT(t), f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page.Cases...)
		if page.Next == "" {
			return out
		}
		f.Cursor = page.Next
	}
}

// oracle returns the ids of all (newest first) for which keep holds.
func oracle(all []cases.Case, keep func(c *cases.Case) bool) []string {
	var out []string
	for i := range all {
		if keep(&all[i]) {
			out = append(out, all[i].ID)
		}
	}
	return out
}

func dueBefore(at time.Time) func(c *cases.Case) bool {
	return func(c *cases.Case) bool {
		d, ok := c.NextDue()
		return ok && d.Before(at)
	}
}

func testDueBefore(t *testing.T, open Opener) {
	s := open(t, nil)
	h := func(n int) *time.Time { x := t0.Add(time.Duration(n) * time.Hour); return &x }
	dispatch := func(d cases.Deadlines) cases.Command {
		return cases.Command{Action: cases.ActionDispatch, Payload: cases.Payload{Unit: "u1", Deadlines: &d}}
	}
	type step = cases.Command
	fixtures := []struct {
		name  string
		steps []step
		due   *time.Time // the case's expected next_due
	}{
		{"received, no deadline", nil, nil},
		{"received and supervised", []step{{Action: cases.ActionSupervise, Payload: cases.Payload{Clock: "dispatch", Level: 1}}}, nil},
		{"dispatched: sign-off first", []step{dispatch(cases.Deadlines{SignOff: h(2), Resolve: h(48)})}, h(2)},
		{"accepted: sign-off no longer runs", []step{dispatch(cases.Deadlines{SignOff: h(2), Resolve: h(10)}), {Action: cases.ActionAccept}}, h(10)},
		{"suspended: clocks stand still", []step{dispatch(cases.Deadlines{Resolve: h(5)}), {Action: cases.ActionSuspend, Payload: cases.Payload{Reason: "等待"}}}, nil},
		{"resumed: running again", []step{dispatch(cases.Deadlines{Resolve: h(6)}), {Action: cases.ActionSuspend, Payload: cases.Payload{Reason: "等待"}}, {Action: cases.ActionResume}}, h(6)},
		{"suspended but summoned: the summons runs", []step{dispatch(cases.Deadlines{Resolve: h(5)}),
			{Action: cases.ActionSummon, Payload: cases.Payload{Units: []string{"s1"}, Due: h(1)}},
			{Action: cases.ActionSuspend, Payload: cases.Payload{Reason: "等待"}}}, h(1)},
		{"voided: finished", []step{dispatch(cases.Deadlines{Resolve: h(3)}), {Action: cases.ActionVoid, Payload: cases.Payload{Reason: "重复"}}}, nil},
		{"resolved: nothing pending", []step{dispatch(cases.Deadlines{Resolve: h(4)}), {Action: cases.ActionAccept}, {Action: cases.ActionResolve, Payload: cases.Payload{Reply: "已处理"}}}, nil},
	}
	var ids []string
	for i, fx := range fixtures {
		c := mustCreate(t, s, simpleCase(fx.name), t0.Add(time.Duration(i)*time.Second))
		for _, st := range fx.steps {
			c = mustTransition(t, s, c.ID, st, t0.Add(time.Minute))
		}
		got, ok := c.NextDue()
		if ok != (fx.due != nil) || ok && !got.Equal(*fx.due) {
			t.Fatalf("%s: NextDue = %v %v, want %v (fixture is wrong)", fx.name, got, ok, fx.due)
		}
		ids = append(ids, c.ID)
	}
	all := listAll(t, s)
	for _, hours := range []int{0, 1, 2, 3, 6, 7, 10, 11, 1000} {
		at := *h(hours)
		want := oracle(all, dueBefore(at))
		got := listIDs(t, s, store.Filter{DueBefore: at})
		if !slices.Equal(got, want) {
			t.Errorf("DueBefore t0+%dh: got %v, want %v", hours, got, want)
		}
	}
	if got := listIDs(t, s, store.Filter{DueBefore: *h(1000)}); len(got) != 4 {
		t.Errorf("DueBefore far ahead: %d cases, want the 4 fixtures with a running deadline", len(got))
	}
	// Combined with other filters, and followed as the case moves on.
	got := listIDs(t, s, store.Filter{DueBefore: *h(1000), States: []cases.State{cases.StateDispatched}})
	if want := []string{ids[5], ids[2]}; !slices.Equal(got, want) {
		t.Errorf("DueBefore and state dispatched: %v, want %v", got, want)
	}
	mustTransition(t, s, ids[2], cases.Command{Action: cases.ActionAccept}, t0.Add(time.Hour))
	if got := listIDs(t, s, store.Filter{DueBefore: *h(3)}); slices.Contains(got, ids[2]) {
		t.Errorf("accepted case still due by its sign-off deadline: %v", got)
	}
	if got := listIDs(t, s, store.Filter{DueBefore: *h(49)}); !slices.Contains(got, ids[2]) {
		t.Errorf("accepted case not due by its resolve deadline: %v", got)
	}
}

func testMinReturns(t *testing.T, open Opener) {
	s := open(t, nil)
	dispatch := cases.Command{Action: cases.ActionDispatch, Payload: cases.Payload{Unit: "u1"}}
	ret := cases.Command{Action: cases.ActionReturn, Payload: cases.Payload{Reason: "非本单位职责"}}
	var ids []string
	for returns := range 4 {
		c := mustCreate(t, s, simpleCase("退单"), t0)
		for range returns {
			mustTransition(t, s, c.ID, dispatch, t0)
			c = mustTransition(t, s, c.ID, ret, t0)
		}
		if c.Returns != returns {
			t.Fatalf("case returned %d times has Returns %d", returns, c.Returns)
		}
		ids = append(ids, c.ID)
	}
	// Redispatched after two returns: still counts, but not in the queue.
	c := mustCreate(t, s, simpleCase("退单后重派"), t0)
	for range 2 {
		mustTransition(t, s, c.ID, dispatch, t0)
		mustTransition(t, s, c.ID, ret, t0)
	}
	mustTransition(t, s, c.ID, dispatch, t0)
	tests := []struct {
		f    store.Filter
		want []string
	}{
		{store.Filter{MinReturns: 1}, []string{c.ID, ids[3], ids[2], ids[1]}},
		{store.Filter{MinReturns: 2}, []string{c.ID, ids[3], ids[2]}},
		{store.Filter{MinReturns: 3}, []string{ids[3]}},
		{store.Filter{MinReturns: 4}, nil},
		{store.Filter{MinReturns: 2, States: []cases.State{cases.StateReturned}}, []string{ids[3], ids[2]}},
	}
	for _, tt := range tests {
		if got := listIDs(t, s, tt.f); !slices.Equal(got, tt.want) {
			t.Errorf("%+v: got %v, want %v", tt.f, got, tt.want)
		}
	}
}

// testDerivedFilters checks DueBefore, MinReturns and OpenSummons against the cases'
// own NextDue and Returns over random histories (every clock, pauses,
// summons), and again after importing the same histories elsewhere.
func testDerivedFilters(t *testing.T, open Opener) {
	src := open(t, nil)
	randomStore(t, src, 60, 3)
	dst := open(t, nil)
	if err := dst.Import(ctxT(t), histories(allEvents(t, src))); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]store.Store{"written": src, "imported": dst} {
		all := listAll(t, s)
		due := 0
		for _, hours := range []int{0, 2, 24, 200, 2000} {
			at := t0.Add(time.Duration(hours) * time.Hour)
			want := oracle(all, dueBefore(at))
			due += len(want)
			if got := listIDs(t, s, store.Filter{DueBefore: at}); !slices.Equal(got, want) {
				t.Errorf("%s: DueBefore t0+%dh: got %v, want %v", name, hours, got, want)
			}
		}
		if due == 0 {
			t.Errorf("%s: no random case has a running deadline; the test checks nothing", name)
		}
		for _, f := range []store.Filter{{ByDue: true}, {ByDue: true, States: []cases.State{cases.StateDispatched, cases.StateReturned}},
			{ByDue: true, DueBefore: t0.Add(200 * time.Hour)}} {
			keep := func(c *cases.Case) bool {
				if len(f.States) > 0 && !slices.Contains(f.States, c.State) {
					return false
				}
				return f.DueBefore.IsZero() || dueBefore(f.DueBefore)(c)
			}
			if got, want := listIDs(t, s, f), byDue(all, keep); !slices.Equal(got, want) {
				t.Errorf("%s: ByDue %+v:\n got %v\nwant %v", name, f, got, want)
			}
		}
		summoned := oracle(all, func(c *cases.Case) bool { _, ok := store.SummonsDue(c); return ok })
		if got := listIDs(t, s, store.Filter{OpenSummons: true}); !slices.Equal(got, summoned) {
			t.Errorf("%s: OpenSummons: got %v, want %v", name, got, summoned)
		}
		for _, q := range []cases.Queue{cases.QueueLowConfidence, store.QueueNone} {
			want := oracle(all, func(c *cases.Case) bool { return store.MatchQueue(q, c.Queue) })
			if got := listIDs(t, s, store.Filter{Queue: q}); !slices.Equal(got, want) {
				t.Errorf("%s: Queue %q: got %v, want %v", name, q, got, want)
			}
		}
		parents := 0
		for _, parent := range []string{casestest.MergeParent, "WH-20260101-000001"} {
			want := oracle(all, func(c *cases.Case) bool { return c.ParentID == parent })
			parents += len(want)
			if got := listIDs(t, s, store.Filter{Parent: parent}); !slices.Equal(got, want) {
				t.Errorf("%s: Parent %s: got %v, want %v", name, parent, got, want)
			}
		}
		if parents == 0 {
			t.Errorf("%s: no random case is merged; the Parent filter is not checked", name)
		}
		for _, n := range []int{1, 2} {
			want := oracle(all, func(c *cases.Case) bool { return c.Returns >= n })
			if got := listIDs(t, s, store.Filter{MinReturns: n}); !slices.Equal(got, want) {
				t.Errorf("%s: MinReturns %d: got %v, want %v", name, n, got, want)
			}
		}
	}
}

// byDue returns the ids of all for which keep holds in deadline order
// (Filter.ByDue): cases with a pending deadline first, earliest first,
// then creation order. all is newest first, as listAll returns it.
func byDue(all []cases.Case, keep func(c *cases.Case) bool) []string {
	type item struct {
		id     string
		n      int
		due    time.Time
		hasDue bool
	}
	var items []item
	for i := range all {
		if !keep(&all[i]) {
			continue
		}
		due, ok := all[i].NextDue()
		items = append(items, item{all[i].ID, len(all) - i, store.Time(due), ok})
	}
	slices.SortFunc(items, func(a, b item) int {
		switch {
		case a.hasDue != b.hasDue && a.hasDue:
			return -1
		case a.hasDue != b.hasDue:
			return 1
		case a.hasDue && !a.due.Equal(b.due):
			return a.due.Compare(b.due)
		}
		return a.n - b.n
	})
	var out []string
	for _, it := range items {
		out = append(out, it.id)
	}
	return out
}

// testByDue checks deadline order on fixed cases, and that cursors of
// the two orders are not interchangeable.
func testByDue(t *testing.T, open Opener) {
	s := open(t, nil)
	h := func(n int) *time.Time { x := t0.Add(time.Duration(n) * time.Hour); return &x }
	dispatch := func(resolve int) cases.Command {
		return cases.Command{Action: cases.ActionDispatch, Payload: cases.Payload{Unit: "u1", Deadlines: &cases.Deadlines{Resolve: h(resolve)}}}
	}
	var ids []string
	for i, resolve := range []int{0, 5, 2, 0, 5, 9, 1} { // 0: not dispatched, no deadline
		c := mustCreate(t, s, simpleCase(fmt.Sprint("期限 ", i)), t0.Add(time.Duration(i)*time.Second))
		if resolve > 0 {
			mustTransition(t, s, c.ID, dispatch(resolve), t0.Add(time.Minute))
		}
		ids = append(ids, c.ID)
	}
	want := []string{ids[6], ids[2], ids[1], ids[4], ids[5], ids[0], ids[3]}
	if got := listIDs(t, s, store.Filter{ByDue: true}); !slices.Equal(got, want) {
		t.Errorf("ByDue: got %v, want %v", got, want)
	}
	for _, limit := range []int{1, 2, 3} {
		var got []string
		f := store.Filter{ByDue: true, Limit: limit}
		for range 20 {
			page, err := s.List(ctxT(t), f)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range page.Cases {
				got = append(got, c.ID)
			}
			if page.Next == "" {
				break
			}
			f.Cursor = page.Next
		}
		if !slices.Equal(got, want) {
			t.Errorf("ByDue in pages of %d: got %v, want %v", limit, got, want)
		}
	}
	newest, err := s.List(ctxT(t), store.Filter{Limit: 2})
	if err != nil || newest.Next == "" {
		t.Fatalf("newest-first page: %v", err)
	}
	due, err := s.List(ctxT(t), store.Filter{Limit: 2, ByDue: true})
	if err != nil || due.Next == "" {
		t.Fatalf("deadline-order page: %v", err)
	}
	for _, f := range []store.Filter{{ByDue: true, Cursor: newest.Next}, {Cursor: due.Next}} {
		var fe *cases.FieldError
		if _, err := s.List(ctxT(t), f); !errors.As(err, &fe) || fe.Field != "cursor" {
			t.Errorf("cursor of the other order (ByDue %v): %v, want a field error on cursor", f.ByDue, err)
		}
	}
}

// testOpenSummons checks Filter.OpenSummons: open cases with a summoned
// unit that has not reported, whatever the case's state or pauses, and
// followed as units report and cases finish.
func testOpenSummons(t *testing.T, open Opener) {
	s := open(t, nil)
	h := func(n int) *time.Time { x := t0.Add(time.Duration(n) * time.Hour); return &x }
	summon := func(due int, units ...string) cases.Command {
		return cases.Command{Action: cases.ActionSummon, Payload: cases.Payload{Units: units, Due: h(due)}}
	}
	report := func(unit string) cases.Command {
		return cases.Command{Action: cases.ActionReport, Payload: cases.Payload{Unit: unit}}
	}
	dispatch := cases.Command{Action: cases.ActionDispatch, Payload: cases.Payload{Unit: "u1"}}
	type step = cases.Command
	fixtures := []struct {
		name  string
		steps []step
		want  bool
	}{
		{"never summoned", []step{dispatch}, false},
		{"summoned, waiting", []step{summon(2, "s1")}, true},
		{"summoned, reported", []step{summon(2, "s1"), report("s1")}, false},
		{"two summoned, one reported", []step{summon(3, "s1", "s2"), report("s2")}, true},
		{"summoned twice, all reported", []step{summon(3, "s1"), report("s1"), summon(4, "s2"), report("s2")}, false},
		{"summoned and suspended: still waits", []step{dispatch, summon(2, "s1"), {Action: cases.ActionSuspend, Payload: cases.Payload{Reason: "等待"}}}, true},
		{"summoned then voided: finished", []step{summon(2, "s1"), {Action: cases.ActionVoid, Payload: cases.Payload{Reason: "重复"}}}, false},
	}
	var want []string // newest first
	var ids []string
	for i, fx := range fixtures {
		c := mustCreate(t, s, simpleCase(fx.name), t0.Add(time.Duration(i)*time.Second))
		for _, st := range fx.steps {
			c = mustTransition(t, s, c.ID, st, t0.Add(time.Minute))
		}
		if _, ok := store.SummonsDue(&c); ok != fx.want {
			t.Fatalf("%s: SummonsDue ok = %v, want %v (fixture is wrong)", fx.name, ok, fx.want)
		}
		if fx.want {
			want = append([]string{c.ID}, want...)
		}
		ids = append(ids, c.ID)
	}
	if got := listIDs(t, s, store.Filter{OpenSummons: true}); !slices.Equal(got, want) {
		t.Errorf("OpenSummons: got %v, want %v", got, want)
	}
	// Combined with other filters.
	if got := listIDs(t, s, store.Filter{OpenSummons: true, States: []cases.State{cases.StateSuspended}}); !slices.Equal(got, []string{ids[5]}) {
		t.Errorf("OpenSummons and state suspended: got %v, want [%s]", got, ids[5])
	}
	if got := listIDs(t, s, store.Filter{OpenSummons: true, DueBefore: *h(3)}); !slices.Equal(got, []string{ids[5], ids[1]}) {
		t.Errorf("OpenSummons and DueBefore t0+3h: got %v, want [%s %s]", got, ids[5], ids[1])
	}
	// Followed as the last unit reports, and as a new summons arrives.
	mustTransition(t, s, ids[3], report("s1"), t0.Add(time.Hour))
	mustTransition(t, s, ids[0], summon(5, "s9"), t0.Add(time.Hour))
	want = []string{ids[5], ids[1], ids[0]}
	if got := listIDs(t, s, store.Filter{OpenSummons: true}); !slices.Equal(got, want) {
		t.Errorf("OpenSummons after a report and a new summons: got %v, want %v", got, want)
	}
}

func testEventsByAction(t *testing.T, open Opener) {
	s := open(t, nil)
	randomStore(t, s, 40, 4)
	all := allEvents(t, s)
	counts := map[cases.Action]int{}
	for _, e := range all {
		counts[e.Action]++
	}
	for _, a := range append([]cases.Action{cases.ActionCreate}, cases.Actions()...) {
		var want []cases.Event
		for _, e := range all {
			if e.Action == a {
				want = append(want, e)
			}
		}
		var got []cases.Event
		var after int64
		for pages := 0; ; pages++ {
			if pages > 1000 {
				t.Fatal("paging does not end")
			}
			evs, err := s.EventsByAction(ctxT(t), a, after, 3)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) > 3 {
				t.Fatalf("%s: %d events, limit 3", a, len(evs))
			}
			if len(evs) == 0 {
				break
			}
			got = append(got, evs...)
			after = evs[len(evs)-1].Pos
		}
		requireJSONEq(t, string(a)+" events", got, want)
	}
	if counts[cases.ActionCreate] != 40 || counts[cases.ActionDispatch] == 0 {
		t.Fatalf("random histories too thin to test: %v", counts)
	}
	if evs, err := s.EventsByAction(ctxT(t), "no-such-action", 0, 10); err != nil || len(evs) != 0 {
		t.Fatalf("unknown action: %d events, %v", len(evs), err)
	}
}
