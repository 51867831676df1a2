package api

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/category"
	"yiwang/internal/store"
	"yiwang/internal/store/memstore"
	"yiwang/internal/store/sqlstore"
)

const (
	revealToken = "reveal-token-0123456789"
	fullPhone   = "13812345678"
	maskedPhone = "138****5678"
	testCat     = "010101"
)

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))

// backend opens a fresh, empty store for one test.
type backend struct {
	name string
	open func(t *testing.T) store.Store
}

// backends lists every store the handler tests run against.
var backends = []backend{
	{"memory", func(*testing.T) store.Store { return newFakeStore() }},
	{"sqlite", openSQLite},
	{"postgres", openPostgres},
}

// fakeStore is the in-memory store (memstore) the tests use where the
// backend does not matter; the name stays from the hand-written fake it
// replaced.
type fakeStore = memstore.Store

func newFakeStore() *fakeStore { return memstore.New(memstore.Options{}) }

// openSQLite opens the real store on a temporary SQLite file.
func openSQLite(t *testing.T) store.Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cases.sqlite")
	st, err := sqlstore.Open(t.Context(), "sqlite:"+path, sqlstore.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	return st
}

// forEachStore runs f once per backend.
func forEachStore(t *testing.T, f func(t *testing.T, st store.Store)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { f(t, b.open(t)) })
	}
}

// harness is a server over one store, with a clock that ticks a minute per
// reading and a log that tests can read.
type harness struct {
	t     testing.TB
	srv   *Server
	store store.Store
	logMu sync.Mutex
	log   bytes.Buffer
}

type lockedWriter struct{ h *harness }

func (w lockedWriter) Write(p []byte) (int, error) {
	w.h.logMu.Lock()
	defer w.h.logMu.Unlock()
	return w.h.log.Write(p)
}

func newHarness(t testing.TB, st store.Store, tweak ...func(*Options)) *harness {
	t.Helper()
	tax, err := category.Default()
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, store: st}
	var mu sync.Mutex
	tick := t0
	opts := Options{
		Store: st, Taxonomy: tax, RevealTokens: []string{revealToken}, Version: "test-1",
		Logger: slog.New(slog.NewTextHandler(lockedWriter{h}, nil)),
		Now: func() time.Time {
			mu.Lock()
			defer mu.Unlock()
			tick = tick.Add(time.Minute)
			return tick
		},
	}
	for _, f := range tweak {
		f(&opts)
	}
	h.srv, err = New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func (h *harness) logged() string {
	h.logMu.Lock()
	defer h.logMu.Unlock()
	return h.log.String()
}

// do sends a request; JSON bodies get Content-Type application/json unless
// headers set another. headers are name, value pairs.
func (h *harness) do(method, path, body string, headers ...string) *httptest.ResponseRecorder {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
			continue
		}
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.srv.ServeHTTP(rec, req)
	return rec
}

// create posts a valid case (modified by edit) and returns it.
func (h *harness) create(edit func(map[string]any)) cases.Case {
	h.t.Helper()
	rec := h.do("POST", "/api/v1/cases", caseBody(edit), "Authorization", "Bearer "+revealToken)
	if rec.Code != http.StatusCreated {
		h.t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	return decode[cases.Case](h.t, rec)
}

// transition posts a command and fails the test unless it succeeds.
func (h *harness) transition(id, body string) transitionResponse {
	h.t.Helper()
	rec := h.do("POST", "/api/v1/cases/"+id+"/transitions", body)
	if rec.Code != http.StatusOK {
		h.t.Fatalf("transition %s: %d %s", body, rec.Code, rec.Body)
	}
	return decode[transitionResponse](h.t, rec)
}

// all lists every stored case straight from the store.
func (h *harness) all() []cases.Case {
	h.t.Helper()
	var out []cases.Case
	f := store.Filter{Limit: 1000}
	for {
		p, err := h.store.List(h.t.Context(), f)
		if err != nil {
			h.t.Fatal(err)
		}
		out = append(out, p.Cases...)
		if p.Next == "" {
			return out
		}
		f.Cursor = p.Next
	}
}

// caseMap is a valid create body as a map.
func caseMap() map[string]any {
	return map[string]any{
		"channel":     "hotline",
		"title":       "路灯不亮",
		"description": "中山大道与江汉路交叉口路灯连续三晚不亮",
		"category":    testCat,
		"location":    map[string]any{"lat": 30.58, "lon": 114.29, "address": "江汉区中山大道"},
		"reporter":    map[string]any{"name": "张三", "phone": fullPhone, "email": "zhangsan@example.com"},
		"tags":        []any{"照明"},
		"actor":       "agent-007",
		"actor_unit":  "12345",
	}
}

func caseBody(edit func(map[string]any)) string {
	m := caseMap()
	if edit != nil {
		edit(m)
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func decode[T any](t testing.TB, rec *httptest.ResponseRecorder) T {
	t.Helper()
	var v T
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type = %q, want application/json; body %s", ct, rec.Body)
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("decoding %s: %v", rec.Body, err)
	}
	return v
}

// wantProblem checks a problem response's status, type and field.
func wantProblem(t testing.TB, rec *httptest.ResponseRecorder, status int, typ, field string) Problem {
	t.Helper()
	if rec.Code != status {
		t.Fatalf("status = %d, want %d; body %s", rec.Code, status, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json", ct)
	}
	var p Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		t.Fatalf("decoding problem %s: %v", rec.Body, err)
	}
	if p.Type != typ || p.Field != field || p.Status != status || p.Title == "" || p.Detail == "" || p.Instance == "" {
		t.Fatalf("problem = %+v, want type %s field %q status %d with title, detail and instance", p, typ, field, status)
	}
	return p
}

// doReader sends a JSON body of unknown length (no Content-Length).
func (h *harness) doReader(method, path string, body io.Reader) *httptest.ResponseRecorder {
	h.t.Helper()
	req := httptest.NewRequest(method, path, io.MultiReader(body))
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.srv.ServeHTTP(rec, req)
	return rec
}
