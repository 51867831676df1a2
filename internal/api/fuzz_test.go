package api

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"yiwang/internal/cases"
	"yiwang/internal/store/sqlstore"
)

// FuzzCreate feeds arbitrary bodies to POST /api/v1/cases: the answer is
// never a 5xx or a panic, every refusal is a problem, and anything accepted
// can be read back as the same case from the SQLite store.
func FuzzCreate(f *testing.F) {
	for _, seed := range []string{
		caseBody(nil),
		caseBody(func(m map[string]any) { m["location"] = map[string]any{"lat": 91.0, "lon": 0.0} }),
		caseBody(func(m map[string]any) { m["attachments"] = []any{map[string]any{"url": "https://x/1.jpg"}} }),
		`{"channel":"web","title":"t","category":"01","severity":"critical"}`,
		`{"channel":"web","title":"t","category":"01","tags":["a","a"],"reporter":{"email":"@x"}}`,
		`{"title":5}`, `{"title":"a",,}`, `[]`, `null`, `{}`, `{"a":1}{"b":2}`, "\xff", `{"title":"\u0000"}`,
		`{"channel":"web","title":"t","category":"01","location":{"lat":-0,"lon":1e-320}}`,
	} {
		f.Add(seed)
	}
	// The real store: what the fuzzer gets accepted must survive a round
	// trip through SQLite.
	st, err := sqlstore.Open(f.Context(), "sqlite:"+filepath.Join(f.TempDir(), "fuzz.sqlite"),
		sqlstore.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	h := newHarness(f, st)
	f.Fuzz(func(t *testing.T, body string) {
		h.t = t
		req := httptest.NewRequest("POST", "/api/v1/cases", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+revealToken)
		rec := httptest.NewRecorder()
		h.srv.ServeHTTP(rec, req)
		switch {
		case rec.Code >= 500:
			t.Fatalf("%d for %q: %s", rec.Code, body, rec.Body)
		case rec.Code == http.StatusCreated:
			var created cases.Case
			if err := json.Unmarshal(rec.Body.Bytes(), &created); err != nil {
				t.Fatalf("created body %s: %v", rec.Body, err)
			}
			get := h.do("GET", "/api/v1/cases/"+created.ID, "", "Authorization", "Bearer "+revealToken)
			if get.Code != http.StatusOK {
				t.Fatalf("created case %s cannot be read: %d %s", created.ID, get.Code, get.Body)
			}
			if get.Body.String() != rec.Body.String() {
				t.Fatalf("read back %s, created %s", get.Body, rec.Body)
			}
		default:
			if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" || rec.Code < 400 {
				t.Fatalf("%d %s for %q", rec.Code, ct, body)
			}
		}
	})
}
