package auth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"yiwang/internal/dispatch"
	"yiwang/internal/store/memstore"
)

// fastHash keeps the tests quick; the format and the code path are the
// production ones.
var fastHash = HashParams{Memory: 64, Time: 1, Threads: 1}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func directory(t testing.TB) *dispatch.Directory {
	t.Helper()
	e, err := dispatch.DemoEngine()
	if err != nil {
		t.Fatal(err)
	}
	return e.Directory()
}

// newService returns a Service over a fresh memory store with the demo
// users, and its clock.
func newService(t *testing.T) (*Service, *clock) {
	t.Helper()
	c := &clock{t: t0}
	s, err := New(Options{Store: memstore.New(memstore.Options{}), Units: directory(t), Now: c.now, Hash: fastHash})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.EnsureDemoUsers(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s, c
}

// echo is the handler behind the middleware in tests: it answers 200 with
// the principal's login ("-" when none).
var echo = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	p, ok := FromContext(r.Context())
	if !ok {
		w.Write([]byte("-"))
		return
	}
	w.Write([]byte(p.Login))
})

// stack is the middleware in front of the auth routes and echo.
func stack(s *Service) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/api/v1/auth/", s.Handler())
	mux.Handle("/", echo)
	return s.Middleware(mux)
}

type resp struct {
	code int
	body string
	hdr  http.Header
}

func do(h http.Handler, method, path, body string, hdr ...string) resp {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Add(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return resp{w.Code, w.Body.String(), w.Header()}
}

// signIn signs a demo user in and returns its cookie header and CSRF token.
func signIn(t *testing.T, h http.Handler, login string) (cookie, csrf string) {
	t.Helper()
	r := do(h, "POST", "/api/v1/auth/signin", `{"login":"`+login+`","password":"demo-`+login+`"}`)
	if r.code != 200 {
		t.Fatalf("sign in %s: %d %s", login, r.code, r.body)
	}
	for _, c := range (&http.Response{Header: r.hdr}).Cookies() {
		if c.Name == CookieName {
			cookie = c.Name + "=" + c.Value
		}
	}
	i := strings.Index(r.body, `"csrf_token":"`)
	if cookie == "" || i < 0 {
		t.Fatalf("sign in %s: no cookie or csrf token: %v %s", login, r.hdr, r.body)
	}
	csrf = r.body[i+len(`"csrf_token":"`):]
	csrf = csrf[:strings.IndexByte(csrf, '"')]
	return cookie, csrf
}
