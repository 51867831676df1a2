package sqlstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
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
		for j := range h {
			// A store at migration 1 never wrote a classification payload.
			h[j].Payload.Queue, h[j].Payload.Suggestions = "", nil
		}
		if i%16 == 0 {
			h = h[:1] // held, and still waiting
		}
		if i%4 == 0 {
			h = legacyClassified(t, h, i%8 == 0)
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
	// Cases held by a classification note of the old kind (no payload)
	// are in the low-confidence queue after the migration, with their
	// suggestions in the document, as a replay gives them.
	w = ids(func(c *cases.Case) bool { return c.Queue == cases.QueueLowConfidence })
	if len(w) == 0 {
		t.Fatal("no seeded case is held; the queue backfill is not tested")
	}
	checks += len(w)
	if got := list(store.Filter{Queue: cases.QueueLowConfidence}); !slices.Equal(got, w) {
		t.Errorf("queue low_confidence: got %v, want %v", got, w)
	}
	if got, w := list(store.Filter{Queue: store.QueueNone}), ids(func(c *cases.Case) bool { return c.Queue == "" }); !slices.Equal(got, w) {
		t.Errorf("no queue: got %v, want %v", got, w)
	}
	// Merged cases are listed under their parent (casestest merges into
	// one parent id).
	parent := ""
	for _, c := range want {
		if c.ParentID != "" {
			parent = c.ParentID
		}
	}
	if parent == "" {
		t.Fatal("no seeded case is merged; the parent backfill is not tested")
	}
	children := ids(func(c *cases.Case) bool { return c.ParentID == parent })
	checks += len(children)
	if got := list(store.Filter{Parent: parent}); !slices.Equal(got, children) {
		t.Errorf("parent %s: got %v, want %v", parent, got, children)
	}
	suggested := 0
	for _, c := range want {
		got, err := s.Get(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Queue != c.Queue || !reflect.DeepEqual(got.Suggestions, c.Suggestions) {
			t.Errorf("case %s after migration: queue %q suggestions %+v; replay gives %q %+v", c.ID, got.Queue, got.Suggestions, c.Queue, c.Suggestions)
		}
		if len(c.Suggestions) > 0 {
			suggested++
		}
	}
	if suggested <= len(w) {
		t.Errorf("%d cases with suggestions, %d held: the seeded applied notes are not read", suggested, len(w))
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

// legacyClassified inserts after h's create event a classification note as
// the workflow wrote it before the payload carried the suggestions: held
// (置信度不足, the case waits in the low-confidence queue until it leaves
// received) or applied.
func legacyClassified(t *testing.T, h []cases.Event, held bool) []cases.Event {
	t.Helper()
	note := "分类建议 suggested=0102 confidence=0.910 threshold=0.80 applied=true original=01\n自动分类：0102（置信度 0.91 ≥ 0.80），按此派单。\n1. 0102 0.91 依据：停水"
	if held {
		note = "分类建议 suggested=0102 confidence=0.551 threshold=0.80 applied=false original=01\n置信度不足（0.55 < 0.80），转人工派单。候选分类：\n1. 0102 0.55 依据：水压\n2. 0101 0.30 依据：小区、停水"
	}
	out := []cases.Event{h[0], {CaseID: h[0].CaseID, Seq: 2, Action: cases.ActionNote, Actor: "system:dispatch", At: h[0].At,
		From: cases.StateReceived, To: cases.StateReceived, Note: note}}
	for _, e := range h[1:] {
		e.Seq++
		out = append(out, e)
	}
	if _, err := cases.Replay(out); err != nil {
		t.Fatal(err)
	}
	return out
}
