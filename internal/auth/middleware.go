package auth

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
)

// CookieName is the session cookie; CSRFHeader carries the CSRF token.
const (
	CookieName = "yiwang_session"
	CSRFHeader = "X-CSRF-Token"
)

// ProblemBase prefixes the problem types, as the API's (api.ProblemBase).
const ProblemBase = "https://yiwang.dev/problems/"

// The problem types this package answers with.
const (
	ProblemUnauthenticated = ProblemBase + "unauthenticated" // 401 no valid session or token
	ProblemForbidden       = ProblemBase + "forbidden"       // 403 the role may not use the route
	ProblemCSRF            = ProblemBase + "csrf"            // 403 unsafe request without its CSRF token
	ProblemLocked          = ProblemBase + "locked"          // 423 too many failed sign-ins
)

// Middleware authenticates every request (session cookie or bearer API
// token), puts the Principal in its context and enforces the Policy
// table: 401 without a valid session or token on a protected route, 403
// for a cookie-authenticated unsafe method without the CSRF token, 403
// for a role the route does not allow. Public routes pass with or without
// a principal. A failure to read the store is a 503.
func (s *Service) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rule, _ := s.policy.rule(r)
		p, err := s.authenticate(r)
		switch {
		case err == nil:
			outer := r
			r = r.WithContext(WithPrincipal(r.Context(), p))
			// The ServeMux behind sets the matched pattern on the copy;
			// hand it back so that handlers in front (metrics) see it.
			defer func() { outer.Pattern = r.Pattern }()
		case rule.Public:
			// Public: an invalid cookie or token is simply ignored.
		case errors.Is(err, ErrUnauthenticated):
			w.Header().Set("WWW-Authenticate", `Bearer realm="yiwang"`)
			writeProblem(w, r, ProblemUnauthenticated, "Unauthenticated", http.StatusUnauthorized,
				"sign in (POST /api/v1/auth/signin) or send an API token (Authorization: Bearer yw_…)")
			return
		default:
			s.log.ErrorContext(r.Context(), "authentication failed", "path", r.URL.Path, "err", err)
			writeProblem(w, r, ProblemBase+"unavailable", "Service unavailable", http.StatusServiceUnavailable,
				"the user store does not answer; try again")
			return
		}
		if rule.Public {
			next.ServeHTTP(w, r)
			return
		}
		if p.Via == "session" && unsafeMethod(r.Method) {
			got := r.Header.Get(CSRFHeader)
			if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(p.csrf)) != 1 {
				writeProblem(w, r, ProblemCSRF, "CSRF token missing or wrong", http.StatusForbidden,
					"send the csrf_token of your sign-in in the "+CSRFHeader+" header")
				return
			}
		}
		if !rule.allows(p.Roles) {
			writeProblem(w, r, ProblemForbidden, "Forbidden", http.StatusForbidden,
				"your roles may not "+r.Method+" "+r.URL.Path)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// authenticate finds the principal of r: a bearer API token when the
// Authorization header holds one, else the session cookie. The user is
// read on every request, so a disabled user stops at once.
func (s *Service) authenticate(r *http.Request) (Principal, error) {
	ctx := r.Context()
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := parseBearer(h)
		if !ok {
			return Principal{}, ErrUnauthenticated
		}
		login, err := s.tokenLogin(ctx, tok)
		if err != nil {
			return Principal{}, err
		}
		return s.principal(ctx, login, "token", "")
	}
	c, err := r.Cookie(CookieName)
	if err != nil {
		return Principal{}, ErrUnauthenticated
	}
	ss, err := s.session(ctx, c.Value)
	if err != nil {
		return Principal{}, err
	}
	return s.principal(ctx, ss.Login, "session", ss.CSRF)
}

// principal builds the principal of an enabled user.
func (s *Service) principal(ctx context.Context, login, via, csrf string) (Principal, error) {
	u, err := s.GetUser(ctx, login)
	if errors.Is(err, ErrNoSuchUser) {
		return Principal{}, ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, err
	}
	if u.Disabled {
		return Principal{}, ErrUnauthenticated
	}
	p := Principal{Login: u.Login, Name: u.Name, Unit: u.Unit, Roles: u.Roles, Via: via, csrf: csrf}
	s.scope(&p)
	return p, nil
}

// problem is an RFC 9457 problem detail, as the API writes them.
type problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail"`
	Instance string `json:"instance,omitempty"`
	Field    string `json:"field,omitempty"`
}

func writeProblem(w http.ResponseWriter, r *http.Request, typ, title string, status int, detail string) {
	writeFieldProblem(w, r, typ, title, status, "", detail)
}

func writeFieldProblem(w http.ResponseWriter, r *http.Request, typ, title string, status int, field, detail string) {
	body, _ := json.Marshal(problem{Type: typ, Title: title, Status: status, Detail: detail, Instance: r.URL.Path, Field: field})
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(body)
}
