package auth

import (
	"fmt"
	"net/http"
	"path"
	"slices"
	"strings"
)

// Rule says who may use a route: everyone (Public), any signed-in
// principal (Roles nil), or the principals with one of Roles.
type Rule struct {
	Public bool
	Roles  []Role
}

var (
	public = Rule{Public: true}
	// signedIn: any valid session or token.
	signedIn = Rule{}
	// staff: every role but device.
	staff = Rule{Roles: []Role{RoleAdmin, RoleDispatcher, RoleHandler, RoleSupervisor, RoleAgent, RoleInspector, RoleCommander, RoleAnalyst}}
	// overview: the roles reading the city's rules, statistics and stream.
	overview  = Rule{Roles: []Role{RoleAdmin, RoleDispatcher, RoleSupervisor, RoleCommander, RoleAnalyst}}
	adminOnly = Rule{Roles: []Role{RoleAdmin}}
)

func roles(rs ...Role) Rule { return Rule{Roles: rs} }

// Policy is the platform's access table, role × route, keyed by the
// routes' ServeMux patterns. A request to /api/ or /sense/ that matches
// no pattern needs a signed-in principal (and then gets the API's 404 or
// 405); anything else unmatched (the console's files, /metrics) is public.
// The platform's tests check that every API route has an entry.
var Policy = map[string]Rule{
	// Cases.
	"POST /api/v1/cases":                    roles(RoleAdmin, RoleDispatcher, RoleAgent, RoleInspector, RoleDevice),
	"GET /api/v1/cases":                     staff,
	"GET /api/v1/cases/{id}":                staff,
	"POST /api/v1/cases/{id}/transitions":   roles(RoleAdmin, RoleDispatcher, RoleHandler, RoleSupervisor, RoleAgent, RoleCommander),
	"GET /api/v1/cases/{id}/history":        staff,
	"GET /api/v1/cases/{id}/actions":        staff,
	"GET /api/v1/cases/{id}/dispatch":       staff,
	"POST /api/v1/cases/{id}/calls":         roles(RoleAdmin, RoleAgent, RoleDispatcher, RoleSupervisor),
	"GET /api/v1/dispatch/rules":            overview,
	"PUT /api/v1/dispatch/rules":            adminOnly,
	"GET /api/v1/dispatch/units":            signedIn,
	"GET /api/v1/dispatch/returns":          overview,
	"GET /api/v1/categories":                signedIn,
	"POST /api/v1/hotline/cases":            roles(RoleAdmin, RoleAgent, RoleDispatcher),
	"GET /api/v1/hotline/context":           roles(RoleAdmin, RoleAgent, RoleDispatcher, RoleSupervisor),
	"POST /api/v1/grid/reports":             roles(RoleAdmin, RoleInspector),
	"POST /api/v1/enterprise/requests":      public,
	"GET /api/v1/enterprise/{code}/cases":   roles(RoleAdmin, RoleDispatcher, RoleSupervisor, RoleAgent, RoleHandler, RoleCommander, RoleAnalyst),
	"GET /api/v1/public/cases/{id}":         public,
	"POST /api/v1/public/cases/{id}/rating": public,
	"GET /api/v1/attachments/{sha256}":      staff,
	"GET /api/v1/situation":                 staff,
	"GET /api/v1/geo/areas":                 staff,
	"GET /api/v1/hotspots":                  staff,
	"GET /api/hotspots":                     staff,
	"GET /api/v1/stream":                    staff, // each caller gets the events of the cases it sees
	"POST /api/v1/suggest":                  roles(RoleAdmin, RoleDispatcher, RoleAgent, RoleInspector),
	"GET /api/v1/nlp/corrections":           overview,
	"GET /api/v1/nlp/model":                 overview,
	"PUT /api/v1/nlp/model":                 adminOnly,
	"POST /api/v1/nlp/retrain":              adminOnly,
	"POST /api/v1/review":                   roles(RoleAdmin, RoleDispatcher, RoleSupervisor, RoleAgent, RoleHandler),
	"GET /healthz":                          public,
	"GET /openapi.json":                     public,
	// Identity and access.
	"POST /api/v1/auth/signin":         public,
	"POST /api/v1/auth/signout":        signedIn,
	"GET /api/v1/auth/me":              signedIn,
	"GET /api/v1/auth/users":           adminOnly,
	"POST /api/v1/auth/users":          adminOnly,
	"GET /api/v1/auth/users/{login}":   adminOnly,
	"PATCH /api/v1/auth/users/{login}": adminOnly,
	"POST /api/v1/auth/tokens":         adminOnly,
	"DELETE /api/v1/auth/tokens/{id}":  adminOnly,
	"GET /api/v1/auth/audit":           adminOnly,
	// City vital signs (城市体征).
	"POST /sense/v1/write":                roles(RoleAdmin, RoleDevice),
	"GET /sense/v1/stats":                 staff,
	"GET /sense/v1/alarms":                staff,
	"POST /sense/v1/alarms/{id}/ack":      roles(RoleAdmin, RoleDispatcher, RoleSupervisor, RoleCommander, RoleHandler),
	"GET /sense/v1/sensors/{id}/readings": staff,
	"GET /sense/v1/sensors":               staff,
	"GET /sense/v1/sensors/{id}":          staff,
	"PUT /sense/v1/sensors":               adminOnly,
	"POST /sense/v1/sensors":              adminOnly,
	"DELETE /sense/v1/sensors/{id}":       adminOnly,
	"GET /sense/v1/rules":                 staff,
	"PUT /sense/v1/rules":                 adminOnly,
	"GET /sense/v1/latest":                staff,
	"GET /sense/v1/indices":               staff,
	"PUT /sense/v1/indices":               adminOnly,
	"GET /sense/v1/indices/values":        staff,
	"GET /sense/v1/indices/stream":        staff,
	// Open311 (/open311/v2/), the console's files and /metrics are public
	// by default (unmatched, outside /api/ and /sense/).
}

// policy finds a request's rule.
type policy struct {
	mux   *http.ServeMux
	rules map[string]Rule
}

func newPolicy(table map[string]Rule) (*policy, error) {
	p := &policy{mux: http.NewServeMux(), rules: table}
	for pattern, rule := range table {
		for _, r := range rule.Roles {
			if !r.Valid() {
				return nil, fmt.Errorf("policy %q: unknown role %q", pattern, r)
			}
		}
		if err := register(p.mux, pattern); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// register adds pattern to mux, turning ServeMux's panic on a bad or
// conflicting pattern into an error.
func register(mux *http.ServeMux, pattern string) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("policy pattern %q: %v", pattern, v)
		}
	}()
	mux.Handle(pattern, http.NotFoundHandler())
	return nil
}

// rule returns the rule for r and the pattern it matched ("" when none).
func (p *policy) rule(r *http.Request) (Rule, string) {
	_, pattern := p.mux.Handler(r)
	if rule, ok := p.rules[pattern]; ok {
		return rule, pattern
	}
	// Clean first: "/x/../api/v1/…" is an /api/ path too.
	if p := path.Clean("/" + r.URL.Path); strings.HasPrefix(p+"/", "/api/") || strings.HasPrefix(p+"/", "/sense/") {
		return signedIn, ""
	}
	return public, ""
}

// allows reports whether a principal with roles may use the route.
func (rule Rule) allows(roles []Role) bool {
	if rule.Roles == nil {
		return true
	}
	for _, r := range roles {
		if slices.Contains(rule.Roles, r) {
			return true
		}
	}
	return false
}
