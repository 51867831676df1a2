package sqlstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"testing"

	"yiwang/internal/cases"
	"yiwang/internal/pgtest"
	"yiwang/internal/store"
	"yiwang/internal/store/sqlstore"
	"yiwang/internal/store/storetest"
)

// pgDatabase returns a fresh database for this test run, dropped when the
// test ends (pgtest: skipped when PostgreSQL is unreachable, failed instead
// when YIWANG_REQUIRE_SERVICES=1).
func pgDatabase(tb testing.TB) string { return pgtest.Database(tb, "yiwang_test") }

// withSchema returns dsn with a fresh schema as its search_path, so each
// subtest gets an empty store inside the run's database.
func withSchema(tb testing.TB, dsn, schema string) string {
	tb.Helper()
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE SCHEMA ` + schema); err != nil {
		tb.Fatal(err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func TestPostgres(t *testing.T) {
	dsn := pgDatabase(t)
	n := 0
	storetest.Run(t, func(t *testing.T, publish func([]cases.Event)) store.Store {
		n++
		s, err := sqlstore.Open(context.Background(), withSchema(t, dsn, fmt.Sprint("s", n)), sqlstore.Options{Publish: publish})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// TestPostgresConcurrentOpen opens one database from several stores at
// once (as several nodes starting together would) and writes through all of
// them: migrations must not collide and ids must stay unique.
func TestPostgresConcurrentOpen(t *testing.T) {
	dsn := pgDatabase(t)
	const nodes = 4
	stores := make([]*sqlstore.Store, nodes)
	errs := make(chan error, nodes)
	for i := range nodes {
		go func() {
			s, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{})
			stores[i] = s
			errs <- err
		}()
	}
	for range nodes {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent open: %v", err)
		}
	}
	for _, s := range stores {
		t.Cleanup(func() { s.Close() })
	}
	ids := make(chan string, nodes*25)
	for i := range nodes {
		go func() {
			for j := range 25 {
				c, _, err := stores[i].Create(context.Background(), store.CreateRequest{
					Case: cases.NewCase{Channel: cases.ChannelWeb, Title: fmt.Sprint(i, "/", j), Category: "01"}, Actor: "a"})
				if err != nil {
					errs <- err
					return
				}
				ids <- c.ID
			}
			errs <- nil
		}()
	}
	for range nodes {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	close(ids)
	seen := map[string]bool{}
	for id := range ids {
		if seen[id] {
			t.Fatalf("id %s allocated twice across nodes", id)
		}
		seen[id] = true
	}
	if len(seen) != nodes*25 {
		t.Fatalf("%d ids, want %d", len(seen), nodes*25)
	}
}

// TestPostgresShared opens two stores on one database, as two nodes would:
// two escalation schedulers racing on one case must escalate it once.
func TestPostgresShared(t *testing.T) {
	dsn := pgDatabase(t)
	n := 0
	storetest.RunShared(t, func(t *testing.T) (store.Store, store.Store) {
		n++
		shared := withSchema(t, dsn, fmt.Sprint("shared", n))
		var pair [2]store.Store
		for i := range pair {
			s, err := sqlstore.Open(context.Background(), shared, sqlstore.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			pair[i] = s
		}
		return pair[0], pair[1]
	})
}
