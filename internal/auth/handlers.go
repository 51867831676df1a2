package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"yiwang/internal/store"
)

// maxAuthBody caps the bodies of the auth routes.
const maxAuthBody = 64 << 10

// Handler serves the routes under /api/v1/auth/ (mount it behind
// Middleware, which enforces who may use them).
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/auth/signin", s.signIn)
	mux.HandleFunc("POST /api/v1/auth/signout", s.signOut)
	mux.HandleFunc("GET /api/v1/auth/me", s.me)
	mux.HandleFunc("GET /api/v1/auth/users", s.listUsers)
	mux.HandleFunc("POST /api/v1/auth/users", s.createUserRoute)
	mux.HandleFunc("GET /api/v1/auth/users/{login}", s.getUser)
	mux.HandleFunc("PATCH /api/v1/auth/users/{login}", s.patchUser)
	mux.HandleFunc("POST /api/v1/auth/tokens", s.createTokenRoute)
	mux.HandleFunc("DELETE /api/v1/auth/tokens/{id}", s.revokeToken)
	mux.HandleFunc("GET /api/v1/auth/audit", s.auditRoute)
	mux.HandleFunc("/api/v1/auth/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, r, ProblemBase+"not-found", "Not found", http.StatusNotFound, "there is nothing at "+r.URL.Path)
	})
	return mux
}

// UserView is a user as the API shows it (never the password hash).
type UserView struct {
	Login       string     `json:"login"`
	Name        string     `json:"name"`
	Unit        string     `json:"unit"`
	UnitName    string     `json:"unit_name"`
	Roles       []Role     `json:"roles"`
	Disabled    bool       `json:"disabled,omitempty"`
	LockedUntil *time.Time `json:"locked_until,omitempty"`
	Failures    int        `json:"failures,omitempty"`
	CreatedAt   *time.Time `json:"created_at,omitempty"`
}

// sessionResponse is the body of sign-in and /me.
type sessionResponse struct {
	User      UserView `json:"user"`
	CSRFToken string   `json:"csrf_token"`
}

func (s *Service) unitName(code string) string {
	if u, err := s.units.Unit(code); err == nil {
		return u.Name
	}
	return code
}

func (s *Service) view(u User, admin bool) UserView {
	v := UserView{Login: u.Login, Name: u.Name, Unit: u.Unit, UnitName: s.unitName(u.Unit), Roles: u.Roles}
	if admin {
		v.Disabled, v.Failures = u.Disabled, u.Failures
		if u.Locked(s.now()) {
			t := u.LockedUntil
			v.LockedUntil = &t
		}
		t := u.CreatedAt
		v.CreatedAt = &t
	}
	return v
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, _ := json.Marshal(v)
	body = append(body, '\n')
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(body)
}

// decode reads one JSON object into v, refusing unknown fields; it
// writes the problem and returns false when the body is wrong.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(strings.ToLower(ct), "application/json") {
		writeFieldProblem(w, r, ProblemBase+"unsupported-media-type", "Unsupported media type", http.StatusUnsupportedMediaType,
			"Content-Type", "send application/json, not "+ct)
		return false
	}
	dec := json.NewDecoder(io.LimitReader(r.Body, maxAuthBody+1))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		typ, title := ProblemBase+"malformed-json", "Malformed JSON"
		if strings.Contains(err.Error(), "unknown field") {
			typ, title = ProblemBase+"unknown-field", "Unknown field"
		}
		writeProblem(w, r, typ, title, http.StatusBadRequest, "the body must be one JSON object of the documented fields: "+err.Error())
		return false
	}
	if dec.More() {
		writeProblem(w, r, ProblemBase+"malformed-json", "Malformed JSON", http.StatusBadRequest, "the body must be one JSON object, nothing after it")
		return false
	}
	return true
}

