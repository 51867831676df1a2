package storetest

import (
	"errors"
	"fmt"
	"regexp"
	"sync"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

func testCreateGetRoundTrip(t *testing.T, open Opener) {
	s := open(t, nil)
	n := fullCase("路灯不亮")
	at := t0.Add(123456 * time.Microsecond)
	c, created, err := s.Create(ctxT(t), store.CreateRequest{Case: n, Actor: "agent1", Unit: "12345", At: at})
	if err != nil || !created {
		t.Fatalf("create: created=%v err=%v", created, err)
	}
	want := cases.Case{ID: c.ID, Channel: n.Channel, Title: n.Title, Description: n.Description, Category: n.Category,
		Location: n.Location, Reporter: n.Reporter, Severity: n.Severity, Attachments: n.Attachments, Tags: n.Tags,
		State: cases.StateReceived, CreatedAt: at, UpdatedAt: at, Version: 1}
	requireJSONEq(t, "created case", c, want)
	got, err := s.Get(ctxT(t), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	requireJSONEq(t, "Get", got, want)
	if !got.CreatedAt.Equal(at) {
		t.Errorf("CreatedAt = %v, want %v", got.CreatedAt, at)
	}
	h, err := s.History(ctxT(t), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 1 || h[0].Action != cases.ActionCreate || h[0].Pos <= 0 || h[0].Actor != "agent1" || h[0].Unit != "12345" || !h[0].At.Equal(at) {
		t.Fatalf("history = %+v", h)
	}
	requireJSONEq(t, "create payload", h[0].Payload.Case, n)
}

func testCreateValidates(t *testing.T, open Opener) {
	s := open(t, nil)
	bad := simpleCase("")
	if _, _, err := s.Create(ctxT(t), store.CreateRequest{Case: bad, Actor: "a", At: t0}); !errors.Is(err, cases.ErrInvalid) {
		t.Fatalf("create without title: err = %v, want ErrInvalid", err)
	}
	if evs := allEvents(t, s); len(evs) != 0 {
		t.Fatalf("invalid create stored events: %s", describe(evs))
	}
}

var idPattern = regexp.MustCompile(`^[A-Z0-9]+-(\d{8})-\d{6,}$`)

func testIDFormatAndUniqueness(t *testing.T, open Opener) {
	s := open(t, nil)
	// 20:30 UTC on the 23rd is 04:30 on the 24th in Wuhan: ids use the
	// Asia/Shanghai date.
	at := time.Date(2026, 11, 23, 20, 30, 0, 0, time.UTC)
	const n = 200
	ids := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, _, err := s.Create(ctxT(t), store.CreateRequest{Case: simpleCase(fmt.Sprintf("case %d", i)), Actor: "a", At: at})
			ids[i], errs[i] = c.ID, err
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for i, id := range ids {
		if errs[i] != nil {
			t.Fatalf("create %d: %v", i, errs[i])
		}
		m := idPattern.FindStringSubmatch(id)
		if m == nil {
			t.Fatalf("id %q does not match PREFIX-YYYYMMDD-NNNNNN", id)
		}
		if m[1] != "20261124" {
			t.Errorf("id %q: date %s, want the Asia/Shanghai date 20261124", id, m[1])
		}
		if seen[id] {
			t.Fatalf("id %s allocated twice", id)
		}
		seen[id] = true
	}
	for _, id := range ids[:5] {
		if _, err := s.Get(ctxT(t), id); err != nil {
			t.Errorf("get %s: %v", id, err)
		}
	}
}

func testIdempotency(t *testing.T, open Opener) {
	s := open(t, nil)
	req := store.CreateRequest{Case: simpleCase("重复提交"), Actor: "a", At: t0, IdempotencyKey: "k1", RequestHash: "h1"}
	first, created, err := s.Create(ctxT(t), req)
	if err != nil || !created {
		t.Fatalf("first create: created=%v err=%v", created, err)
	}
	mustTransition(t, s, first.ID, cases.Command{Action: cases.ActionDispatch, Payload: cases.Payload{Unit: "u1"}}, t0.Add(time.Minute))
	again, created, err := s.Create(ctxT(t), req)
	if err != nil || created {
		t.Fatalf("retry: created=%v err=%v, want created=false", created, err)
	}
	if again.ID != first.ID || again.State != cases.StateDispatched {
		t.Fatalf("retry returned %s in %s, want %s in its current state dispatched", again.ID, again.State, first.ID)
	}
	changed := req
	changed.Case.Title = "另一个标题"
	changed.RequestHash = "h2"
	if _, _, err := s.Create(ctxT(t), changed); !errors.Is(err, store.ErrIdempotencyConflict) {
		t.Fatalf("changed body, same key: err = %v, want ErrIdempotencyConflict", err)
	}
	page, err := s.List(ctxT(t), store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Cases) != 1 {
		t.Fatalf("%d cases stored, want 1", len(page.Cases))
	}
	if evs := allEvents(t, s); len(evs) != 2 {
		t.Fatalf("%d events stored, want 2 (create, dispatch): %s", len(evs), describe(evs))
	}
}

func testIdempotencyConcurrent(t *testing.T, open Opener) {
	s := open(t, nil)
	const n = 30
	type res struct {
		id      string
		created bool
		err     error
	}
	out := make([]res, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := fmt.Sprintf("key-%d", i%3)
			c, created, err := s.Create(ctxT(t), store.CreateRequest{Case: simpleCase(key), Actor: "a", At: t0, IdempotencyKey: key, RequestHash: "same"})
			out[i] = res{c.ID, created, err}
		}()
	}
	wg.Wait()
	byKey := map[int]string{}
	createdCount := 0
	for i, r := range out {
		if r.err != nil {
			t.Fatalf("create %d: %v", i, r.err)
		}
		if r.created {
			createdCount++
		}
		if id, ok := byKey[i%3]; ok && id != r.id {
			t.Fatalf("key-%d gave ids %s and %s", i%3, id, r.id)
		}
		byKey[i%3] = r.id
	}
	if createdCount != 3 {
		t.Fatalf("%d creates reported created=true, want 3 (one per key)", createdCount)
	}
	if evs := allEvents(t, s); len(evs) != 3 {
		t.Fatalf("%d events stored, want 3", len(evs))
	}
}

func testCreateThen(t *testing.T, open Opener) {
	// Stores publish after answering the caller, so the test waits for
	// the batch to arrive rather than reading a count at once.
	var published []cases.Event
	var mu sync.Mutex
	arrived := make(chan struct{}, 16)
	s := open(t, func(evs []cases.Event) {
		mu.Lock()
		published = append(published, evs...)
		mu.Unlock()
		arrived <- struct{}{}
	})
	due := t0.Add(2 * time.Hour)
	req := store.CreateRequest{Case: simpleCase("创建即派单"), Actor: "a", At: t0, Then: []cases.Command{
		{Action: cases.ActionDispatch, Actor: "system:dispatch", Payload: cases.Payload{Unit: "u1", RuleID: "r1", Automatic: true, Deadlines: &cases.Deadlines{SignOff: &due}}},
	}}
	c, created, err := s.Create(ctxT(t), req)
	if err != nil || !created {
		t.Fatalf("create with then: created=%v err=%v", created, err)
	}
	if c.State != cases.StateDispatched || c.Unit != "u1" || c.Version != 2 || c.Deadlines.SignOff == nil {
		t.Fatalf("created case = %+v, want dispatched to u1 at version 2 with a sign-off deadline", c)
	}
	h, err := s.History(ctxT(t), c.ID)
	if err != nil || len(h) != 2 || h[1].Action != cases.ActionDispatch || !h[1].At.Equal(t0) || !h[1].Payload.Automatic {
		t.Fatalf("history = %s (err %v), want create then an automatic dispatch at the creation time", describe(h), err)
	}
	got, err := s.Get(ctxT(t), c.ID)
	if err != nil || got.State != cases.StateDispatched || got.RuleID != "r1" {
		t.Fatalf("stored projection = %+v (err %v)", got, err)
	}
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("the create's events were never published")
	}
	mu.Lock()
	n := len(published)
	mu.Unlock()
	if n != 2 {
		t.Fatalf("published %d events in the create's batch, want 2", n)
	}
	// a refused follow-up command fails the whole create and stores nothing
	bad := store.CreateRequest{Case: simpleCase("坏的派单"), Actor: "a", At: t0, Then: []cases.Command{
		{Action: cases.ActionAccept, Actor: "x"},
	}}
	if _, _, err := s.Create(ctxT(t), bad); !errors.Is(err, cases.ErrTransition) {
		t.Fatalf("create with an illegal then: err = %v, want ErrTransition", err)
	}
	page, err := s.List(ctxT(t), store.Filter{})
	if err != nil || len(page.Cases) != 1 {
		t.Fatalf("after the refused create: %d cases (err %v), want 1", len(page.Cases), err)
	}
	if evs := allEvents(t, s); len(evs) != 2 {
		t.Fatalf("after the refused create: %d events, want 2", len(evs))
	}
}
