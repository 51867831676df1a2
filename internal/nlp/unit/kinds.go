package unit

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"slices"
)

// kindsCSV maps the platform's dispatch unit kinds (dispatch.Kinds) to the
// unit types of this package: kind, unit_type ("" when none corresponds),
// note. It is data so that a new kind is one more row.
//
//go:embed kinds.csv
var kindsCSV []byte

// KindTypes returns the unit type of each dispatch unit kind in kinds.csv,
// "" for the kinds listed without one. It fails only if the embedded table is malformed or names a
// type TypeOf cannot return.
func KindTypes() (map[string]string, error) {
	recs, err := csv.NewReader(bytes.NewReader(kindsCSV)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("kinds.csv: %w", err)
	}
	if len(recs) == 0 || !slices.Equal(recs[0], []string{"kind", "unit_type", "note"}) {
		return nil, fmt.Errorf("kinds.csv: header is not kind,unit_type,note")
	}
	known := Types()
	out := map[string]string{}
	for i, r := range recs[1:] {
		if r[0] == "" {
			return nil, fmt.Errorf("kinds.csv line %d: empty kind", i+2)
		}
		if _, dup := out[r[0]]; dup {
			return nil, fmt.Errorf("kinds.csv line %d: kind %s twice", i+2, r[0])
		}
		if r[1] != "" && !slices.Contains(known, r[1]) {
			return nil, fmt.Errorf("kinds.csv line %d: unknown unit type %q", i+2, r[1])
		}
		out[r[0]] = r[1]
	}
	return out, nil
}
