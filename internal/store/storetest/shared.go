package storetest

import (
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// PairOpener returns two stores over one new, empty database, as two nodes
// sharing it would see it, and arranges for both to be closed.
type PairOpener func(t *testing.T) (a, b store.Store)

// RunShared runs the tests that need several nodes on one database.
func RunShared(t *testing.T, open PairOpener) {
	tests := []struct {
		name string
		fn   func(*testing.T, PairOpener)
	}{
		{"KeyedTransitionOnce", testSharedKeyedTransition},
		{"DocumentVersions", testSharedDocuments},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open) })
	}
}

// testSharedKeyedTransition races the same keyed escalations through two
// nodes, as two escalation schedulers on one database would: each key
// appends exactly one event.
func testSharedKeyedTransition(t *testing.T, open PairOpener) {
	a, b := open(t)
	for i := range 5 {
		c := mustCreate(t, a, simpleCase("两个节点"), t0)
		mustTransition(t, b, c.ID, cases.Command{Action: cases.ActionDispatch, Payload: cases.Payload{Unit: "u1", Deadlines: &cases.Deadlines{Resolve: &t0}}}, t0.Add(time.Minute))
		raceKeyed(t, []store.Store{a, b}, c.ID, 1+i%3, 16)
	}
}

func testSharedDocuments(t *testing.T, open PairOpener) {
	a, b := open(t)
	for expect := range 4 {
		if wins := racePuts(t, []store.Store{a, b}, "policies", expect, 8); wins != 1 {
			t.Fatalf("version %d: %d puts won across two nodes, want 1", expect, wins)
		}
	}
	da, err := a.GetDocument(ctxT(t), "policies")
	if err != nil {
		t.Fatal(err)
	}
	db, err := b.GetDocument(ctxT(t), "policies")
	if err != nil {
		t.Fatal(err)
	}
	if da.Version != 4 {
		t.Fatalf("version %d after four rounds, want 4", da.Version)
	}
	requireDoc(t, "the other node's view", db, da)
}
