package sqlstore

import (
	"strings"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// Area codes are hierarchical: a street's code begins with its district's,
// a community's with its street's, a grid's with its community's. So one
// column, area, holding a case's deepest code, answers "district, street,
// community or grid is X" with one index range, area >= X AND area < X+"~",
// refined by an exact comparison on the four (unindexed) code columns. A
// location whose codes break that rule (a code not beginning with the one
// above it, or a character outside '!'..'}', which could fall outside the
// range) is stored as brokenArea and matched by the exact comparison alone.

// brokenArea marks a location whose codes do not nest.
const brokenArea = "*"

// areaKey returns the area column of l: its deepest code, "" when it has
// none, brokenArea when its codes do not nest.
func areaKey(l *cases.Location) string {
	deepest := ""
	for _, code := range [4]string{l.District, l.Street, l.Community, l.Grid} {
		if code == "" {
			continue
		}
		if !strings.HasPrefix(code, deepest) || !plainCode(code) {
			return brokenArea
		}
		deepest = code
	}
	return deepest
}

// plainCode reports whether every byte of code lies in '!'..'}'.
func plainCode(code string) bool {
	for i := 0; i < len(code); i++ {
		if code[i] < '!' || code[i] > '}' {
			return false
		}
	}
	return true
}

// areaFilter returns the WHERE condition and arguments of Filter.Areas.
func areaFilter(areas []string) (string, []any) {
	var terms []string
	var args []any
	exact := func(v string) string {
		args = append(args, v, v, v, v)
		return `(district = ? OR street = ? OR community = ? OR grid = ?)`
	}
	var exacts []string
	for _, v := range areas {
		if v == "" {
			// Matches cases lacking some code: no index helps.
			terms = append(terms, exact(v))
			continue
		}
		args = append(args, v, v+"~")
		terms = append(terms, `(area >= ? AND area < ? AND `+exact(v)+`)`)
	}
	args = append(args, brokenArea)
	for _, v := range areas {
		exacts = append(exacts, exact(v))
	}
	terms = append(terms, `(area = ? AND (`+strings.Join(exacts, ` OR `)+`))`)
	return `(` + strings.Join(terms, ` OR `) + `)`, args
}

// scopeFilter returns the WHERE condition and arguments of Filter.Scope:
// lead unit in the set, or the area column (the deepest code) within one
// of the prefixes' ranges; a broken location is matched by its four codes.
func scopeFilter(sc *store.Scope) (string, []any) {
	terms := []string{`0 = 1`}
	var args []any
	if len(sc.Units) > 0 {
		terms = append(terms, `unit IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(sc.Units)), ", ")+`)`)
		for _, u := range sc.Units {
			args = append(args, u)
		}
	}
	for _, a := range sc.Areas {
		if a == "" {
			continue
		}
		terms = append(terms, `(area >= ? AND area < ?)`,
			`(area = ? AND (district LIKE ? ESCAPE '\' OR street LIKE ? ESCAPE '\' OR community LIKE ? ESCAPE '\' OR grid LIKE ? ESCAPE '\'))`)
		p := escapeLike(a) + "%"
		args = append(args, a, a+"~", brokenArea, p, p, p, p)
	}
	return `(` + strings.Join(terms, ` OR `) + `)`, args
}
