package memstore_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
	"yiwang/internal/store/memstore"
	"yiwang/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, publish func([]cases.Event)) store.Store {
		s := memstore.New(memstore.Options{Publish: publish})
		t.Cleanup(func() { s.Close() })
		return s
	})
}

func TestShared(t *testing.T) {
	storetest.RunShared(t, func(t *testing.T) (store.Store, store.Store) {
		a := memstore.New(memstore.Options{})
		b := a.View(memstore.Options{})
		t.Cleanup(func() { a.Close(); b.Close() })
		return a, b
	})
}

var t0 = time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)

// TestNoAliasing changes everything a caller got from the store, and what
// it gave it, and checks that the store's answers do not change.
func TestNoAliasing(t *testing.T) {
	ctx := context.Background()
	s := memstore.New(memstore.Options{})
	lat, lon := 30.5, 114.3
	due := t0.Add(time.Hour)
	n := cases.NewCase{Channel: cases.ChannelWeb, Title: "别名", Category: "01", Tags: []string{"a"},
		Location: cases.Location{Lat: &lat, Lon: &lon}, Attachments: []cases.Attachment{{URL: "u"}}}
	c, _, err := s.Create(ctx, store.CreateRequest{Case: n, Actor: "a", At: t0})
	if err != nil {
		t.Fatal(err)
	}
	dispatch := cases.Command{Action: cases.ActionDispatch, Actor: "a", Payload: cases.Payload{Unit: "u1", CoUnits: []string{"u2"}, Deadlines: &cases.Deadlines{Resolve: &due}}}
	if _, _, err := s.Transition(ctx, store.TransitionRequest{ID: c.ID, Command: dispatch, At: t0}); err != nil {
		t.Fatal(err)
	}
	// What the caller passed in.
	lat, due = 0, time.Time{}
	n.Tags[0] = "changed"
	dispatch.Payload.CoUnits[0] = "changed"
	// What the caller got out.
	mutate := func(c *cases.Case) {
		*c.Location.Lat = 1
		c.Tags[0], c.CoUnits[0] = "changed", "changed"
		*c.Deadlines.Resolve = time.Time{}
	}
	got, err := s.Get(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	mutate(&got)
	page, err := s.List(ctx, store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	mutate(&page.Cases[0])
	h, err := s.History(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	h[0].Payload.Case.Tags[0] = "changed"
	*h[1].Payload.Deadlines.Resolve = time.Time{}
	h[1].Payload.CoUnits[0] = "changed"

	want, err := s.Get(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if *want.Location.Lat != 30.5 || want.Tags[0] != "a" || want.CoUnits[0] != "u2" || !want.Deadlines.Resolve.Equal(t0.Add(time.Hour)) {
		t.Fatalf("stored case changed through a caller's copy: %+v", want)
	}
	h2, err := s.History(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if h2[0].Payload.Case.Tags[0] != "a" || h2[1].Payload.CoUnits[0] != "u2" || !h2[1].Payload.Deadlines.Resolve.Equal(t0.Add(time.Hour)) {
		t.Fatalf("stored history changed through a caller's copy: %+v", h2)
	}
	doc, err := s.PutDocument(ctx, store.Document{Name: "d", Body: []byte("abc")}, 0)
	if err != nil {
		t.Fatal(err)
	}
	doc.Body[0] = 'x'
	if d, _ := s.GetDocument(ctx, "d"); string(d.Body) != "abc" {
		t.Fatalf("stored document changed through a caller's copy: %q", d.Body)
	}
}

// TestViews: each view publishes its own writes, has its own prefix, and
// closing one leaves the other open.
func TestViews(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	var fromA, fromB []cases.Event
	a := memstore.New(memstore.Options{Publish: func(evs []cases.Event) { mu.Lock(); fromA = append(fromA, evs...); mu.Unlock() }})
	b := a.View(memstore.Options{IDPrefix: "XG", Publish: func(evs []cases.Event) { mu.Lock(); fromB = append(fromB, evs...); mu.Unlock() }})
	n := cases.NewCase{Channel: cases.ChannelWeb, Title: "两个视图", Category: "01"}
	ca, _, err := a.Create(ctx, store.CreateRequest{Case: n, Actor: "a", At: t0})
	if err != nil {
		t.Fatal(err)
	}
	cb, _, err := b.Create(ctx, store.CreateRequest{Case: n, Actor: "a", At: t0})
	if err != nil {
		t.Fatal(err)
	}
	if ca.ID != "WH-20261123-000001" || cb.ID != "XG-20261123-000002" {
		t.Fatalf("ids %s and %s, want WH-20261123-000001 and XG-20261123-000002 (one counter, two prefixes)", ca.ID, cb.ID)
	}
	if len(fromA) != 1 || fromA[0].CaseID != ca.ID || len(fromB) != 1 || fromB[0].CaseID != cb.ID {
		t.Fatalf("published by a %v, by b %v: each view publishes its own writes", fromA, fromB)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Get(ctx, ca.ID); !errors.Is(err, store.ErrClosed) {
		t.Fatalf("closed view: err = %v, want ErrClosed", err)
	}
	if _, err := a.Get(ctx, cb.ID); err != nil {
		t.Fatalf("the other view after one closed: %v", err)
	}
}

func TestCanceledContext(t *testing.T) {
	s := memstore.New(memstore.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	n := cases.NewCase{Channel: cases.ChannelWeb, Title: "取消", Category: "01"}
	if _, _, err := s.Create(ctx, store.CreateRequest{Case: n, Actor: "a"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("create: err = %v, want context.Canceled", err)
	}
	if evs, err := s.Events(context.Background(), 0, 10); err != nil || len(evs) != 0 {
		t.Fatalf("a canceled create stored %d events (err %v)", len(evs), err)
	}
}
