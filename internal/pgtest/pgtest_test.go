package pgtest

import (
	"context"
	"database/sql"
	"strings"
	"testing"
)

func TestDatabaseIsFreshAndDropped(t *testing.T) {
	server := Reachable(t)
	dsn, drop, err := Create(context.Background(), server, "yiwang_pgtest")
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	var tables int
	if err := db.QueryRow(`SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'`).Scan(&tables); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if tables != 0 {
		t.Errorf("fresh database has %d tables", tables)
	}
	if err := drop(); err != nil {
		t.Fatal(err)
	}
	name := dsn[strings.LastIndex(dsn, "/")+1:]
	name = strings.SplitN(name, "?", 2)[0]
	admin, _ := sql.Open("pgx", server)
	defer admin.Close()
	var n int
	if err := admin.QueryRow(`SELECT count(*) FROM pg_database WHERE datname = $1`, name).Scan(&n); err != nil || n != 0 {
		t.Errorf("database %s still exists after drop (count %d, err %v)", name, n, err)
	}
}

func TestCreateRejectsBadPrefix(t *testing.T) {
	if _, _, err := Create(context.Background(), DefaultServer, "x; DROP"); err == nil {
		t.Error("accepted a prefix with SQL in it")
	}
}
