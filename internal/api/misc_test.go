package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"yiwang/internal/cases"
	"yiwang/internal/category"
	"yiwang/internal/store"
)

func TestCategories(t *testing.T) {
	h := newHarness(t, newFakeStore())
	got := decode[categoriesResponse](t, h.do("GET", "/api/v1/categories", ""))
	tax, _ := category.Default()
	if len(got.Categories) != len(tax.All()) || len(got.Categories) == 0 {
		t.Fatalf("%d categories, want %d", len(got.Categories), len(tax.All()))
	}
	want, _ := tax.Get(testCat)
	found := false
	for _, c := range got.Categories {
		found = found || c == want
	}
	if !found {
		t.Errorf("category %s missing", testCat)
	}
}

func TestHealth(t *testing.T) {
	h := newHarness(t, newFakeStore())
	got := decode[healthResponse](t, h.do("GET", "/healthz", ""))
	if got.Status != "ok" || got.Version != "test-1" {
		t.Fatalf("health = %+v", got)
	}
	broken := newHarness(t, failingStore{newFakeStore()})
	wantProblem(t, broken.do("GET", "/healthz", ""), 503, ProblemUnavailable, "")
	if !strings.Contains(broken.logged(), "disk on fire") {
		t.Errorf("the 503's cause was not logged: %q", broken.logged())
	}
}

// failingStore fails every List.
type failingStore struct{ *fakeStore }

func (failingStore) List(context.Context, store.Filter) (store.Page, error) {
	return store.Page{}, errors.New("disk on fire")
}

func TestOpenAPIServed(t *testing.T) {
	h := newHarness(t, newFakeStore())
	rec := h.do("GET", "/openapi.json", "")
	var doc struct {
		OpenAPI string `json:"openapi"`
		Info    struct{ Version string }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || rec.Code != 200 {
		t.Fatalf("%d %v", rec.Code, err)
	}
	if doc.OpenAPI != "3.1.0" || doc.Info.Version != "test-1" {
		t.Fatalf("openapi %q version %q", doc.OpenAPI, doc.Info.Version)
	}
}

func TestUnknownRouteAndMethod(t *testing.T) {
	h := newHarness(t, newFakeStore())
	wantProblem(t, h.do("GET", "/api/v1/nothing", ""), 404, ProblemNotFound, "")
	rec := h.do("DELETE", "/api/v1/cases", "")
	wantProblem(t, rec, 405, ProblemMethodNotAllowed, "")
	if got := rec.Header().Get("Allow"); got != "GET, POST, HEAD" {
		t.Errorf("Allow = %q", got)
	}
	rec = h.do("PUT", "/api/v1/cases/WH-1", "")
	wantProblem(t, rec, 405, ProblemMethodNotAllowed, "")
	if got := rec.Header().Get("Allow"); got != "GET, HEAD" {
		t.Errorf("Allow = %q", got)
	}
}

func TestPanicRecovered(t *testing.T) {
	h := newHarness(t, newFakeStore(), func(o *Options) {
		o.Locate = func(lat, lon float64) (cases.Location, error) { panic("geography exploded") }
	})
	wantProblem(t, h.do("POST", "/api/v1/cases", caseBody(nil)), 500, ProblemInternal, "")
	log := h.logged()
	if strings.Count(log, "geography exploded") != 1 {
		t.Errorf("log should hold the panic once: %q", log)
	}
	// The server keeps serving.
	if rec := h.do("GET", "/api/v1/categories", ""); rec.Code != http.StatusOK {
		t.Fatalf("after a panic: %d", rec.Code)
	}
	if strings.Contains(h.do("POST", "/api/v1/cases", caseBody(nil)).Body.String(), "geography") {
		t.Error("500 body leaks the panic value")
	}
}

func TestNewChecksOptions(t *testing.T) {
	tax, _ := category.Default()
	tests := []struct {
		name string
		opts Options
	}{
		{"no store", Options{Taxonomy: tax}},
		{"no taxonomy", Options{Store: newFakeStore()}},
		{"negative body limit", Options{Store: newFakeStore(), Taxonomy: tax, MaxBodyBytes: -1}},
		{"short reveal token", Options{Store: newFakeStore(), Taxonomy: tax, RevealTokens: []string{"secret"}}},
	}
	for _, tt := range tests {
		if _, err := New(tt.opts); err == nil {
			t.Errorf("%s: New succeeded", tt.name)
		}
	}
	if _, err := New(Options{Store: newFakeStore(), Taxonomy: tax}); err != nil {
		t.Fatalf("minimal options: %v", err)
	}
}

func TestBodyLimitOption(t *testing.T) {
	h := newHarness(t, newFakeStore(), func(o *Options) { o.MaxBodyBytes = 100 })
	wantProblem(t, h.do("POST", "/api/v1/cases", caseBody(nil)), 413, ProblemBodyTooLarge, "")
}
