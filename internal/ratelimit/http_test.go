package ratelimit

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestMiddleware(t *testing.T) {
	l, _ := New(Config{Rate: 1, Burst: 2})
	now := t0
	clock := func() time.Time { return now }
	var served int
	h := Middleware(l, func(r *http.Request) string { return Client(r, func(k string) bool { return k == "good-key" }) },
		ProblemDeny("https://example.test/problems/rate-limited"), clock,
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			if r.Method == http.MethodPost && !strings.Contains(string(body), "api_key=") {
				t.Errorf("handler got body %q, the peeked body was not restored", body)
			}
			served++
			w.WriteHeader(http.StatusCreated)
		}))
	do := func(remote, query, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/x"+query, strings.NewReader(body))
		req.RemoteAddr = remote
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	steps := []struct {
		name, remote, query, body string
		advance                   time.Duration
		want                      int
		retryAfter                string
	}{
		{"ip 1", "10.0.0.1:5000", "", "api_key=bad", 0, 201, ""},
		{"ip 2", "10.0.0.1:5001", "", "api_key=bad", 0, 201, ""},
		{"ip 3 refused; an unknown key does not escape", "10.0.0.1:5002", "", "api_key=invented", 0, 429, "1"},
		{"valid key in the body is its own client", "10.0.0.1:5003", "", "api_key=good-key", 0, 201, ""},
		{"valid key in the query is the same client", "10.0.0.9:1", "?api_key=good-key", "a=1&api_key=x", 0, 201, ""},
		{"key exhausted", "10.0.0.9:1", "?api_key=good-key", "api_key=x", 0, 429, "1"},
		{"other ip", "10.0.0.2:5000", "", "api_key=", 0, 201, ""},
		{"ip refilled after a second", "10.0.0.1:5004", "", "api_key=", time.Second, 201, ""},
	}
	for _, s := range steps {
		now = now.Add(s.advance)
		rec := do(s.remote, s.query, s.body)
		if rec.Code != s.want {
			t.Fatalf("%s: status %d, want %d (%s)", s.name, rec.Code, s.want, rec.Body)
		}
		if got := rec.Header().Get("Retry-After"); got != s.retryAfter {
			t.Fatalf("%s: Retry-After %q, want %q", s.name, got, s.retryAfter)
		}
		if s.want == 429 {
			var p struct {
				Type   string `json:"type"`
				Status int    `json:"status"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Status != 429 || p.Type != "https://example.test/problems/rate-limited" ||
				rec.Header().Get("Content-Type") != "application/problem+json" {
				t.Fatalf("%s: body %s (%v), content type %q", s.name, rec.Body, err, rec.Header().Get("Content-Type"))
			}
		}
	}
	if served != 6 {
		t.Fatalf("handler served %d requests, want 6", served)
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	for _, tt := range []struct {
		in   time.Duration
		want int
	}{{0, 1}, {time.Nanosecond, 1}, {time.Second, 1}, {1001 * time.Millisecond, 2}, {90 * time.Second, 90}} {
		if got := RetryAfterSeconds(tt.in); got != tt.want {
			t.Errorf("RetryAfterSeconds(%v) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestNilLimiterMiddlewarePassesThrough(t *testing.T) {
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	h := Middleware(nil, nil, nil, nil, next)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
}
