package bench

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/situation"
)

// TestConsoleSmall runs the console benchmark on a few thousand generated
// cases: it must finish, report every key the command prints, and find the
// aggregates equal to SQL (Console fails otherwise).
func TestConsoleSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a few thousand cases into SQLite")
	}
	now := time.Date(2026, 11, 20, 15, 4, 5, 0, time.UTC)
	_, noBrowser := os.Stat("/usr/bin/chromium")
	res, err := Console(context.Background(), ConsoleOptions{
		Cases: 3000, Requests: 5, SQLRounds: 2, Renders: 1, Now: now, NoBrowser: noBrowser != nil,
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Checked < 100 {
		t.Errorf("only %d figures compared between the aggregates and SQL", res.Checked)
	}
	if res.SnapshotBytes == 0 || res.StartFromSnapshotS <= 0 {
		t.Errorf("no saved aggregates measured: %d bytes, start %v s", res.SnapshotBytes, res.StartFromSnapshotS)
	}
	if res.Events <= res.Cases {
		t.Errorf("events = %d for %d cases: histories should go past the create", res.Events, res.Cases)
	}
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"generated", "cases", "load_s", "aggregates_load_s", "aggregates_p50_ms", "aggregates_p99_ms",
		"sql_p50_ms", "sql_p99_ms", "first_render_ms", "checked", "sql_by_query",
		"start_rebuild_s", "start_from_snapshot_s", "snapshot_bytes", "situation_restore_s", "situation_rebuild_s"} {
		if _, ok := m[k]; !ok {
			t.Errorf("result has no %q: %s", k, b)
		}
	}
	if m["generated"] != true {
		t.Errorf("generated = %v, want true", m["generated"])
	}
	if noBrowser == nil && res.FirstRenderMs == nil {
		t.Errorf("chromium is present but first_render_ms is null: %s", res.FirstRenderSkipped)
	}
	t.Logf("%s", b)
}

// TestCompareFiguresFindsDifferences: one figure SQL counts differently
// fails the comparison, and equal figures pass.
func TestCompareFiguresFindsDifferences(t *testing.T) {
	snap := situation.Snapshot{
		KPIs:       []situation.KPI{{Definition: situation.Definition{ID: situation.KPIOpen}, Numerator: 2}},
		States:     []situation.StateCount{{State: cases.StateReceived, Count: 2}},
		Heat:       []situation.Heat{{Code: "420102", Total: 3}},
		Categories: []situation.Group{{Code: "01", Total: 3}},
	}
	good := func() *sqlFigures {
		return &sqlFigures{byState: map[string]int64{"received": 2, "closed": 1},
			byDistrict: map[string]int64{"420102": 3}, byCategory: map[string]int64{"01": 3}}
	}
	// The snapshot's resolved figure is 0 while SQL has a closed case.
	snap.KPIs = append(snap.KPIs, situation.KPI{Definition: situation.Definition{ID: situation.KPIResolutionRate}, Numerator: 1})
	tests := []struct {
		name    string
		mutate  func(f *sqlFigures)
		wantErr bool
	}{
		{"equal", func(*sqlFigures) {}, false},
		{"district differs", func(f *sqlFigures) { f.byDistrict["420102"] = 4 }, true},
		{"state differs", func(f *sqlFigures) { f.byState["received"] = 1 }, true},
		{"extra category in SQL", func(f *sqlFigures) { f.byCategory["02"] = 1 }, true},
		{"overdue differs", func(f *sqlFigures) { f.overdue = 1 }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := good()
			tt.mutate(f)
			n, err := compareFigures(snap, f)
			if (err != nil) != tt.wantErr {
				t.Fatalf("compareFigures: err = %v, want error %v", err, tt.wantErr)
			}
			if n == 0 {
				t.Error("no figure compared")
			}
		})
	}
}
