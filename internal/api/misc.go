package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"yiwang/internal/category"
	"yiwang/internal/store"
)

// categoriesResponse is the body of GET /api/v1/categories.
type categoriesResponse struct {
	Categories []category.Category `json:"categories"`
}

func (s *Server) listCategories(w http.ResponseWriter, r *http.Request) {
	s.writeJSON(w, r, http.StatusOK, categoriesResponse{Categories: s.tax.All()})
}

// healthResponse is the body of GET /healthz.
type healthResponse struct {
	Status  string `json:"status"`
	Version string `json:"version,omitempty"`
}

// health answers 200 when the store answers a one-case query within two
// seconds, 503 otherwise.
func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if _, err := s.store.List(ctx, store.Filter{Limit: 1}); err != nil {
		p := newProblem(ProblemUnavailable, http.StatusServiceUnavailable, "", "the case store does not answer")
		p.cause = err
		s.fail(w, r, p)
		return
	}
	s.writeJSON(w, r, http.StatusOK, healthResponse{Status: "ok", Version: s.version})
}

func (s *Server) serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(s.openapi)))
	w.WriteHeader(http.StatusOK)
	w.Write(s.openapi)
}
