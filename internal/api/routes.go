package api

import (
	"fmt"
	"net/http"
	"runtime/debug"
	"slices"
	"strings"
)

// route is one entry of the API: the table below registers the handlers,
// and the tests check it against the OpenAPI document.
type route struct {
	method  string
	path    string // a ServeMux path pattern; {name} segments are path parameters
	handler http.HandlerFunc
}

func (rt route) pattern() string { return rt.method + " " + rt.path }

func (s *Server) routes() []route {
	return []route{
		{"POST", "/api/v1/cases", s.createCase},
		{"GET", "/api/v1/cases", s.listCases},
		{"GET", "/api/v1/cases/{id}", s.getCase},
		{"POST", "/api/v1/cases/{id}/transitions", s.transitionCase},
		{"GET", "/api/v1/cases/{id}/history", s.caseHistory},
		{"GET", "/api/v1/cases/{id}/actions", s.caseActions},
		{"GET", "/api/v1/cases/{id}/dispatch", s.explainCase},
		{"GET", "/api/v1/dispatch/rules", s.getRules},
		{"PUT", "/api/v1/dispatch/rules", s.putRules},
		{"GET", "/api/v1/dispatch/units", s.listUnits},
		{"GET", "/api/v1/dispatch/returns", s.returnStats},
		{"GET", "/api/v1/categories", s.listCategories},
		{"POST", "/api/v1/cases/{id}/calls", s.recordCall},
		{"POST", "/api/v1/hotline/cases", s.createHotlineCase},
		{"GET", "/api/v1/hotline/context", s.hotlineContext},
		{"POST", "/api/v1/grid/reports", s.createGridReport},
		{"POST", "/api/v1/enterprise/requests", s.createEnterpriseRequest},
		{"GET", "/api/v1/enterprise/{code}/cases", s.enterpriseHistory},
		{"GET", "/api/v1/public/cases/{id}", s.getPublicCase},
		{"POST", "/api/v1/public/cases/{id}/rating", s.rateCase},
		{"GET", "/api/v1/attachments/{sha256}", s.getAttachment},
		{"GET", "/api/v1/situation", s.getSituation},
		{"GET", "/api/v1/geo/areas", s.getGeoAreas},
		{"GET", "/api/v1/stream", s.streamEvents},
		{"GET", "/api/v1/hotspots", s.getHotspots},
		{"GET", "/api/hotspots", s.getHotspots}, // the short path issue 5 names
		{"POST", "/api/v1/suggest", s.suggest},
		{"GET", "/api/v1/nlp/corrections", s.listCorrections},
		{"GET", "/api/v1/nlp/model", s.getModel},
		{"PUT", "/api/v1/nlp/model", s.putModel},
		{"POST", "/api/v1/nlp/retrain", s.retrainModel},
		{"POST", "/api/v1/review", s.reviewReply},
		{"POST", "/api/v1/auth/signin", s.authRoute},
		{"POST", "/api/v1/auth/signout", s.authRoute},
		{"GET", "/api/v1/auth/me", s.authRoute},
		{"GET", "/api/v1/auth/users", s.authRoute},
		{"POST", "/api/v1/auth/users", s.authRoute},
		{"GET", "/api/v1/auth/users/{login}", s.authRoute},
		{"PATCH", "/api/v1/auth/users/{login}", s.authRoute},
		{"POST", "/api/v1/auth/tokens", s.authRoute},
		{"DELETE", "/api/v1/auth/tokens/{id}", s.authRoute},
		{"GET", "/api/v1/auth/audit", s.authRoute},
		{"GET", "/healthz", s.health},
		{"GET", "/openapi.json", s.serveOpenAPI},
	}
}

// unmatched answers requests no route matches: 405 with Allow when the
// path exists under other methods, 404 otherwise.
func (s *Server) unmatched(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "/" && pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		if slices.Contains(allow, http.MethodGet) {
			allow = append(allow, http.MethodHead)
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		s.fail(w, r, newProblem(ProblemMethodNotAllowed, http.StatusMethodNotAllowed, "",
			fmt.Sprintf("%s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, strings.Join(allow, ", "))))
		return
	}
	s.fail(w, r, newProblem(ProblemNotFound, http.StatusNotFound, "", "there is nothing at "+r.URL.Path))
}

// recoverPanics turns a panicking handler into a 500 problem (when nothing
// has been written yet) and keeps the server running.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tw := &trackingWriter{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			err := fmt.Errorf("panic: %v\n%s", v, debug.Stack())
			if tw.wrote {
				s.log.ErrorContext(r.Context(), "handler panicked after writing its response",
					"method", r.Method, "path", r.URL.Path, "err", err)
				return
			}
			s.fail(w, r, err) // logged there, once
		}()
		next.ServeHTTP(tw, r)
	})
}

type trackingWriter struct {
	http.ResponseWriter
	wrote bool
}

func (t *trackingWriter) WriteHeader(code int) {
	t.wrote = true
	t.ResponseWriter.WriteHeader(code)
}

func (t *trackingWriter) Write(b []byte) (int, error) {
	t.wrote = true
	return t.ResponseWriter.Write(b)
}

func (t *trackingWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }
