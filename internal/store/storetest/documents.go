package storetest

import (
	"bytes"
	"errors"
	"sync"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

func testDocuments(t *testing.T, open Opener) {
	s := open(t, nil)
	const name = "responsibility-list"
	if _, err := s.GetDocument(ctxT(t), name); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("get before put: err = %v, want ErrNotFound", err)
	}
	body := []byte("rules:\n  - id: r1 # 路灯\n\x00\xff")
	if _, err := s.PutDocument(ctxT(t), store.Document{Name: name, Body: body, UpdatedBy: "admin"}, 1); !errors.Is(err, store.ErrVersionConflict) {
		t.Fatalf("put expecting version 1 of a new document: err = %v, want ErrVersionConflict", err)
	}
	at := t0.Add(123456 * time.Microsecond)
	v1, err := s.PutDocument(ctxT(t), store.Document{Name: name, Version: 99, Body: body, UpdatedBy: "admin", UpdatedAt: at}, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := store.Document{Name: name, Version: 1, Body: body, UpdatedBy: "admin", UpdatedAt: at}
	requireDoc(t, "put v1", v1, want)
	got, err := s.GetDocument(ctxT(t), name)
	if err != nil {
		t.Fatal(err)
	}
	requireDoc(t, "get v1", got, want)
	if _, err := s.PutDocument(ctxT(t), store.Document{Name: name, Body: []byte("x"), UpdatedBy: "b"}, 0); !errors.Is(err, store.ErrVersionConflict) {
		t.Fatalf("second create: err = %v, want ErrVersionConflict", err)
	}
	v2, err := s.PutDocument(ctxT(t), store.Document{Name: name, UpdatedBy: "b"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if v2.Version != 2 || len(v2.Body) != 0 || v2.UpdatedAt.IsZero() {
		t.Fatalf("put v2 with an empty body and the store's clock: %+v", v2)
	}
	if got, err := s.GetDocument(ctxT(t), name); err != nil || got.Version != 2 || len(got.Body) != 0 || got.UpdatedBy != "b" || !got.UpdatedAt.Equal(v2.UpdatedAt) {
		t.Fatalf("get v2: %+v, %v", got, err)
	}
	if _, err := s.PutDocument(ctxT(t), store.Document{Name: name, Body: body}, 1); !errors.Is(err, store.ErrVersionConflict) {
		t.Fatalf("put on a stale version: err = %v, want ErrVersionConflict", err)
	}
	if _, err := s.PutDocument(ctxT(t), store.Document{Body: body}, 0); !errors.Is(err, cases.ErrInvalid) {
		t.Fatalf("put without a name: err = %v, want ErrInvalid", err)
	}
	// Documents are independent of each other.
	if d, err := s.PutDocument(ctxT(t), store.Document{Name: "sla-policies", Body: []byte("{}")}, 0); err != nil || d.Version != 1 {
		t.Fatalf("another document: %+v, %v", d, err)
	}
	// Concurrent writers on one version: exactly one wins each round.
	for round := 2; round < 5; round++ {
		if wins := racePuts(t, []store.Store{s}, name, round, 10); wins != 1 {
			t.Fatalf("round %d: %d puts won, want 1", round, wins)
		}
	}
	if got, err := s.GetDocument(ctxT(t), name); err != nil || got.Version != 5 {
		t.Fatalf("after the races: %+v, %v", got, err)
	}
}

// racePuts sends n puts of name expecting version expect, spread over
// stores, and returns how many succeeded.
func racePuts(t *testing.T, stores []store.Store, name string, expect, n int) int {
	t.Helper()
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = stores[i%len(stores)].PutDocument(ctxT(t), store.Document{Name: name, Body: []byte{byte(i)}, UpdatedBy: "racer"}, expect)
		}()
	}
	close(start)
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, store.ErrVersionConflict):
			t.Fatalf("racing put: %v", err)
		}
	}
	return wins
}

func requireDoc(t *testing.T, what string, got, want store.Document) {
	t.Helper()
	if got.Name != want.Name || got.Version != want.Version || !bytes.Equal(got.Body, want.Body) ||
		got.UpdatedBy != want.UpdatedBy || !got.UpdatedAt.Equal(want.UpdatedAt) {
		t.Fatalf("%s: got %+v, want %+v", what, got, want)
	}
}
