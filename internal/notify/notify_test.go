package notify_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/notify"
	"yiwang/internal/stream"
)

// request is what a test receiver saw.
type request struct {
	body   []byte
	header http.Header
}

// receiver answers with the statuses in turn (the last one repeats) and
// reports every request on got.
func receiver(t *testing.T, statuses ...int) (*httptest.Server, <-chan request) {
	t.Helper()
	got := make(chan request, 100)
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		s := statuses[min(n, len(statuses)-1)]
		n++
		mu.Unlock()
		got <- request{b, r.Header.Clone()}
		w.WriteHeader(s)
	}))
	t.Cleanup(srv.Close)
	return srv, got
}

// start runs a notifier on a new bus until the test ends and returns the
// bus and the channel of delivery results.
func start(t *testing.T, o notify.Options) (*stream.Bus, <-chan notify.Result, *notify.Notifier) {
	t.Helper()
	if o.Bus == nil {
		o.Bus = stream.New()
	}
	results := make(chan notify.Result, 100)
	o.OnResult = func(r notify.Result) { results <- r }
	o.Logger = slog.New(slog.DiscardHandler)
	if o.Backoff == 0 {
		o.Backoff = time.Millisecond
	}
	n, err := notify.New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return o.Bus, results, n
}

func supervision(caseID string, seq int, pos int64) cases.Event {
	return cases.Event{CaseID: caseID, Seq: seq, Pos: pos, Action: cases.ActionSupervise, Actor: "system:escalate",
		At: time.Date(2025, 10, 9, 10, 30, 0, 0, time.UTC), From: cases.StateDispatched, To: cases.StateDispatched,
		Note: "超时督办：签收时限已过，第1次督办", Payload: cases.Payload{Unit: "jiedao.420106002", Clock: "sign_off", Level: 1}}
}

func next[T any](t *testing.T, c <-chan T) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("timed out waiting")
		panic("unreachable")
	}
}

func publish(bus *stream.Bus, evs ...cases.Event) { bus.Publish(evs) }

func TestDeliversSignedSupervision(t *testing.T) {
	srv, got := receiver(t, http.StatusOK)
	secret := "s3cret"
	bus, results, n := start(t, notify.Options{Webhooks: []notify.Webhook{{URL: srv.URL, Secret: secret}}})
	note := supervision("WH-1", 2, 7)
	note.Action = cases.ActionNote // not configured: not delivered
	publish(bus, note, supervision("WH-1", 3, 8))

	req := next(t, got)
	var body notify.Body
	if err := json.Unmarshal(req.body, &body); err != nil {
		t.Fatal(err)
	}
	if body.ID != "WH-1/3" || body.Action != cases.ActionSupervise || body.Event.Payload.Level != 1 || body.Event.Pos != 8 {
		t.Errorf("body %+v", body)
	}
	if req.header.Get(notify.DeliveryHeader) != "WH-1/3" || req.header.Get(notify.EventHeader) != "supervise" || req.header.Get(notify.AttemptHeader) != "1" {
		t.Errorf("headers %v", req.header)
	}
	// The signature is the hex HMAC-SHA256 of the exact body.
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(req.body)
	want := "sha256=" + hex.EncodeToString(m.Sum(nil))
	if sig := req.header.Get(notify.SignatureHeader); sig != want || !notify.Verify([]byte(secret), req.body, sig) {
		t.Errorf("signature %q, want %q", sig, want)
	}
	if notify.Verify([]byte("other"), req.body, want) || notify.Verify([]byte(secret), append(req.body, ' '), want) || notify.Verify([]byte(secret), req.body, "md5=00") {
		t.Error("Verify accepted a wrong secret, body or scheme")
	}
	r := next(t, results)
	if !r.Delivered || r.Attempts != 1 || r.Status != 200 || r.DeliveryID != "WH-1/3" {
		t.Errorf("result %+v", r)
	}
	if s := n.Stats(); s.Delivered != 1 || s.Failed != 0 {
		t.Errorf("stats %+v", s)
	}
}

func TestRetriesAfterServerErrors(t *testing.T) {
	srv, got := receiver(t, 500, 503, 200)
	bus, results, n := start(t, notify.Options{Webhooks: []notify.Webhook{{URL: srv.URL}}, MaxAttempts: 5})
	publish(bus, supervision("WH-2", 2, 1))
	r := next(t, results)
	if !r.Delivered || r.Attempts != 3 || r.Status != 200 {
		t.Fatalf("result %+v, want delivered on the third attempt", r)
	}
	for i := 1; i <= 3; i++ {
		if a := next(t, got).header.Get(notify.AttemptHeader); a != string(rune('0'+i)) {
			t.Errorf("request %d has attempt header %q", i, a)
		}
	}
	if s := n.Stats(); s.Retries != 2 || s.Delivered != 1 {
		t.Errorf("stats %+v", s)
	}
}

func TestGivesUpAfterMaxAttempts(t *testing.T) {
	for _, tc := range []struct {
		name     string
		status   int
		attempts int
	}{
		{"server error retried", 500, 3},
		{"too many requests retried", 429, 3},
		{"bad request not retried", 400, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, got := receiver(t, tc.status)
			bus, results, n := start(t, notify.Options{Webhooks: []notify.Webhook{{URL: srv.URL}}, MaxAttempts: 3})
			publish(bus, supervision("WH-3", 2, 1))
			r := next(t, results)
			if r.Delivered || r.Attempts != tc.attempts || r.Status != tc.status || r.Err == nil {
				t.Fatalf("result %+v, want failed after %d attempts", r, tc.attempts)
			}
			if len(got) != tc.attempts {
				t.Errorf("receiver saw %d requests, want %d", len(got), tc.attempts)
			}
			if s := n.Stats(); s.Failed != 1 || s.Delivered != 0 {
				t.Errorf("stats %+v", s)
			}
		})
	}
}

func TestNewValidates(t *testing.T) {
	if _, err := notify.New(notify.Options{}); err != notify.ErrNoBus {
		t.Errorf("no bus: %v", err)
	}
	for _, u := range []string{"", "ftp://x/y", "http://", "::"} {
		if _, err := notify.New(notify.Options{Bus: stream.New(), Webhooks: []notify.Webhook{{URL: u}}}); err == nil {
			t.Errorf("URL %q accepted", u)
		}
	}
}
