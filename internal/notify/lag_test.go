package notify_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	"yiwang/internal/cases"
	"yiwang/internal/notify"
)

// eventLog is a store's event log in memory.
type eventLog struct{ evs []cases.Event }

func (l *eventLog) Events(_ context.Context, after int64, limit int) ([]cases.Event, error) {
	var out []cases.Event
	for _, e := range l.evs {
		if e.Pos > after && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

// A receiver that stalls fills the queue; the bus drops the lagging
// subscription and the notifier catches up from the store: every event is
// delivered exactly once, none lost.
func TestCatchesUpAfterLag(t *testing.T) {
	const n = 40
	log := &eventLog{}
	for i := 1; i <= n; i++ {
		log.evs = append(log.evs, supervision("WH-9", i, int64(i)))
	}
	first := make(chan struct{})
	release := make(chan struct{})
	var mu sync.Mutex
	seen := map[string]int{}
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		once.Do(func() { close(first); <-release })
		mu.Lock()
		seen[r.Header.Get(notify.DeliveryHeader)]++
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	bus, results, nt := start(t, notify.Options{Webhooks: []notify.Webhook{{URL: srv.URL}}, Store: log, Buffer: 1})

	bus.Publish(log.evs[:1])
	<-first // the worker is stuck in the first request
	// Queue (1) + event in hand (1) + subscription buffer (1) < 39: the
	// subscription lags.
	for i := 1; i < n; i++ {
		bus.Publish(log.evs[i : i+1])
	}
	close(release)
	for range n {
		if r := next(t, results); !r.Delivered {
			t.Fatalf("result %+v", r)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, e := range log.evs {
		if id := e.CaseID + "/" + strconv.Itoa(e.Seq); seen[id] != 1 {
			t.Errorf("delivery %s seen %d times", id, seen[id])
		}
	}
	if s := nt.Stats(); s.Lags < 1 || s.CaughtUp < 1 || s.Delivered != n {
		t.Errorf("stats %+v: want at least one lag and catch-up, %d delivered", s, n)
	}
}
