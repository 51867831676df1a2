package sqlstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/cases/casestest"
	"yiwang/internal/store"
	"yiwang/internal/store/sqlstore"
)

// TestMigrateFromV1 writes cases as a store at migration 1 did, opens the
// database with this version (which migrates it) and checks the new
// projection columns were filled from the old rows: every filter answers
// for old cases as for new ones.
func TestMigrateFromV1(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		testMigrateFromV1(t, "sqlite:"+filepath.Join(t.TempDir(), "v1.sqlite"))
	})
	t.Run("postgres", func(t *testing.T) {
		testMigrateFromV1(t, pgDatabase(t))
	})
}

func testMigrateFromV1(t *testing.T, dsn string) {
	ctx := context.Background()
	start := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
	r := rand.New(rand.NewPCG(9, 9))
	var hs [][]cases.Event
	for i := range 80 {
		_, h, err := casestest.History(r, fmt.Sprintf("WH-20261120-%06d", i+1), start.Add(time.Duration(i)*time.Minute), r.IntN(15))
		if err != nil {
			t.Fatal(err)
		}
		switch i % 3 {
		case 0:
			h[0].Payload.Case.Location.District, h[0].Payload.Case.Location.Street = "420102", "420102001"
		case 1:
			h[0].Payload.Case.Location.District, h[0].Payload.Case.Location.Street = "420102", "420106001" // do not nest
		}
		hs = append(hs, h)
	}
	if err := sqlstore.SeedAtMigration1(ctx, dsn, hs); err != nil {
		t.Fatalf("seed at migration 1: %v", err)
	}
	s, err := sqlstore.Open(ctx, dsn, sqlstore.Options{})
	if err != nil {
		t.Fatalf("open (migrate) a migration-1 database: %v", err)
	}
	defer s.Close()

	var want []cases.Case // newest first, as List orders
	for i := len(hs) - 1; i >= 0; i-- {
		c, err := cases.Replay(hs[i])
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, c)
	}
	ids := func(keep func(c *cases.Case) bool) []string {
		var out []string
		for i := range want {
			if keep(&want[i]) {
				out = append(out, want[i].ID)
			}
		}
		return out
	}
	list := func(f store.Filter) []string {
		f.Limit = 1000
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
	checks := 0
	for _, at := range []time.Time{start.Add(time.Hour), start.Add(100 * time.Hour), start.Add(2000 * time.Hour)} {
		w := ids(func(c *cases.Case) bool { d, ok := c.NextDue(); return ok && d.Before(at) })
		checks += len(w)
		if got := list(store.Filter{DueBefore: at}); !slices.Equal(got, w) {
			t.Errorf("DueBefore %v: got %v, want %v", at, got, w)
		}
	}
	w := ids(func(c *cases.Case) bool { return c.Returns >= 1 })
	checks += len(w)
	if got := list(store.Filter{MinReturns: 1}); !slices.Equal(got, w) {
		t.Errorf("MinReturns 1: got %v, want %v", got, w)
	}
	w = ids(func(c *cases.Case) bool { _, ok := store.SummonsDue(c); return ok })
	checks += len(w)
	if got := list(store.Filter{OpenSummons: true}); !slices.Equal(got, w) {
		t.Errorf("OpenSummons: got %v, want %v", got, w)
	}
	for _, area := range []string{"420102", "420102001", "420106001"} {
		w := ids(func(c *cases.Case) bool { return c.Location.District == area || c.Location.Street == area })
		checks += len(w)
		if got := list(store.Filter{Areas: []string{area}}); !slices.Equal(got, w) {
			t.Errorf("area %s: got %v, want %v", area, got, w)
		}
	}
	if checks == 0 {
		t.Fatal("the seeded histories have no deadlines or returns; the test checks nothing")
	}
	// A keyed transition and a create work on the migrated database.
	c := want[0]
	note := store.TransitionRequest{ID: c.ID, IdempotencyKey: "after-migration", Command: cases.Command{Action: cases.ActionNote, Actor: "a", Note: "n"}}
	for range 2 {
		if _, ev, err := s.Transition(ctx, note); err != nil || ev.Seq != c.Version+1 {
			t.Fatalf("keyed note after migration: seq %d, %v", ev.Seq, err)
		}
	}
	if nc, _, err := s.Create(ctx, store.CreateRequest{Case: casestest.NewCase(), Actor: "a", At: start}); err != nil || slices.Contains(ids(func(*cases.Case) bool { return true }), nc.ID) {
		t.Fatalf("create after migration: %s, %v", nc.ID, err)
	}
}
