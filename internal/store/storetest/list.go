package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// listFixture creates 36 cases with varied fields, one hour apart, and
// returns them oldest first as the store holds them now.
func listFixture(t *testing.T, s store.Store) []cases.Case {
	t.Helper()
	var out []cases.Case
	for i := range 36 {
		district := []string{"420102", "420103"}[i%2]
		street := fmt.Sprintf("%s%03d", district, i%3)
		community := fmt.Sprintf("%s%03d", street, i%2)
		n := cases.NewCase{
			Channel:     []cases.Channel{cases.ChannelHotline, cases.ChannelWeb, cases.ChannelGrid}[i%3],
			Title:       fmt.Sprintf("第 %d 件", i),
			Description: []string{"普通描述", "路灯坏了", "打折 100%_off", "1000 米外 xoff"}[i%4],
			Category:    []string{"01", "0103", "0201", "02", "010305"}[i%5],
			Severity:    cases.SeverityNormal,
			Location:    cases.Location{District: district, Street: street, Community: community, Grid: fmt.Sprintf("%sG%d", community, i%4)},
		}
		if i%6 == 0 {
			n.Title = "Street Light 路灯 " + n.Title
		}
		at := t0.Add(time.Duration(i) * time.Hour)
		c := mustCreate(t, s, n, at)
		switch i % 4 {
		case 1:
			c = mustTransition(t, s, c.ID, cases.Command{Action: cases.ActionDispatch, Payload: cases.Payload{Unit: "u-a"}}, at)
		case 2:
			c = mustTransition(t, s, c.ID, cases.Command{Action: cases.ActionDispatch, Payload: cases.Payload{Unit: "u-b"}}, at)
			c = mustTransition(t, s, c.ID, cases.Command{Action: cases.ActionAccept}, at)
		case 3:
			c = mustTransition(t, s, c.ID, cases.Command{Action: cases.ActionVoid, Payload: cases.Payload{Reason: "重复"}}, at)
		}
		out = append(out, c)
	}
	return out
}