// fail writes err as a problem.
func (s *Service) fail(w http.ResponseWriter, r *http.Request, err error) {
	var fe *FieldError
	var le *LockedError
	switch {
	case errors.As(err, &fe):
		writeFieldProblem(w, r, ProblemBase+"invalid-field", "Invalid field", http.StatusUnprocessableEntity, fe.Field, fe.Error())
	case errors.As(err, &le):
		secs := 1
		if d := le.Until.Sub(s.now()); d > 0 {
			secs = int(d.Seconds()) + 1
		}
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		writeProblem(w, r, ProblemLocked, "Locked", http.StatusLocked,
			fmt.Sprintf("sign-in is locked after %d failed attempts until %s; try again later or ask an administrator", MaxFailures, le.Until.Format(time.RFC3339)))
	case errors.Is(err, ErrBadCredentials):
		writeProblem(w, r, ProblemUnauthenticated, "Unauthenticated", http.StatusUnauthorized, "wrong login or password")
	case errors.Is(err, ErrNoSuchUser):
		writeProblem(w, r, ProblemBase+"not-found", "Not found", http.StatusNotFound, "no user with that login")
	case errors.Is(err, store.ErrNotFound):
		writeProblem(w, r, ProblemBase+"not-found", "Not found", http.StatusNotFound, "no such token")
	case errors.Is(err, ErrUserExists):
		writeFieldProblem(w, r, ProblemBase+"user-exists", "User exists", http.StatusConflict, "login", "a user with that login exists")
	default:
		s.log.ErrorContext(r.Context(), "auth request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		writeProblem(w, r, ProblemBase+"internal", "Internal server error", http.StatusInternalServerError, "the server failed to handle the request; it has been logged")
	}
}

func remoteAddr(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

func (s *Service) signIn(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Login    string `json:"login"`
		Password string `json:"password"`
	}
	if !decode(w, r, &in) {
		return
	}
	u, secret, csrf, err := s.SignIn(r.Context(), strings.TrimSpace(in.Login), in.Password, remoteAddr(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: secret, Path: "/", MaxAge: int(SessionTTL / time.Second),
		HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
	writeJSON(w, http.StatusOK, sessionResponse{User: s.view(u, false), CSRFToken: csrf})
}

func (s *Service) signOut(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(CookieName); err == nil {
		if err := s.SignOut(r.Context(), c.Value); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
	w.WriteHeader(http.StatusNoContent)
}

func (s *Service) me(w http.ResponseWriter, r *http.Request) {
	p, ok := FromContext(r.Context())
	if !ok {
		writeProblem(w, r, ProblemUnauthenticated, "Unauthenticated", http.StatusUnauthorized, "not signed in")
		return
	}
	v := UserView{Login: p.Login, Name: p.Name, Unit: p.Unit, UnitName: s.unitName(p.Unit), Roles: p.Roles}
	writeJSON(w, http.StatusOK, sessionResponse{User: v, CSRFToken: p.csrf})
}

func by(r *http.Request) string {
	p, _ := FromContext(r.Context())
	return p.Login
}

func (s *Service) listUsers(w http.ResponseWriter, r *http.Request) {
	us, err := s.ListUsers(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out := struct {
		Users []UserView `json:"users"`
	}{Users: make([]UserView, len(us))}
	for i, u := range us {
		out.Users[i] = s.view(u, true)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Service) createUserRoute(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Login    string `json:"login"`
		Name     string `json:"name"`
		Unit     string `json:"unit"`
		Roles    []Role `json:"roles"`
		Password string `json:"password"`
	}
	if !decode(w, r, &in) {
		return
	}
	u, err := s.createUser(r.Context(), NewUser{Login: in.Login, Name: in.Name, Unit: in.Unit, Roles: in.Roles, Password: in.Password}, by(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/auth/users/"+u.Login)
	writeJSON(w, http.StatusCreated, s.view(u, true))
}

func (s *Service) getUser(w http.ResponseWriter, r *http.Request) {
	u, err := s.GetUser(r.Context(), r.PathValue("login"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.view(u, true))
}

func (s *Service) patchUser(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name     *string `json:"name"`
		Unit     *string `json:"unit"`
		Roles    []Role  `json:"roles"`
		Disabled *bool   `json:"disabled"`
		Password *string `json:"password"`
	}
	if !decode(w, r, &in) {
		return
	}
	login := r.PathValue("login")
	if in.Disabled != nil && *in.Disabled && login == by(r) {
		writeFieldProblem(w, r, ProblemBase+"invalid-field", "Invalid field", http.StatusUnprocessableEntity, "disabled",
			"disabled: an administrator cannot disable their own user")
		return
	}
	u, err := s.UpdateUser(r.Context(), login, UserChange{Name: in.Name, Unit: in.Unit, Roles: in.Roles, Disabled: in.Disabled, Password: in.Password}, by(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.view(u, true))
}

func (s *Service) createTokenRoute(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Login    string  `json:"login"`
		Name     string  `json:"name"`
		TTLHours float64 `json:"ttl_hours"`
	}
	if !decode(w, r, &in) {
		return
	}
	if in.TTLHours < 0 || in.TTLHours > 24*3660 {
		s.fail(w, r, &FieldError{Field: "ttl_hours", Reason: "must be from 0 (no expiry) to 87840 hours"})
		return
	}
	tok, id, err := s.createToken(r.Context(), in.Login, in.Name, time.Duration(in.TTLHours*float64(time.Hour)), by(r))
	if errors.Is(err, ErrNoSuchUser) {
		s.fail(w, r, &FieldError{Field: "login", Reason: fmt.Sprintf("%q is not a user", in.Login)})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]string{"id": id, "token": tok})
}

func (s *Service) revokeToken(w http.ResponseWriter, r *http.Request) {
	if err := s.RevokeToken(r.Context(), r.PathValue("id"), by(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Service) auditRoute(w http.ResponseWriter, r *http.Request) {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > store.MaxDocumentPage {
			writeFieldProblem(w, r, ProblemBase+"invalid-parameter", "Invalid parameter", http.StatusBadRequest, "limit",
				fmt.Sprintf("limit must be a whole number from 1 to %d, got %q", store.MaxDocumentPage, v))
			return
		}
		limit = n
	}
	recs, err := s.Audit(r.Context(), limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"records": recs})
}
