package bench

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the SQLite driver of the SQL baseline

	"yiwang/internal/cases"
	"yiwang/internal/geo"
	"yiwang/internal/platform"
	"yiwang/internal/situation"
)

// sqlFigures are the screen's figures for the whole city as GROUP BY
// queries compute them.
type sqlFigures struct {
	byState    map[string]int64
	byDistrict map[string]int64
	byCategory map[string]int64
	overdue    int64
	today      int64
	intakeHour map[int64]int64
	resolvHour map[int64]int64
}

type sqlQuery struct {
	name string
	run  func(ctx context.Context, db *sql.DB, f *sqlFigures) error
}

const nsPerHour = int64(time.Hour)

// consoleQueries are the SQL equivalents of the city's situation figures
// at now; districts have codes of districtLen characters.
func consoleQueries(now time.Time, districtLen int) []sqlQuery {
	nowNs := now.UnixNano()
	h0 := (now.Unix()/3600 - situation.HourBuckets + 1) * nsPerHour
	y, m, d := now.In(situation.Shanghai).Date()
	dayStart := time.Date(y, m, d, 0, 0, 0, 0, situation.Shanghai).UnixNano()
	groups := func(q string, dst func(f *sqlFigures) *map[string]int64, args ...any) func(context.Context, *sql.DB, *sqlFigures) error {
		return func(ctx context.Context, db *sql.DB, f *sqlFigures) error {
			m := map[string]int64{}
			err := scanRows(ctx, db, q, args, func(rows *sql.Rows) error {
				var k string
				var n int64
				err := rows.Scan(&k, &n)
				m[k] = n
				return err
			})
			*dst(f) = m
			return err
		}
	}
	hours := func(q string, dst func(f *sqlFigures) *map[int64]int64) func(context.Context, *sql.DB, *sqlFigures) error {
		return func(ctx context.Context, db *sql.DB, f *sqlFigures) error {
			m := map[int64]int64{}
			err := scanRows(ctx, db, q, []any{h0}, func(rows *sql.Rows) error {
				var k, n int64
				err := rows.Scan(&k, &n)
				m[k] = n
				return err
			})
			*dst(f) = m
			return err
		}
	}
	count := func(q string, dst func(f *sqlFigures) *int64, args ...any) func(context.Context, *sql.DB, *sqlFigures) error {
		return func(ctx context.Context, db *sql.DB, f *sqlFigures) error {
			if err := db.QueryRowContext(ctx, q, args...).Scan(dst(f)); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
			return nil
		}
	}
	return []sqlQuery{
		{"by_state", groups(`SELECT state, COUNT(*) FROM cases GROUP BY state`,
			func(f *sqlFigures) *map[string]int64 { return &f.byState })},
		{"by_district", groups(fmt.Sprintf(`SELECT substr(area, 1, %d), COUNT(*) FROM cases GROUP BY 1`, districtLen),
			func(f *sqlFigures) *map[string]int64 { return &f.byDistrict })},
		{"by_category", groups(`SELECT substr(category, 1, 2), COUNT(*) FROM cases GROUP BY 1`,
			func(f *sqlFigures) *map[string]int64 { return &f.byCategory })},
		{"overdue", count(`SELECT COUNT(*) FROM cases WHERE next_due < ?`, func(f *sqlFigures) *int64 { return &f.overdue }, nowNs)},
		{"intake_today", count(`SELECT COUNT(*) FROM cases WHERE created_at >= ? AND created_at <= ?`,
			func(f *sqlFigures) *int64 { return &f.today }, dayStart, nowNs)},
		{"intake_by_hour_48h", hours(fmt.Sprintf(`SELECT created_at / %d, COUNT(*) FROM cases WHERE created_at >= ? GROUP BY 1`, nsPerHour),
			func(f *sqlFigures) *map[int64]int64 { return &f.intakeHour })},
		{"resolved_by_hour_48h", hours(fmt.Sprintf(`SELECT at / %d, COUNT(*) FROM events WHERE action = 'resolve' AND at >= ? GROUP BY 1`, nsPerHour),
			func(f *sqlFigures) *map[int64]int64 { return &f.resolvHour })},
	}
}

