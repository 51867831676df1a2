package auth

import (
	"context"
	"slices"

	"yiwang/internal/cases"
	"yiwang/internal/dispatch"
	"yiwang/internal/store"
)

// Principal is who made a request: a signed-in user (Via "session") or
// the user of an API token (Via "token"), with the data scope computed
// from the unit directory for this request.
type Principal struct {
	Login, Name, Unit string
	UnitName          string
	Roles             []Role
	Via               string // "session" or "token"

	csrf string // the session's CSRF token
	// all: no data scope restriction (admin, or a territorial view of the
	// whole city).
	all   bool
	units []string // the unit and every unit below it
	areas []string // area code prefixes seen
}

type ctxKey struct{}

// FromContext returns the request's principal (set by Middleware).
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(ctxKey{}).(Principal)
	return p, ok
}

// WithPrincipal returns ctx carrying p (Middleware does this).
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, p)
}

// Has reports whether the principal has role r.
func (p Principal) Has(r Role) bool { return slices.Contains(p.Roles, r) }

// Actor is the login and unit recorded on the events the principal causes.
func (p Principal) Actor() (login, unit string) { return p.Login, p.Unit }

// Scope is the principal's data scope as a list filter; nil means
// unrestricted.
func (p Principal) Scope() *store.Scope {
	if p.all {
		return nil
	}
	return &store.Scope{Units: slices.Clone(p.units), Areas: slices.Clone(p.areas)}
}

// Sees reports whether c is in the principal's data scope: led by its
// unit or a unit below it, or with such a unit as co-unit or summoned
// unit, or located in its areas.
func (p Principal) Sees(c *cases.Case) bool {
	if p.all {
		return true
	}
	sc := store.Scope{Units: p.units, Areas: p.areas}
	if sc.Match(c.Unit, c.Location) {
		return true
	}
	for _, u := range c.CoUnits {
		if slices.Contains(p.units, u) {
			return true
		}
	}
	for _, s := range c.Summons {
		if slices.Contains(p.units, s.Unit) {
			return true
		}
	}
	return false
}

// Reveal reports whether the principal sees reporters' phone numbers and
// e-mail addresses in full (agent, dispatcher, supervisor, and handler —
// whose cases are all in its scope); the other roles see them masked.
func (p Principal) Reveal() bool {
	for _, r := range revealRoles {
		if p.Has(r) {
			return true
		}
	}
	return false
}

// territorial kinds: every user of such a unit sees its areas.
var territorial = []dispatch.Kind{dispatch.KindGovernment, dispatch.KindStreetOffice, dispatch.KindCommunity}

// scope fills p's data scope from the directory: admin sees everything;
// everyone else their unit and the units below it, plus the unit's areas
// for the area roles and territorial units (the city's area: everything).
// A unit missing from the directory (the rules changed) leaves the user
// its own unit code only.
func (s *Service) scope(p *Principal) {
	unit, err := s.units.Unit(p.Unit)
	if err == nil {
		p.UnitName = unit.Name
	}
	if p.Has(RoleAdmin) {
		p.all = true
		return
	}
	p.units = []string{p.Unit}
	if err != nil {
		return
	}
	for i := 0; i < len(p.units) && i < 10000; i++ {
		kids, err := s.units.Children(p.units[i])
		if err != nil {
			continue
		}
		for _, k := range kids {
			if !slices.Contains(p.units, k.Code) {
				p.units = append(p.units, k.Code)
			}
		}
	}
	areaView := slices.Contains(territorial, unit.Kind)
	for _, r := range areaRoles {
		areaView = areaView || p.Has(r)
	}
	if !areaView {
		return
	}
	for _, a := range unit.Areas {
		l, err := dispatch.AreaLevelOf(a)
		switch {
		case err != nil:
			continue
		case l == dispatch.AreaCity:
			p.all = true // the city: every case, located or not
			return
		}
		p.areas = append(p.areas, a)
	}
}

// MayAct reports whether the principal's roles may take a lifecycle
// action (ActionRoles; admin may take every one).
func (p Principal) MayAct(a cases.Action) bool { return mayAct(p.Roles, a) }
