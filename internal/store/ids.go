package store

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"yiwang/internal/cases"
)

// ErrExists: Import was given a case id that is already stored, or the same
// id twice.
var ErrExists = fmt.Errorf("case already exists: %w", cases.ErrInvalid)

// IDFormat makes and reads case ids PREFIX-YYYYMMDD-NNNNNN: the creation
// date in Zone (Asia/Shanghai) and a per-day number of six digits at least.
// Every store uses it, so ids look the same whatever keeps them.
type IDFormat struct {
	Prefix string
	Zone   *time.Location
}

// Day is the counter key of a case created at t.
func (f IDFormat) Day(t time.Time) string { return t.In(f.Zone).Format("20060102") }

// Format returns the id of the n-th case of day.
func (f IDFormat) Format(day string, n int64) string {
	return fmt.Sprintf("%s-%s-%06d", f.Prefix, day, n)
}

// Parse returns the day and number of an id in this format.
func (f IDFormat) Parse(id string) (day string, n int64, ok bool) {
	rest, found := strings.CutPrefix(id, f.Prefix+"-")
	if !found {
		return "", 0, false
	}
	day, num, found := strings.Cut(rest, "-")
	if !found || len(day) != 8 || len(num) < 6 || strings.Trim(num, "0123456789") != "" {
		return "", 0, false
	}
	if _, err := time.Parse("20060102", day); err != nil {
		return "", 0, false
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return "", 0, false
	}
	return day, n, true
}

// Time is how stores keep times: UTC, to the microsecond (PostgreSQL's
// precision), so every store returns the same instants.
func Time(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// Imported is one history ready to be stored by Import.
type Imported struct {
	Case   cases.Case
	Events []cases.Event
}

// PrepareImport checks histories as every store's Import must: none empty,
// each replays cleanly, no id twice. It returns them with times as stores
// keep them and positions cleared; errors wrap cases.ErrInvalid (ErrExists
// for a repeated id).
func PrepareImport(histories [][]cases.Event) ([]Imported, error) {
	out := make([]Imported, 0, len(histories))
	seen := make(map[string]bool, len(histories))
	for i, h := range histories {
		if len(h) == 0 {
			return nil, fmt.Errorf("import: history %d is empty: %w", i, cases.ErrInvalid)
		}
		evs := make([]cases.Event, len(h))
		for j, e := range h {
			e.At = Time(e.At)
			e.Pos = 0
			evs[j] = e
		}
		c, err := cases.Replay(evs)
		if err != nil {
			return nil, fmt.Errorf("import: history %d (case %s): %w: %w", i, h[0].CaseID, cases.ErrInvalid, err)
		}
		if seen[c.ID] {
			return nil, fmt.Errorf("import: case %s appears twice: %w", c.ID, ErrExists)
		}
		seen[c.ID] = true
		out = append(out, Imported{Case: c, Events: evs})
	}
	return out, nil
}
