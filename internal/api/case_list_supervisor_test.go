package api

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"yiwang/internal/store"
)

// TestListSupervisorFilters checks the supervisor's lists: overdue (open
// cases whose pending deadline passed) and open_summons (open cases with a
// summoned unit that has not reported), alone, combined with other filters,
// in either order (sort=due: earliest deadline first), and paged with the
// cursor.
func TestListSupervisorFilters(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		var mu sync.Mutex
		now := t0
		setNow := func(at time.Time) { mu.Lock(); now = at; mu.Unlock() }
		h := newHarness(t, st, func(o *Options) {
			o.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		})
		at := func(hours int) string { return t0.Add(time.Duration(hours) * time.Hour).Format(time.RFC3339) }
		dispatch := func(id string, resolveHours int) {
			h.transition(id, fmt.Sprintf(`{"action":"dispatch","actor":"d","payload":{"unit":"hanyang-cg","deadlines":{"resolve":%q}}}`, at(resolveHours)))
		}
		summon := func(id string, dueHours int, units string) {
			h.transition(id, fmt.Sprintf(`{"action":"summon","actor":"d","payload":{"units":[%s],"due":%q}}`, units, at(dueHours)))
		}
		fresh := h.create(nil)  // received, nothing running
		late := h.create(nil)   // resolve deadline t0+1h
		later := h.create(nil)  // resolve deadline t0+5h
		called := h.create(nil) // summoned s1, report due t0+2h
		done := h.create(nil)   // summoned s1 and s2, both reported
		voided := h.create(nil) // overdue and summoned, then voided
		dispatch(late.ID, 1)
		dispatch(later.ID, 5)
		summon(called.ID, 2, `"s1"`)
		summon(done.ID, 2, `"s1","s2"`)
		for _, u := range []string{"s1", "s2"} {
			h.transition(done.ID, fmt.Sprintf(`{"action":"report","actor":"%s","payload":{"unit":%q}}`, u, u))
		}
		dispatch(voided.ID, 1)
		summon(voided.ID, 2, `"s3"`)
		h.transition(voided.ID, `{"action":"void","actor":"d","payload":{"reason":"重复"}}`)

		list := func(query string) []string {
			t.Helper()
			var got []string
			cursor := ""
			for pages := 0; ; pages++ {
				if pages > 10 {
					t.Fatal("pagination does not end")
				}
				path := "/api/v1/cases?limit=1&" + query
				if cursor != "" {
					path += "&cursor=" + url.QueryEscape(cursor)
				}
				rec := h.do("GET", path, "")
				if rec.Code != http.StatusOK {
					t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
				}
				res := decode[listResponse](t, rec)
				for _, c := range res.Cases {
					got = append(got, c.ID)
				}
				if res.NextCursor == "" {
					return got
				}
				cursor = res.NextCursor
			}
		}
		tests := []struct {
			now   int // hours after t0
			query string
			want  []string
		}{
			{0, "overdue=true", nil},
			{0, "open_summons=true", []string{called.ID}},
			{0, "open_summons=false", []string{voided.ID, done.ID, called.ID, later.ID, late.ID, fresh.ID}},
			{2, "overdue=true", []string{late.ID}},
			{3, "overdue=true", []string{called.ID, late.ID}},
			{6, "overdue=true", []string{called.ID, later.ID, late.ID}},
			{6, "overdue=true&state=dispatched", []string{later.ID, late.ID}},
			{6, "overdue=true&open_summons=true", []string{called.ID}},
			{6, "overdue=false", []string{voided.ID, done.ID, called.ID, later.ID, late.ID, fresh.ID}},
			{6, "open_summons=true&unit=hanyang-cg", nil},
			{0, "sort=due", []string{late.ID, called.ID, later.ID, fresh.ID, done.ID, voided.ID}},
			{6, "overdue=true&sort=due", []string{late.ID, called.ID, later.ID}},
			{6, "sort=newest&overdue=true", []string{called.ID, later.ID, late.ID}},
		}
		for _, tt := range tests {
			setNow(t0.Add(time.Duration(tt.now) * time.Hour))
			if got := list(tt.query); !slices.Equal(got, tt.want) {
				t.Errorf("at t0+%dh %s: got %v, want %v", tt.now, tt.query, got, tt.want)
			}
		}
	})
}

func TestListSupervisorFiltersRefuse(t *testing.T) {
	h := newHarness(t, newFakeStore())
	for _, tt := range []struct{ query, field string }{
		{"overdue=yes", "overdue"},
		{"overdue=1", "overdue"},
		{"overdue=true&overdue=true", "overdue"},
		{"open_summons=TRUE", "open_summons"},
		{"open_summons=on", "open_summons"},
		{"sort=oldest", "sort"},
		{"sort=due&sort=due", "sort"},
	} {
		t.Run(tt.query, func(t *testing.T) {
			wantProblem(t, h.do("GET", "/api/v1/cases?"+tt.query, ""), http.StatusBadRequest, ProblemInvalidParameter, tt.field)
		})
	}
	// An empty value is no filter, like an absent parameter.
	if rec := h.do("GET", "/api/v1/cases?open_summons=&overdue=", ""); rec.Code != http.StatusOK {
		t.Fatalf("empty flags: %d %s", rec.Code, rec.Body)
	}
}
