// Package pgtest owns how tests and benchmarks get a PostgreSQL database of
// their own: the server comes from YIWANG_TEST_PG (default the local trust
// server), each caller gets a fresh database that is dropped afterwards,
// and an unreachable server skips the test — unless YIWANG_REQUIRE_SERVICES=1
// (set by CI), when it fails, so CI never silently skips PostgreSQL.
package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"regexp"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver
)

// DefaultServer is the server used when YIWANG_TEST_PG is not set.
const DefaultServer = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Server returns the DSN of the server tests should use.
func Server() string {
	if dsn := os.Getenv("YIWANG_TEST_PG"); dsn != "" {
		return dsn
	}
	return DefaultServer
}

// Required reports whether unreachable services must fail tests.
func Required() bool { return os.Getenv("YIWANG_REQUIRE_SERVICES") == "1" }

// Reachable returns the server DSN, or skips tb (fails it when services are
// required) with a message naming the server and the error.
func Reachable(tb testing.TB) string {
	tb.Helper()
	dsn := Server()
	if err := ping(context.Background(), dsn); err != nil {
		msg := fmt.Sprintf("PostgreSQL at %s unreachable (%v); start it or set YIWANG_TEST_PG", dsn, err)
		if Required() {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	return dsn
}

func ping(ctx context.Context, dsn string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

// Database creates a fresh database (named prefix_<random>) on the
// reachable server, drops it when tb ends, and returns its DSN.
func Database(tb testing.TB, prefix string) string {
	tb.Helper()
	dsn, drop, err := Create(context.Background(), Reachable(tb), prefix)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := drop(); err != nil {
			tb.Error(err)
		}
	})
	return dsn
}

var validPrefix = regexp.MustCompile(`^[a-z][a-z0-9_]{0,40}$`)

// Create makes a fresh database next to the one server names and returns
// its DSN and a function that drops it (for benchmarks and commands).
func Create(ctx context.Context, server, prefix string) (dsn string, drop func() error, err error) {
	if !validPrefix.MatchString(prefix) {
		return "", nil, fmt.Errorf("database prefix %q must be lower-case letters, digits and _", prefix)
	}
	u, err := url.Parse(server)
	if err != nil {
		return "", nil, fmt.Errorf("parsing PostgreSQL DSN: %w", err)
	}
	admin, err := sql.Open("pgx", server)
	if err != nil {
		return "", nil, fmt.Errorf("opening %s: %w", u.Redacted(), err)
	}
	name := fmt.Sprintf("%s_%d_%08x", prefix, time.Now().Unix(), rand.Uint32())
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("creating database %s: %w", name, err)
	}
	u.Path = "/" + name
	drop = func() error {
		defer admin.Close()
		if _, err := admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("dropping database %s: %w", name, err)
		}
		return nil
	}
	return u.String(), drop, nil
}
