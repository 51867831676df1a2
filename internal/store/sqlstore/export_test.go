package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"yiwang/internal/cases"
)

// SeedAtMigration1 creates the schema of migration 1 only in the database
// named by dsn and writes the histories there as a store of that version
// did (its 16 projection columns and the id counter), for tests of later migrations.
func SeedAtMigration1(ctx context.Context, dsn string, histories [][]cases.Event) error {
	var d *dialect
	var db *sql.DB
	var err error
	switch {
	case strings.HasPrefix(dsn, "sqlite:"):
		d = sqliteDialect()
		db, _, err = openSQLite(strings.TrimPrefix(dsn, "sqlite:"), 1)
	default:
		d = postgresDialect()
		db, _, err = openPostgres(dsn, 1)
	}
	if err != nil {
		return err
	}
	defer db.Close()
	v1 := *d
	v1.migrations = d.migrations[:1]
	if err := migrate(ctx, db, &v1); err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	s := &Store{prefix: "WH"}
	for _, h := range histories {
		if day, n, ok := s.parseID(h[0].CaseID); ok {
			if _, err := tx.ExecContext(ctx, d.q(`INSERT INTO id_counters (day, n) VALUES (?, ?)
				ON CONFLICT (day) DO UPDATE SET n = `+d.greatest+`(id_counters.n, excluded.n)`), day, n); err != nil {
				return err
			}
		}
		c, err := cases.Replay(h)
		if err != nil {
			return err
		}
		// A store of that version knew no queue and kept no suggestions.
		c.Queue, c.Suggestions = "", nil
		doc, err := json.Marshal(c)
		if err != nil {
			return err
		}
		l := c.Location
		if _, err := tx.ExecContext(ctx, d.q(`INSERT INTO cases (id, state, channel, category, severity, unit, district, street, community, grid, created_at, updated_at, title, description, version, doc)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			c.ID, string(c.State), string(c.Channel), c.Category, string(c.Severity), c.Unit, l.District, l.Street, l.Community, l.Grid,
			d.time(c.CreatedAt), d.time(c.UpdatedAt), c.Title, c.Description, c.Version, string(doc)); err != nil {
			return fmt.Errorf("case %s: %w", c.ID, err)
		}
		for _, e := range h {
			payload, err := json.Marshal(e.Payload)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, d.q(`INSERT INTO events (`+eventCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
				e.CaseID, e.Seq, string(e.Action), e.Actor, e.Unit, d.time(e.At), string(e.From), string(e.To), e.Note, string(payload)); err != nil {
				return fmt.Errorf("event %s/%d: %w", e.CaseID, e.Seq, err)
			}
		}
	}
	return tx.Commit()
}
