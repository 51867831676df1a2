package api

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"yiwang/internal/store"
	"yiwang/internal/store/sqlstore"
)

// openPostgres opens the real store on a fresh PostgreSQL database, dropped
// when the test ends. The server is YIWANG_TEST_PG (default the local trust
// server); when it is unreachable the test skips, unless
// YIWANG_REQUIRE_SERVICES=1, when it fails.
func openPostgres(t *testing.T) store.Store {
	t.Helper()
	base := os.Getenv("YIWANG_TEST_PG")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	admin, err := sql.Open("pgx", base)
	if err == nil {
		ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
		err = admin.PingContext(ctx)
		cancel()
	}
	if err != nil {
		msg := fmt.Sprintf("PostgreSQL at %s unreachable (%v); set YIWANG_TEST_PG to run the API tests on PostgreSQL", base, err)
		if os.Getenv("YIWANG_REQUIRE_SERVICES") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	name := fmt.Sprintf("yiwang_api_test_%d_%d", time.Now().Unix(), rand.Uint32())
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		admin.Close()
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() { // runs after the store's Close (cleanups run last-in first-out)
		if _, err := admin.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	st, err := sqlstore.Open(t.Context(), u.String(), sqlstore.Options{Logger: slog.New(slog.DiscardHandler)})
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
