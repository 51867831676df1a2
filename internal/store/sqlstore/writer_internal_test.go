package sqlstore

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// TestBatchIsolatesFailedWrite runs one batch in which a request fails in
// the middle of its writes (a trigger refuses its event after the projection
// was updated): that request alone fails, leaving no trace, and the others
// commit.
func TestBatchIsolatesFailedWrite(t *testing.T) {
	ctx := context.Background()
	published := make(chan cases.Event, 100)
	s, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "x.sqlite"), Options{Publish: func(evs []cases.Event) {
		for _, e := range evs {
			published <- e
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	at := time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)
	nc := cases.NewCase{Channel: cases.ChannelWeb, Title: "t", Category: "01", Severity: cases.SeverityNormal}
	x, _, err := s.Create(ctx, store.CreateRequest{Case: nc, Actor: "a", At: at})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.wdb.Exec(`CREATE TRIGGER boom BEFORE INSERT ON events WHEN NEW.note = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END`); err != nil {
		t.Fatal(err)
	}
	<-published // x's create event
	note := func(text string) *request {
		return &request{transition: &store.TransitionRequest{ID: x.ID, At: at, Command: cases.Command{Action: cases.ActionNote, Actor: "a", Note: text}}}
	}
	reqs := []*request{
		{create: &store.CreateRequest{Case: nc, Actor: "a", At: at}},
		note("boom"),
		note("fine"),
		{create: &store.CreateRequest{Case: nc, Actor: "a", At: at}},
		note("illegal is refused, not retried"),
	}
	reqs[4].transition.Command.Action = cases.ActionAccept
	for _, r := range reqs {
		r.done = make(chan result, 1)
		r.state.Store(taken)
	}
	s.runBatch(reqs)
	res := make([]result, len(reqs))
	for i, r := range reqs {
		res[i] = <-r.done
	}
	if res[1].err == nil || refusal(res[1].err) {
		t.Fatalf("boom: err = %v, want a storage error", res[1].err)
	}
	if !errors.Is(res[4].err, cases.ErrTransition) {
		t.Fatalf("accept from received: err = %v", res[4].err)
	}
	for _, i := range []int{0, 2, 3} {
		if res[i].err != nil {
			t.Fatalf("request %d failed with its batch: %v", i, res[i].err)
		}
	}
	h, err := s.History(ctx, x.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 2 || h[1].Note != "fine" || h[1].Seq != 2 {
		t.Fatalf("history of %s: %+v", x.ID, h)
	}
	got, err := s.Get(ctx, x.ID)
	if err != nil {
		t.Fatal(err)
	}
	replayed, err := cases.Replay(h)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(got)
	b, _ := json.Marshal(replayed)
	if string(a) != string(b) {
		t.Fatalf("projection %s\nreplay %s", a, b)
	}
	if res[0].c.ID == res[3].c.ID {
		t.Fatalf("two creates got id %s", res[0].c.ID)
	}
	// runBatch published synchronously, on this goroutine.
	if len(published) != 3 {
		t.Fatalf("published %d events, want 3", len(published))
	}
}
