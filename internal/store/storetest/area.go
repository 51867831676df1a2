package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// testAreaCodes checks the area filter on locations whose codes do not nest
// as the hierarchy says (a street outside its district, skipped levels,
// odd characters): it must still match exactly the cases having the code
// at some level, and nothing that merely shares a prefix.
func testAreaCodes(t *testing.T, open Opener) {
	s := open(t, nil)
	locs := []cases.Location{
		{District: "420102", Street: "420102001", Community: "420102001002", Grid: "420102001002G01"},
		{District: "420102", Street: "420102001", Community: "420102001003"},
		{District: "420102", Grid: "420102001002G02"},                 // skipped levels
		{District: "420102", Street: "420103001"},                     // street outside its district
		{District: "420103", Street: "420103001", Grid: "网格 7"},       // not plain ASCII
		{District: "420103", Street: "420103001 ", Community: "4201"}, // trailing space, community above its street
		{Street: "420102001"},
		{},
		{District: "4201020"}, // shares a prefix with 420102
		{District: "~"},
	}
	var all []cases.Case
	for i, l := range locs {
		n := simpleCase(fmt.Sprint("区域 ", i))
		n.Location = l
		all = append(all, mustCreate(t, s, n, t0.Add(time.Duration(i)*time.Minute)))
	}
	slices.Reverse(all)
	has := func(c *cases.Case, areas []string) bool {
		l := c.Location
		for _, a := range areas {
			if a == l.District || a == l.Street || a == l.Community || a == l.Grid {
				return true
			}
		}
		return false
	}
	for _, areas := range [][]string{
		{"420102"}, {"420103"}, {"420102001"}, {"420103001"}, {"420102001002"}, {"420102001002G01"}, {"420102001002G02"},
		{"网格 7"}, {"420103001 "}, {"4201"}, {"42010"}, {"4201020"}, {"~"}, {"420102001", "420103"}, {"none"}, {""},
	} {
		want := oracle(all, func(c *cases.Case) bool { return has(c, areas) })
		if got := listIDs(t, s, store.Filter{Areas: areas}); !slices.Equal(got, want) {
			t.Errorf("areas %q: got %v, want %v", areas, got, want)
		}
	}
	// After a transition the area still answers.
	c := all[len(all)-1]
	mustTransition(t, s, c.ID, cases.Command{Action: cases.ActionNote, Note: "n"}, t0.Add(time.Hour))
	if got := listIDs(t, s, store.Filter{Areas: []string{"420102001002G01"}}); !slices.Equal(got, []string{c.ID}) {
		t.Errorf("grid after a transition: %v, want [%s]", got, c.ID)
	}
}