func testListFilters(t *testing.T, open Opener) {
	s := open(t, nil)
	all := listFixture(t, s)
	hasArea := func(c cases.Case, areas ...string) bool {
		l := c.Location
		return slices.Contains(areas, l.District) || slices.Contains(areas, l.Street) || slices.Contains(areas, l.Community) || slices.Contains(areas, l.Grid)
	}
	text := func(sub string) func(cases.Case) bool {
		return func(c cases.Case) bool { return strings.Contains(c.Title, sub) || strings.Contains(c.Description, sub) }
	}
	street, community, grid := all[4].Location.Street, all[5].Location.Community, all[7].Location.Grid
	tests := []struct {
		name string
		f    store.Filter
		want func(cases.Case) bool
	}{
		{"all", store.Filter{}, func(cases.Case) bool { return true }},
		{"state", store.Filter{States: []cases.State{cases.StateDispatched}}, func(c cases.Case) bool { return c.State == cases.StateDispatched }},
		{"states", store.Filter{States: []cases.State{cases.StateReceived, cases.StateAccepted}}, func(c cases.Case) bool {
			return c.State == cases.StateReceived || c.State == cases.StateAccepted
		}},
		{"channel", store.Filter{Channels: []cases.Channel{cases.ChannelGrid}}, func(c cases.Case) bool { return c.Channel == cases.ChannelGrid }},
		{"category prefix 01", store.Filter{Category: "01"}, func(c cases.Case) bool { return strings.HasPrefix(c.Category, "01") }},
		{"category 0103", store.Filter{Category: "0103"}, func(c cases.Case) bool { return strings.HasPrefix(c.Category, "0103") }},
		{"category 02", store.Filter{Category: "02"}, func(c cases.Case) bool { return strings.HasPrefix(c.Category, "02") }},
		{"category wildcard is literal", store.Filter{Category: "0_"}, func(cases.Case) bool { return false }},
		{"unit", store.Filter{Unit: "u-a"}, func(c cases.Case) bool { return c.Unit == "u-a" }},
		{"district", store.Filter{Areas: []string{"420103"}}, func(c cases.Case) bool { return hasArea(c, "420103") }},
		{"street", store.Filter{Areas: []string{street}}, func(c cases.Case) bool { return hasArea(c, street) }},
		{"community", store.Filter{Areas: []string{community}}, func(c cases.Case) bool { return hasArea(c, community) }},
		{"grid", store.Filter{Areas: []string{grid}}, func(c cases.Case) bool { return hasArea(c, grid) }},
		{"two areas", store.Filter{Areas: []string{grid, street}}, func(c cases.Case) bool { return hasArea(c, grid, street) }},
		{"created range", store.Filter{CreatedFrom: t0.Add(5 * time.Hour), CreatedTo: t0.Add(9 * time.Hour)}, func(c cases.Case) bool {
			return !c.CreatedAt.Before(t0.Add(5*time.Hour)) && c.CreatedAt.Before(t0.Add(9*time.Hour))
		}},
		{"created from", store.Filter{CreatedFrom: t0.Add(30 * time.Hour)}, func(c cases.Case) bool { return !c.CreatedAt.Before(t0.Add(30 * time.Hour)) }},
		{"text in title", store.Filter{Text: "路灯"}, text("路灯")},
		{"text ascii", store.Filter{Text: "Light"}, text("Light")},
		{"text with %", store.Filter{Text: "100%"}, text("100%")},
		{"text with _", store.Filter{Text: "_off"}, text("_off")},
		{"text no match", store.Filter{Text: "不存在的词"}, func(cases.Case) bool { return false }},
		{"combined", store.Filter{States: []cases.State{cases.StateReceived, cases.StateDispatched}, Areas: []string{"420102"}, Category: "01"}, func(c cases.Case) bool {
			return (c.State == cases.StateReceived || c.State == cases.StateDispatched) && hasArea(c, "420102") && strings.HasPrefix(c.Category, "01")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []string
			for i := len(all) - 1; i >= 0; i-- {
				if tt.want(all[i]) {
					want = append(want, all[i].ID)
				}
			}
			f := tt.f
			f.Limit = 1000
			page, err := s.List(ctxT(t), f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range page.Cases {
				got = append(got, c.ID)
			}
			if !slices.Equal(got, want) {
				t.Fatalf("got %d cases %v\nwant %d cases %v", len(got), got, len(want), want)
			}
			if page.Next != "" {
				t.Errorf("Next = %q on the only page", page.Next)
			}
			for _, c := range page.Cases {
				if c.ID == all[2].ID {
					requireJSONEq(t, "listed case", c, all[2])
				}
			}
		})
	}
}

func testListPagination(t *testing.T, open Opener) {
	s := open(t, nil)
	// ids and grid record every case in creation order.
	var ids []string
	var grid []bool
	for i := range 45 {
		n := simpleCase(fmt.Sprint("分页 ", i))
		if i%3 == 0 {
			n.Channel = cases.ChannelGrid
		}
		ids = append(ids, mustCreate(t, s, n, t0.Add(time.Duration(i)*time.Minute)).ID)
		grid = append(grid, i%3 == 0)
	}
	tests := []struct {
		name  string
		f     store.Filter
		match func(i int) bool
	}{
		{"all", store.Filter{Limit: 7}, func(int) bool { return true }},
		{"filtered", store.Filter{Limit: 4, Channels: []cases.Channel{cases.ChannelGrid}}, func(i int) bool { return grid[i] }},
		{"exact pages", store.Filter{Limit: 15}, func(int) bool { return true }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []string
			for i := len(ids) - 1; i >= 0; i-- {
				if tt.match(i) {
					want = append(want, ids[i])
				}
			}
			var got []string
			f := tt.f
			for pages := 0; ; pages++ {
				if pages > 100 {
					t.Fatal("pagination does not end")
				}
				page, err := s.List(ctxT(t), f)
				if err != nil {
					t.Fatal(err)
				}
				if len(page.Cases) > f.Limit {
					t.Fatalf("page of %d cases, limit %d", len(page.Cases), f.Limit)
				}
				for _, c := range page.Cases {
					got = append(got, c.ID)
				}
				if page.Next == "" {
					break
				}
				if len(page.Cases) != f.Limit {
					t.Fatalf("short page (%d of %d) with a next cursor", len(page.Cases), f.Limit)
				}
				// New cases arriving between pages must not disturb the walk.
				n := simpleCase("新来的")
				n.Channel = cases.ChannelGrid
				// They are newer than the cursor, so this walk never sees them.
				ids = append(ids, mustCreate(t, s, n, t0).ID)
				grid = append(grid, true)
				f.Cursor = page.Next
			}
			if !slices.Equal(got, want) {
				t.Fatalf("pages visited %v\nwant %v", got, want)
			}
		})
	}
	if _, err := s.List(ctxT(t), store.Filter{Cursor: "not-a-cursor!"}); err == nil {
		t.Error("List accepted a malformed cursor")
	}
	page, err := s.List(ctxT(t), store.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Cases) != 50 || page.Next == "" {
		t.Errorf("default page: %d cases, next %q; want 50 and a cursor", len(page.Cases), page.Next)
	}
}
