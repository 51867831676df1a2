package demo

import (
	"math/rand/v2"
	"slices"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/dispatch"
)

// RouteQuery is what a Router needs to pick a unit.
type RouteQuery struct {
	Category string
	Location cases.Location
	Severity cases.Severity
	At       time.Time
}

// Assignment is a routing outcome.
type Assignment struct {
	Lead   string
	Co     []string
	RuleID string // "" when the unit was picked by a fallback
}

// Router picks the units of a demo case.
type Router interface {
	// Route returns the lead (and co) units for q; Lead is never empty.
	Route(q RouteQuery) Assignment
	// Misroute returns another plausible unit than lead (for demo returns
	// 退单), or "" when there is none.
	Misroute(q RouteQuery, lead string, r *rand.Rand) string
}

// FallbackRouter routes without the dispatch rules: one GENERATED unit code
// per first-level category and district ("demo.<kind>.<district>"). Use it
// when the dispatch engine is not available.
type FallbackRouter struct{}

// fallbackKinds maps the level-1 category codes of the default taxonomy to
// a unit kind slug.
var fallbackKinds = map[string]string{
	"01": "zhujian", "02": "zhengwu", "03": "ziran", "04": "shengtai", "05": "jiwei",
	"06": "jiaotong", "07": "fagai", "08": "jingxin", "09": "minzheng", "10": "nongye",
	"11": "shangwu", "12": "weijian", "13": "sifa", "14": "jiaoyu", "15": "renshe",
}

// Route implements Router.
func (FallbackRouter) Route(q RouteQuery) Assignment {
	return Assignment{Lead: fallbackUnit(q.Category, q.Location.District)}
}

// Misroute implements Router: the unit of a random other category.
func (FallbackRouter) Misroute(q RouteQuery, lead string, r *rand.Rand) string {
	codes := make([]string, 0, len(fallbackKinds))
	for c := range fallbackKinds {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	for range 5 {
		if u := fallbackUnit(codes[r.IntN(len(codes))], q.Location.District); u != lead {
			return u
		}
	}
	return ""
}

func fallbackUnit(category, district string) string {
	kind := "zhengfu"
	if len(category) >= 2 {
		if k, ok := fallbackKinds[category[:2]]; ok {
			kind = k
		}
	}
	if district == "" {
		district = "420100"
	}
	return "demo." + kind + "." + district
}

// dispatchRouter routes with the dispatch engine.
type dispatchRouter struct {
	e     *dispatch.Engine
	units []dispatch.Unit
	// manual is the unit taking cases no rule covers (the city government).
	manual string
}

// DispatchRouter returns a Router over the dispatch engine. Cases no rule
// covers (Decision.Manual) go to the root unit of the directory, as a
// dispatcher would send them by hand.
func DispatchRouter(e *dispatch.Engine) Router {
	d := &dispatchRouter{e: e, units: e.Directory().Units()}
	for _, u := range d.units {
		if u.Parent == "" {
			d.manual = u.Code
			break
		}
	}
	return d
}

func (d *dispatchRouter) Route(q RouteQuery) Assignment {
	l := q.Location
	var chain []string
	for _, c := range []string{l.District, l.Street, l.Community, l.Grid} {
		if c != "" {
			chain = append(chain, c)
		}
	}
	dec := d.e.Decide(dispatch.Query{Category: q.Category, Chain: chain, Severity: dispatch.Severity(q.Severity), At: q.At})
	if dec.Manual || dec.Lead == "" {
		return Assignment{Lead: d.manual}
	}
	return Assignment{Lead: dec.Lead, Co: slices.Clone(dec.Co), RuleID: dec.RuleID}
}

// Misroute picks another unit whose jurisdiction covers or lies in the
// case's district.
func (d *dispatchRouter) Misroute(q RouteQuery, lead string, r *rand.Rand) string {
	district := q.Location.District
	if district == "" {
		return ""
	}
	var cands []string
	for _, u := range d.units {
		if u.Code == lead || u.Parent == "" {
			continue
		}
		for _, a := range u.Areas {
			if a == district || dispatch.CoversArea(district, a) {
				cands = append(cands, u.Code)
				break
			}
		}
	}
	if len(cands) == 0 {
		return ""
	}
	return cands[r.IntN(len(cands))]
}