func scanRows(ctx context.Context, db *sql.DB, q string, args []any, each func(*sql.Rows) error) error {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", q, err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := each(rows); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("%s: %w", q, err)
	}
	return nil
}

// runSQL times the queries on a read-only connection to path and checks
// their figures against the node's aggregates.
func runSQL(ctx context.Context, o ConsoleOptions, path string, node *platform.Node, districts []geo.Area, res *ConsoleResult) error {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=query_only(1)&_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("opening %s read-only: %w", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	qs := consoleQueries(o.Now, len(districts[0].Code))
	var rounds []time.Duration
	per := make([][]time.Duration, len(qs))
	var f sqlFigures
	for range o.SQLRounds {
		f = sqlFigures{}
		t0 := time.Now()
		for i, q := range qs {
			t := time.Now()
			if err := q.run(ctx, db, &f); err != nil {
				return err
			}
			per[i] = append(per[i], time.Since(t))
		}
		rounds = append(rounds, time.Since(t0))
	}
	res.SQLRounds = o.SQLRounds
	res.SQLP50Ms, res.SQLP99Ms = percentileMs(rounds, 50), percentileMs(rounds, 99)
	res.SQLByQuery = map[string]Latency{}
	for i, q := range qs {
		res.SQLByQuery[q.name] = Latency{percentileMs(per[i], 50), percentileMs(per[i], 99)}
	}
	codes := make([]string, len(districts))
	for i, d := range districts {
		codes[i] = d.Code
	}
	snap := node.Situation.Snapshot("", codes, 0, o.Now)
	n, err := compareFigures(snap, &f)
	res.Checked = n
	return err
}

// compareFigures checks every figure of snap that SQL computed too and
// returns how many were equal; any difference is an error.
func compareFigures(snap situation.Snapshot, f *sqlFigures) (int, error) {
	var diffs []string
	checked := 0
	eq := func(what string, agg, sqlN int64) {
		checked++
		if agg != sqlN {
			diffs = append(diffs, fmt.Sprintf("%s: aggregates %d, SQL %d", what, agg, sqlN))
		}
	}
	kpi := map[string]int64{}
	for _, k := range snap.KPIs {
		kpi[k.ID] = k.Numerator
	}
	var open, resolved int64
	for st, n := range f.byState {
		if !cases.State(st).Terminal() {
			open += n
		}
		if st == string(cases.StateResolved) || st == string(cases.StateVerified) || st == string(cases.StateClosed) {
			resolved += n
		}
	}
	for _, s := range snap.States {
		eq("open cases in state "+string(s.State), s.Count, f.byState[string(s.State)])
	}
	eq("open cases", kpi[situation.KPIOpen], open)
	eq("resolved cases (resolution rate numerator)", kpi[situation.KPIResolutionRate], resolved)
	eq("overdue cases", kpi[situation.KPIOverdue], f.overdue)
	eq("intake today", kpi[situation.KPIIntakeToday], f.today)
	for _, h := range snap.Heat {
		eq("cases in district "+h.Code, h.Total, f.byDistrict[h.Code])
	}
	for _, g := range snap.Categories {
		eq("cases in category "+g.Code, g.Total, f.byCategory[g.Code])
	}
	if len(snap.Categories) != len(f.byCategory) {
		diffs = append(diffs, fmt.Sprintf("categories: aggregates %d, SQL %d", len(snap.Categories), len(f.byCategory)))
	}
	for _, p := range snap.Hours {
		h := p.Start.Unix() / 3600
		eq("intake in hour "+p.Start.Format(time.RFC3339), p.Intake, f.intakeHour[h])
		eq("resolutions in hour "+p.Start.Format(time.RFC3339), p.Resolved, f.resolvHour[h])
	}
	if len(diffs) > 0 {
		slices.Sort(diffs)
		return checked, fmt.Errorf("the aggregates and SQL disagree on %d of %d figures:\n  %s", len(diffs), checked, strings.Join(diffs, "\n  "))
	}
	return checked, nil
}
