package sqlstore_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"yiwang/internal/cases"
	"yiwang/internal/store"
	"yiwang/internal/store/sqlstore"
	"yiwang/internal/store/storetest"
)

func openSQLite(t *testing.T, publish func([]cases.Event)) store.Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "db", "cases.sqlite")
	s, err := sqlstore.Open(context.Background(), "sqlite:"+path, sqlstore.Options{Publish: publish})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSQLite(t *testing.T) {
	storetest.Run(t, openSQLite)
}

func TestSQLiteMemory(t *testing.T) {
	s, err := sqlstore.Open(context.Background(), "sqlite::memory:", sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, created, err := s.Create(context.Background(), store.CreateRequest{
		Case: cases.NewCase{Channel: cases.ChannelWeb, Title: "t", Category: "01"}, Actor: "a"})
	if err != nil || !created {
		t.Fatalf("create: %v", err)
	}
	if got, err := s.Get(context.Background(), c.ID); err != nil || got.ID != c.ID {
		t.Fatalf("get: %+v %v", got, err)
	}
}

func TestOpenErrors(t *testing.T) {
	tests := []struct{ dsn, want string }{
		{"mysql://x", "unknown database scheme"},
		{"/tmp/x.db", "unknown database scheme"},
		{"sqlite:", "empty path"},
		{"sqlite:/tmp/a?b", "must not contain"},
	}
	for _, tt := range tests {
		_, err := sqlstore.Open(context.Background(), tt.dsn, sqlstore.Options{})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Open(%q): err = %v, want %q", tt.dsn, err, tt.want)
		}
	}
}

func TestReopenKeepsData(t *testing.T) {
	path := "sqlite:" + filepath.Join(t.TempDir(), "cases.sqlite")
	ctx := context.Background()
	s, err := sqlstore.Open(ctx, path, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := s.Create(ctx, store.CreateRequest{Case: cases.NewCase{Channel: cases.ChannelWeb, Title: "t", Category: "01"}, Actor: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = sqlstore.Open(ctx, path, sqlstore.Options{})
	if err != nil {
		t.Fatalf("reopen (migrations must be idempotent): %v", err)
	}
	defer s.Close()
	if _, err := s.Get(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	c2, _, err := s.Create(ctx, store.CreateRequest{Case: cases.NewCase{Channel: cases.ChannelWeb, Title: "t2", Category: "01"}, Actor: "a", At: c.CreatedAt})
	if err != nil || c2.ID == c.ID {
		t.Fatalf("create after reopen: %s (first %s), %v", c2.ID, c.ID, err)
	}
}

// TestCancelledWhileQueued holds the writer inside Publish so that a second
// create stays queued, cancels that create's context, and checks the create
// is answered with the context's error and never runs.
func TestCancelledWhileQueued(t *testing.T) {
	hold := make(chan struct{})
	inPublish := make(chan struct{}, 1)
	s, err := sqlstore.Open(context.Background(), "sqlite:"+filepath.Join(t.TempDir(), "c.sqlite"), sqlstore.Options{
		Publish: func([]cases.Event) {
			select {
			case inPublish <- struct{}{}:
			default:
			}
			<-hold
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	nc := cases.NewCase{Channel: cases.ChannelWeb, Title: "t", Category: "01"}
	if _, _, err := s.Create(context.Background(), store.CreateRequest{Case: nc, Actor: "a"}); err != nil {
		t.Fatal(err)
	}
	<-inPublish // the writer is now busy publishing the first batch
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, _, err := s.Create(ctx, store.CreateRequest{Case: nc, Actor: "a", IdempotencyKey: "queued", RequestHash: "h"})
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled create: err = %v, want context.Canceled", err)
	}
	close(hold)
	// A later create goes through the writer after the withdrawn one.
	if _, _, err := s.Create(context.Background(), store.CreateRequest{Case: nc, Actor: "a"}); err != nil {
		t.Fatal(err)
	}
	evs, err := s.Events(context.Background(), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 {
		t.Fatalf("%d events stored, want 2: the withdrawn create must not run", len(evs))
	}
	if _, created, err := s.Create(context.Background(), store.CreateRequest{Case: nc, Actor: "a", IdempotencyKey: "queued", RequestHash: "h"}); err != nil || !created {
		t.Fatalf("retry of the withdrawn create: created=%v err=%v, want a new case", created, err)
	}
}

// TestSQLiteShared opens two stores on one file, as two processes would.
func TestSQLiteShared(t *testing.T) {
	storetest.RunShared(t, func(t *testing.T) (store.Store, store.Store) {
		path := "sqlite:" + filepath.Join(t.TempDir(), "shared.sqlite")
		var pair [2]store.Store
		for i := range pair {
			s, err := sqlstore.Open(context.Background(), path, sqlstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			pair[i] = s
		}
		return pair[0], pair[1]
	})
}
