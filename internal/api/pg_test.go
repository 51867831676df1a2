package api

import (
	"log/slog"
	"testing"

	"yiwang/internal/pgtest"
	"yiwang/internal/store"
	"yiwang/internal/store/sqlstore"
)

// openPostgres opens the real store on a fresh PostgreSQL database, dropped
// when the test ends. The server is YIWANG_TEST_PG (default the local trust
// server); when it is unreachable the test skips, unless
// YIWANG_REQUIRE_SERVICES=1, when it fails.
func openPostgres(t *testing.T) store.Store {
	t.Helper()
	dsn := pgtest.Database(t, "yiwang_api_test")
	st, err := sqlstore.Open(t.Context(), dsn, sqlstore.Options{Logger: slog.New(slog.DiscardHandler)})
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
