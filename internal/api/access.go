package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// Caller is the signed-in principal of a request as the API needs it
// (auth.Principal implements it). The authorisation middleware in front
// of the API has already refused requests without one on protected routes
// and roles the route does not allow; the API applies the data scope.
type Caller interface {
	// Actor is the login and unit recorded on the events the caller causes.
	Actor() (login, unit string)
	// Sees reports whether a case is in the caller's data scope.
	Sees(c *cases.Case) bool
	// Scope is the data scope as a list filter; nil means unrestricted.
	Scope() *store.Scope
	// Reveal reports whether the caller sees reporters' contact details.
	Reveal() bool
	// MayAct reports whether the caller's role may take a lifecycle
	// action (on a case in its scope).
	MayAct(a cases.Action) bool
}

// caller returns the request's caller, when the API has Options.Auth and
// someone signed in.
func (s *Server) caller(ctx context.Context) (Caller, bool) {
	if s.auth == nil {
		return nil, false
	}
	c, ok := s.auth(ctx)
	if !ok || c == nil {
		return nil, false
	}
	return c, true
}

// sees reports whether the request's caller may see c (true without
// a caller: open API, or a public route).
func (s *Server) sees(ctx context.Context, c *cases.Case) bool {
	cl, ok := s.caller(ctx)
	return !ok || cl.Sees(c)
}

// restrict adds the caller's data scope to a list filter.
func (s *Server) restrict(ctx context.Context, f *store.Filter) {
	if cl, ok := s.caller(ctx); ok {
		f.Scope = cl.Scope()
	}
}

// lookupScoped is lookup for the single-case routes: a case outside the
// caller's scope is store.ErrNotFound, answered exactly as a missing one.
func (s *Server) lookupScoped(ctx context.Context, id string) (cases.Case, error) {
	c, err := s.lookup(ctx, id)
	if err != nil {
		return c, err
	}
	if !s.sees(ctx, &c) {
		return cases.Case{}, store.ErrNotFound
	}
	return c, nil
}

// actorOf returns the actor and unit of the events a request causes: the
// caller's, whatever the client sent, when someone signed in.
func (s *Server) actorOf(r *http.Request, actor, unit string) (string, string) {
	if cl, ok := s.caller(r.Context()); ok {
		return cl.Actor()
	}
	return actor, unit
}

// callerWriter records the caller as the actor of every create and
// transition made on its behalf (requests without one are unchanged).
type callerWriter struct {
	s    *Server
	next caseWriter
}

func (w callerWriter) Create(ctx context.Context, req store.CreateRequest) (cases.Case, bool, error) {
	if cl, ok := w.s.caller(ctx); ok {
		req.Actor, req.Unit = cl.Actor()
	}
	return w.next.Create(ctx, req)
}

func (w callerWriter) Transition(ctx context.Context, req store.TransitionRequest) (cases.Case, cases.Event, error) {
	if cl, ok := w.s.caller(ctx); ok {
		req.Command.Actor, req.Command.Unit = cl.Actor()
	}
	return w.next.Transition(ctx, req)
}

// situationArea keeps a signed-in caller's situation screen to its areas:
// no area given means its unit's first area; an area outside them, or a
// caller whose unit has no area view (a handling unit), is 403. Without a
// caller, or for one who sees everything, code is returned as given.
func (s *Server) situationArea(r *http.Request, code string) (string, error) {
	cl, ok := s.caller(r.Context())
	if !ok {
		return code, nil
	}
	sc := cl.Scope()
	if sc == nil {
		return code, nil
	}
	if len(sc.Areas) == 0 {
		return "", newProblem(ProblemForbidden, http.StatusForbidden, "area",
			"the situation screen shows areas; your unit has none in your roles' view")
	}
	if code == "" {
		return sc.Areas[0], nil
	}
	for _, a := range sc.Areas {
		if strings.HasPrefix(code, a) {
			return code, nil
		}
	}
	return "", newProblem(ProblemForbidden, http.StatusForbidden, "area",
		fmt.Sprintf("area %q is outside your unit's areas %v", code, sc.Areas))
}

// authRoute serves the identity routes (/api/v1/auth/…) with
// Options.AuthRoutes; without it they answer 404.
func (s *Server) authRoute(w http.ResponseWriter, r *http.Request) {
	if s.authRoutes == nil {
		s.fail(w, r, newProblem(ProblemNotFound, http.StatusNotFound, "", "there is nothing at "+r.URL.Path+": this server has no sign-in"))
		return
	}
	s.authRoutes.ServeHTTP(w, r)
}

// Patterns lists the API's route patterns ("GET /api/v1/cases"), for
// the authorisation layer's tests to check every route.
func (s *Server) Patterns() []string {
	var out []string
	for _, rt := range s.routes() {
		out = append(out, rt.pattern())
	}
	return out
}
