package bench

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"net/url"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver
)

// freshPostgres creates an empty database next to the one baseDSN names and
// returns its DSN and a function that drops it.
func freshPostgres(ctx context.Context, baseDSN, prefix string) (string, func(), error) {
	admin, err := sql.Open("pgx", baseDSN)
	if err != nil {
		return "", nil, fmt.Errorf("opening %s: %w", baseDSN, err)
	}
	name := fmt.Sprintf("%s_%08x", prefix, rand.Uint32())
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("creating database %s: %w", name, err)
	}
	u, err := url.Parse(baseDSN)
	if err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("parsing %s: %w", baseDSN, err)
	}
	u.Path = "/" + name
	drop := func() {
		_, _ = admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		admin.Close()
	}
	return u.String(), drop, nil
}
