package store

import (
	"strings"

	"yiwang/internal/cases"
)

// Scope is a data scope for Filter: a case matches when its lead unit is
// one of Units, or when its deepest area code (grid, community, street or
// district) begins with one of Areas (area code prefixes: "420102" is a
// district and everything in it, "4201" the whole city).
type Scope struct {
	Units []string
	Areas []string
}

// Match reports whether a case with lead unit and location loc is in sc.
func (sc *Scope) Match(unit string, loc cases.Location) bool {
	for _, u := range sc.Units {
		if u == unit {
			return true
		}
	}
	for _, code := range [4]string{loc.District, loc.Street, loc.Community, loc.Grid} {
		if code == "" {
			continue
		}
		for _, a := range sc.Areas {
			if a != "" && strings.HasPrefix(code, a) {
				return true
			}
		}
	}
	return false
}
