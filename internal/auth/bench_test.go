package auth

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"yiwang/internal/store/sqlstore"
)

// BenchmarkMiddleware measures what the authorisation layer adds to a
// request over SQLite: none is the bare handler (the baseline), token an
// API token, session a session cookie (each reads two documents: the
// token or session, and the user). Compare ns/op with none's.
func BenchmarkMiddleware(b *testing.B) {
	st, err := sqlstore.Open(context.Background(), "sqlite:"+filepath.Join(b.TempDir(), "b.db"), sqlstore.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	s, err := New(Options{Store: st, Units: directory(b), Hash: fastHash})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	if _, err := s.EnsureDemoUsers(ctx); err != nil {
		b.Fatal(err)
	}
	tok, err := s.CreateToken(ctx, "dispatcher", "bench", 0)
	if err != nil {
		b.Fatal(err)
	}
	_, secret, _, err := s.SignIn(ctx, "dispatcher", "demo-dispatcher", "bench")
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		h    http.Handler
		hdr  [2]string
	}{
		{"none", echo, [2]string{}},
		{"token", s.Middleware(echo), [2]string{"Authorization", "Bearer " + tok}},
		{"session", s.Middleware(echo), [2]string{"Cookie", CookieName + "=" + secret}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req := httptest.NewRequest("GET", "/api/v1/cases", nil)
			if bc.hdr[0] != "" {
				req.Header.Set(bc.hdr[0], bc.hdr[1])
			}
			for b.Loop() {
				w := httptest.NewRecorder()
				bc.h.ServeHTTP(w, req)
				if w.Code != 200 {
					b.Fatalf("%d %s", w.Code, w.Body)
				}
			}
		})
	}
}
