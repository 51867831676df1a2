package api

import (
	"fmt"
	"net/url"
	"slices"
	"testing"

	"yiwang/internal/store"
)

func TestListPagination(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		h := newHarness(t, st)
		var ids []string
		for i := range 7 {
			c := h.create(func(m map[string]any) { m["title"] = fmt.Sprintf("案件 %d", i) })
			ids = append(ids, c.ID)
		}
		slices.Reverse(ids) // newest first
		var got []string
		cursor := ""
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatal("pagination does not end")
			}
			path := "/api/v1/cases?limit=3"
			if cursor != "" {
				path += "&cursor=" + url.QueryEscape(cursor)
			}
			res := decode[listResponse](t, h.do("GET", path, ""))
			if len(res.Cases) > 3 {
				t.Fatalf("page of %d cases, limit 3", len(res.Cases))
			}
			for _, c := range res.Cases {
				got = append(got, c.ID)
			}
			if res.NextCursor == "" {
				break
			}
			cursor = res.NextCursor
		}
		if !slices.Equal(got, ids) {
			t.Fatalf("paged ids = %v, want %v", got, ids)
		}
	})
}

func TestListFilters(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		h := newHarness(t, st)
		a := h.create(func(m map[string]any) { m["title"] = "噪音扰民"; m["channel"] = "web" })
		b := h.create(func(m map[string]any) { m["title"] = "路面坑洼"; m["channel"] = "app" })
		c := h.create(func(m map[string]any) { m["title"] = "井盖缺失" })
		h.transition(b.ID, `{"action":"dispatch","actor":"d","payload":{"unit":"hanyang-cg"}}`)
		h.transition(c.ID, `{"action":"void","actor":"d","payload":{"reason":"重复"}}`)
		tests := []struct {
			query string
			want  []string
		}{
			{"", []string{c.ID, b.ID, a.ID}},
			{"state=received", []string{a.ID}},
			{"state=received,dispatched", []string{b.ID, a.ID}},
			{"state=received&state=voided", []string{c.ID, a.ID}},
			{"channel=web", []string{a.ID}},
			{"channel=web,app", []string{b.ID, a.ID}},
			{"unit=hanyang-cg", []string{b.ID}},
			{"q=" + url.QueryEscape("坑洼"), []string{b.ID}},
			{"category=01", []string{c.ID, b.ID, a.ID}},
			{"category=02", nil},
			{"created_from=" + url.QueryEscape(b.CreatedAt.Format("2006-01-02T15:04:05Z07:00")), []string{c.ID, b.ID}},
			{"created_to=" + url.QueryEscape(b.CreatedAt.Format("2006-01-02T15:04:05Z07:00")), []string{a.ID}},
			{"state=closed", nil},
		}
		for _, tt := range tests {
			res := decode[listResponse](t, h.do("GET", "/api/v1/cases?"+tt.query, ""))
			var got []string
			for _, c := range res.Cases {
				got = append(got, c.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("?%s = %v, want %v", tt.query, got, tt.want)
			}
			if res.Cases == nil {
				t.Errorf("?%s: cases is null, want []", tt.query)
			}
		}
	})
}

func TestListBadParameters(t *testing.T) {
	tests := []struct{ query, field string }{
		{"stat=received", "stat"},
		{"state=open", "state"},
		{"channel=fax", "channel"},
		{"category=999", "category"},
		{"category=01&category=02", "category"},
		{"limit=0", "limit"},
		{"limit=1001", "limit"},
		{"limit=ten", "limit"},
		{"created_from=2026-11-23", "created_from"},
		{"created_from=2026-11-24T00:00:00Z&created_to=2026-11-23T00:00:00Z", "created_to"},
		{"q=%ff", "q"},
		{"cursor=not-a-cursor", "cursor"},
	}
	forEachStore(t, func(t *testing.T, st store.Store) {
		h := newHarness(t, st)
		h.create(nil)
		for _, tt := range tests {
			t.Run(tt.query, func(t *testing.T) {
				wantProblem(t, h.do("GET", "/api/v1/cases?"+tt.query, ""), 400, ProblemInvalidParameter, tt.field)
			})
		}
	})
}

// TestListEmpty checks an empty store lists as an empty array.
func TestListEmpty(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		h := newHarness(t, st)
		rec := h.do("GET", "/api/v1/cases", "")
		if got := rec.Body.String(); got != `{"cases":[]}`+"\n" {
			t.Fatalf("empty list = %s", got)
		}
	})
}
