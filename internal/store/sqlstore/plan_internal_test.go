package sqlstore

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// TestQueryPlans checks, on SQLite, that the queries with their own index
// use it (an empty table's planner would otherwise rather scan by n).
func TestQueryPlans(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "x.sqlite"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var captured string
	tests := []struct {
		name  string
		query func() string
		index string
	}{
		{"events by action", func() string { return `SELECT pos FROM events ` + eventsByActionQuery(cases.ActionReturn) }, "events_action"},
		{"due before", func() string { q, _, _ := s.listQuery(store.Filter{DueBefore: time.Now()}, 50); return q }, "cases_next_due"},
		{"one area", func() string { q, _, _ := s.listQuery(store.Filter{Areas: []string{"420102"}}, 50); return q }, "cases_area"},
		{"two areas", func() string {
			q, _, _ := s.listQuery(store.Filter{Areas: []string{"420102", "420103001"}}, 50)
			return q
		}, "cases_area"},
		{"min returns", func() string { q, _, _ := s.listQuery(store.Filter{MinReturns: 2}, 50); return q }, "cases_returns"},
		{"open summons", func() string { q, _, _ := s.listQuery(store.Filter{OpenSummons: true}, 50); return q }, "cases_summons_due"},
		{"low confidence", func() string {
			q, _, _ := s.listQuery(store.Filter{Queue: cases.QueueLowConfidence, States: []cases.State{cases.StateReceived}}, 50)
			return q
		}, "cases_queue"},
		{"parent", func() string { q, _, _ := s.listQuery(store.Filter{Parent: "WH-20261123-000001"}, 50); return q }, "cases_parent"},
		{"parent with state", func() string {
			q, _, _ := s.listQuery(store.Filter{Parent: "WH-20261123-000001", States: []cases.State{cases.StateMerged}}, 50)
			return q
		}, "cases_parent"},
		{"low confidence by due", func() string {
			q, _, _ := s.listQuery(store.Filter{Queue: cases.QueueLowConfidence, ByDue: true}, 50)
			return q
		}, "cases_queue"},
	}
	for _, tt := range tests {
		captured = tt.query()
		n := strings.Count(captured, "?")
		args := make([]any, n)
		for i := range args {
			args[i] = 1
		}
		rows, err := s.rdb.QueryContext(ctx, `EXPLAIN QUERY PLAN `+captured, args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		if !strings.Contains(strings.Join(plan, "; "), "INDEX "+tt.index) {
			t.Errorf("%s: plan %q does not use %s", tt.name, plan, tt.index)
		}
	}
}
