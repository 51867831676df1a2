package sqlstore

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// TestUpdateCaseColumns checks both ways the writer updates a case row:
// the live columns only (what transitions change today) and every column
// (should a transition ever change a fixed one, such as the category or
// the location).
func TestUpdateCaseColumns(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "u.sqlite"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	at := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	c, _, err := s.Create(ctx, store.CreateRequest{Case: cases.NewCase{Channel: cases.ChannelWeb, Title: "t", Category: "01",
		Location: cases.Location{District: "420102", Street: "420102001"}}, Actor: "a", At: at})
	if err != nil {
		t.Fatal(err)
	}
	update := func(c cases.Case, fixedSame bool) {
		t.Helper()
		tx, err := s.wdb.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		b := &batch{s: s, tx: tx, ctx: ctx}
		if err := b.updateCase(&c, fixedSame); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(f store.Filter) []string {
		t.Helper()
		page, err := s.List(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range page.Cases {
			out = append(out, c.ID)
		}
		return out
	}
	due := at.Add(time.Hour)
	live := c
	live.State, live.Unit, live.Returns, live.Version = cases.StateDispatched, "u1", 1, 2
	live.Deadlines.SignOff = &due
	update(live, true)
	if got := ids(store.Filter{Unit: "u1", States: []cases.State{cases.StateDispatched}, MinReturns: 1, DueBefore: due.Add(time.Second)}); !slices.Equal(got, []string{c.ID}) {
		t.Fatalf("after the live update: %v", got)
	}
	all := live
	all.Category, all.Location = "0201", cases.Location{District: "420106", Grid: "420106001001001"}
	all.Version = 3
	update(all, false)
	if got := ids(store.Filter{Category: "02", Areas: []string{"420106001001001"}, Unit: "u1"}); !slices.Equal(got, []string{c.ID}) {
		t.Fatalf("after the full update: %v", got)
	}
	if got := ids(store.Filter{Areas: []string{"420102"}}); len(got) != 0 {
		t.Fatalf("old area still matches: %v", got)
	}
	if got, err := s.Get(ctx, c.ID); err != nil || got.Version != 3 || got.Category != "0201" {
		t.Fatalf("doc after the full update: %+v, %v", got, err)
	}
}
