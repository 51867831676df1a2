package geo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
)

// ErrBaselineMismatch is returned by PostGISBaseline when PostGIS and Locate disagree.
var ErrBaselineMismatch = errors.New("postgis baseline disagrees with locate")

// postgisBatch is the number of points sent per lookup query.
const postgisBatch = 1000

// PostGISBaseline measures the same lookups in PostGIS, as a baseline for Locate. It
// connects to dsn, runs CREATE EXTENSION IF NOT EXISTS postgis, creates a fresh schema
// with an unlogged table of idx's grid polygons (SRID 4326) and a GiST index on them,
// then looks the points up in batches of 1000 (unnest of two float8 arrays; one indexed
// ST_Contains lookup per point, lowest grid code first). Only the lookup queries are
// timed. The schema is dropped afterwards.
//
// It compares every answer with Locate and returns an error wrapping ErrBaselineMismatch
// if they differ. ST_Contains excludes boundary points, which Locate includes, so pass
// points that are not on a grid boundary (random points practically never are).
func PostGISBaseline(ctx context.Context, dsn string, idx *Index, points []orb.Point) (lookupsPerSec float64, err error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return 0, fmt.Errorf("postgis baseline: connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))

	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return 0, fmt.Errorf("postgis baseline: schema name: %w", err)
	}
	schema := "geo_baseline_" + hex.EncodeToString(rnd[:])
	defer func() {
		if _, derr := conn.Exec(context.WithoutCancel(ctx), "DROP SCHEMA IF EXISTS "+schema+" CASCADE"); derr != nil && err == nil {
			err = fmt.Errorf("postgis baseline: drop schema: %w", derr)
		}
	}()
	if err := loadGrids(ctx, conn, schema, idx); err != nil {
		return 0, fmt.Errorf("postgis baseline: %w", err)
	}

	query := `SELECT p.i, (SELECT g.code FROM ` + schema + `.grids g
	    WHERE ST_Contains(g.geom, ST_SetSRID(ST_MakePoint(p.lon, p.lat), 4326))
	    ORDER BY g.code LIMIT 1)
	  FROM unnest($1::float8[], $2::float8[]) WITH ORDINALITY AS p(lon, lat, i)`
	got := make([]string, len(points))
	var elapsed time.Duration
	for start := 0; start < len(points); start += postgisBatch {
		end := min(start+postgisBatch, len(points))
		lons := make([]float64, 0, end-start)
		lats := make([]float64, 0, end-start)
		for _, p := range points[start:end] {
			lons, lats = append(lons, p[0]), append(lats, p[1])
		}
		t0 := time.Now()
		rows, err := conn.Query(ctx, query, lons, lats)
		if err != nil {
			return 0, fmt.Errorf("postgis baseline: lookup: %w", err)
		}
		var i int64
		var code *string
		_, err = pgx.ForEachRow(rows, []any{&i, &code}, func() error {
			if code != nil {
				got[start+int(i)-1] = *code
			}
			return nil
		})
		elapsed += time.Since(t0)
		if err != nil {
			return 0, fmt.Errorf("postgis baseline: lookup rows: %w", err)
		}
	}

	mismatches, first := 0, ""
	for n, p := range points {
		want := ""
		if c, err := idx.Locate(p[1], p[0]); err == nil {
			want = c.Grid.Code
		}
		if got[n] != want {
			if mismatches == 0 {
				first = fmt.Sprintf("lat %.7f lon %.7f: postgis %q, locate %q", p[1], p[0], got[n], want)
			}
			mismatches++
		}
	}
	if mismatches > 0 {
		return 0, fmt.Errorf("postgis baseline: %d of %d points differ, first %s: %w", mismatches, len(points), first, ErrBaselineMismatch)
	}
	if elapsed <= 0 {
		return 0, nil
	}
	return float64(len(points)) / elapsed.Seconds(), nil
}

// loadGrids creates schema.grids(code, geom) with a GiST index from idx's grids.
func loadGrids(ctx context.Context, conn *pgx.Conn, schema string, idx *Index) error {
	for _, stmt := range []string{
		"CREATE EXTENSION IF NOT EXISTS postgis",
		"CREATE SCHEMA " + schema,
		"CREATE UNLOGGED TABLE " + schema + ".staging (code text PRIMARY KEY, wkb bytea NOT NULL)",
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	grids := idx.Areas(LevelGrid)
	rows := make([][]any, len(grids))
	for n, g := range grids {
		b, err := wkb.Marshal(g.Geometry)
		if err != nil {
			return fmt.Errorf("encode grid %s: %w", g.Code, err)
		}
		rows[n] = []any{g.Code, b}
	}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{schema, "staging"}, []string{"code", "wkb"}, pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("copy grids: %w", err)
	}
	for _, stmt := range []string{
		"CREATE UNLOGGED TABLE " + schema + ".grids AS SELECT code, ST_SetSRID(ST_GeomFromWKB(wkb), 4326)::geometry(MultiPolygon, 4326) AS geom FROM " + schema + ".staging",
		"CREATE INDEX ON " + schema + ".grids USING gist (geom)",
		"ANALYZE " + schema + ".grids",
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	return nil
}
