package workflow

import (
	"context"
	"slices"

	"yiwang/internal/cases"
	"yiwang/internal/dispatch"
)

// UnitSuggestion is a type of unit likely to handle a message and, where
// the directory in force has a unit of that type for the message's place,
// that unit.
type UnitSuggestion struct {
	// Type is the unit type (教育, 街道乡镇, 公安 …, package nlp/unit).
	Type string `json:"type"`
	// Confidence is the router's calibrated probability of Type.
	Confidence float64 `json:"confidence"`
	// Terms are the words and cues that drove the suggestion.
	Terms []string `json:"terms,omitempty"`
	// Unit and UnitName are the directory's unit of Type whose
	// jurisdiction covers the message's place most narrowly; empty when
	// no place is known or the directory has no unit of that type there.
	Unit     string `json:"unit,omitempty"`
	UnitName string `json:"unit_name,omitempty"`
}

// UnitRouter proposes the unit types of a message, most probable first
// (Type, Confidence and Terms set).
type UnitRouter interface {
	RouteUnits(title, body string) []UnitSuggestion
}

type unitRouting struct {
	r UnitRouter
	// types maps a directory unit's kind to a unit type ("" or absent:
	// none).
	types map[dispatch.Kind]string
}

// SetUnitRouter switches unit suggestions on (r not nil) or off; types
// maps the directory's unit kinds to the router's unit types. A node that
// trains its router in the background calls it when the router is ready.
func (w *Workflow) SetUnitRouter(r UnitRouter, types map[dispatch.Kind]string) {
	if r == nil {
		w.units.Store(nil)
		return
	}
	w.units.Store(&unitRouting{r: r, types: types})
}

// SuggestUnits returns the router's top three unit types of a message,
// each with the unit of the directory in force that would handle it at
// loc; false when no router is set (yet).
func (w *Workflow) SuggestUnits(title, body string, loc cases.Location) ([]UnitSuggestion, bool) {
	ur := w.units.Load()
	if ur == nil {
		return nil, false
	}
	out := slices.Clone(ur.r.RouteUnits(title, body))
	out = out[:min(3, len(out))]
	if area := deepestArea(loc); area != "" {
		dir := w.Engine().Directory()
		for i := range out {
			if u, ok := unitFor(dir, ur.types, out[i].Type, area); ok {
				out[i].Unit, out[i].UnitName = u.Code, u.Name
			}
		}
	}
	return out, true
}

// deepestArea is the most precise area code of a location ("" if none).
func deepestArea(loc cases.Location) string {
	for _, a := range []string{loc.Grid, loc.Community, loc.Street, loc.District} {
		if a != "" {
			return a
		}
	}
	return ""
}

// unitFor returns the unit of type typ whose jurisdiction covers area
// most narrowly (the deepest covering area level: a district's branch
// before the city's bureau; the smallest unit code on ties).
func unitFor(dir *dispatch.Directory, types map[dispatch.Kind]string, typ, area string) (dispatch.Unit, bool) {
	var best dispatch.Unit
	bestLevel := dispatch.AreaLevel(-1)
	for _, u := range dir.Units() {
		if typ == "" || types[u.Kind] != typ {
			continue
		}
		for _, a := range u.Areas {
			l, err := dispatch.AreaLevelOf(a)
			if err != nil || !dispatch.CoversArea(a, area) {
				continue
			}
			if l > bestLevel || l == bestLevel && u.Code < best.Code {
				best, bestLevel = u, l
			}
		}
	}
	return best, bestLevel >= 0
}

// UnitCase is a closed case with the kind of the unit that handled it.
type UnitCase struct {
	ID          string        `json:"id"`
	Title       string        `json:"title"`
	Description string        `json:"description"`
	Unit        string        `json:"unit"`
	Kind        dispatch.Kind `json:"kind"`
}

// ClosedUnitCases returns up to limit closed cases (结案) with the kind of
// the unit they were with when closed (the handling unit), newest first:
// the platform's own history as labelled data for the unit router. Cases
// carrying any of skipTags, without a unit, or whose unit the directory in
// force does not know are left out.
func (w *Workflow) ClosedUnitCases(ctx context.Context, limit int, skipTags ...string) ([]UnitCase, error) {
	var out []UnitCase
	if limit <= 0 {
		return nil, nil
	}
	dir := w.Engine().Directory()
	err := w.eachClosed(ctx, skipTags, func(c cases.Case) bool {
		if c.Unit == "" {
			return true
		}
		if u, err := dir.Unit(c.Unit); err == nil {
			out = append(out, UnitCase{ID: c.ID, Title: c.Title, Description: c.Description, Unit: c.Unit, Kind: u.Kind})
		}
		return len(out) < limit
	})
	return out, err
}
