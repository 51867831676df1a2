package api

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"yiwang/internal/store"
	"yiwang/internal/workflow"
)

// The problem types of the model routes.
const (
	ProblemInvalidModel       = ProblemBase + "invalid-model"       // 422 an uploaded model file that does not load or whose labels are no categories (field: body or labels)
	ProblemPreconditionFailed = ProblemBase + "precondition-failed" // 412 If-Match names another version than the one stored
	ProblemRetrainRunning     = ProblemBase + "retrain-running"     // 409 a retrain is running already
)

// MaxModelBytes is the largest model file PUT /api/v1/nlp/model accepts
// (a trained hierarchical model is a few megabytes).
const MaxModelBytes = 64 << 20

// modelKeeper is what the model routes need: a workflow that keeps its
// classifier as versioned data (the platform's node workflow), found by a
// type assertion; without it the routes answer 404.
type modelKeeper interface {
	Models() *workflow.Models
}

// modelResponse is the body of GET /api/v1/nlp/model.
type modelResponse struct {
	// ClassifierReady is true once a model is in force on this node.
	ClassifierReady bool `json:"classifier_ready"`
	// Model is the model in force on this node; null before one is.
	Model *workflow.ModelInfo `json:"model"`
	// Retrain is the last or running retrain of any node; null when there
	// never was one.
	Retrain *workflow.RetrainStatus `json:"retrain"`
	// RetrainEverySeconds is the period of the scheduled retrain; 0 when
	// this node schedules none.
	RetrainEverySeconds int64 `json:"retrain_every_seconds"`
}

func (s *Server) models(w http.ResponseWriter, r *http.Request) (*workflow.Models, bool) {
	if mk, ok := s.wf.(modelKeeper); ok && s.wf != nil {
		if m := mk.Models(); m != nil {
			return m, true
		}
	}
	s.fail(w, r, newProblem(ProblemNotFound, http.StatusNotFound, "", "the category classifier is off on this node"))
	return nil, false
}

// modelState is the body of GET /api/v1/nlp/model.
func (s *Server) modelState(r *http.Request, m *workflow.Models) (modelResponse, error) {
	out := modelResponse{RetrainEverySeconds: int64(m.RetrainEvery().Seconds())}
	if info, ok := m.InForce(); ok {
		out.ClassifierReady, out.Model = true, &info
	}
	st, err := m.RetrainState(r.Context())
	if err != nil {
		return modelResponse{}, err
	}
	out.Retrain = st
	return out, nil
}

// getModel describes the model in force and the last retrain; ETag is
// the model's version ("0" before one is in force).
func (s *Server) getModel(w http.ResponseWriter, r *http.Request) {
	m, ok := s.models(w, r)
	if !ok {
		return
	}
	out, err := s.modelState(r, m)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := 0
	if out.Model != nil {
		v = out.Model.Version
	}
	w.Header().Set("ETag", etag(v))
	s.writeJSON(w, r, http.StatusOK, out)
}

// putModel stores an uploaded model file as the next version and puts it
// in force on this node at once (the others follow within their poll
// interval); requests being answered finish on the old model. If-Match
// names the version replaced ("0" when none is stored); without it, or
// with "*", the stored model is replaced whatever its version.
func (s *Server) putModel(w http.ResponseWriter, r *http.Request) {
	m, ok := s.models(w, r)
	if !ok {
		return
	}
	if ct := r.Header.Get("Content-Type"); !modelMediaType(ct) {
		s.fail(w, r, newProblem(ProblemUnsupportedMediaType, http.StatusUnsupportedMediaType, "Content-Type",
			fmt.Sprintf("Content-Type %q is not supported; send the model file (yiwang nlp train --out) as application/octet-stream", ct)))
		return
	}
	expect, err := parseVersionIfMatch(r.Header.Values("If-Match"), "model")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	file, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxModelBytes))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.fail(w, r, newProblem(ProblemBodyTooLarge, http.StatusRequestEntityTooLarge, "",
				fmt.Sprintf("the model file is larger than the limit of %d bytes", MaxModelBytes)))
			return
		}
		s.fail(w, r, fmt.Errorf("reading the model file: %w", err))
		return
	}
	by, _ := s.actorOf(r, "api", "")
	info, err := m.Upload(r.Context(), file, expect, by)
	var me *workflow.ModelError
	switch {
	case errors.As(err, &me):
		s.fail(w, r, &Problem{Type: ProblemInvalidModel, Title: "Invalid model", Status: http.StatusUnprocessableEntity, Field: me.Field,
			Detail: "the model file was refused and the model in force stays: " + strings.Join(me.Problems, "; ")})
		return
	case errors.Is(err, store.ErrVersionConflict):
		p := &Problem{Type: ProblemPreconditionFailed, Title: "Precondition failed", Status: http.StatusPreconditionFailed, Field: "If-Match",
			Detail: "the model was replaced since the version you sent; read GET /api/v1/nlp/model again and retry"}
		if cur, ok := m.InForce(); ok {
			p.CurrentVersion = cur.Version
		}
		s.fail(w, r, p)
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	out, err := s.modelState(r, m)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out.ClassifierReady, out.Model = true, &info
	w.Header().Set("ETag", etag(info.Version))
	s.writeJSON(w, r, http.StatusOK, out)
}

// retrainModel starts a retrain in the background: 202 with its status
// (GET /api/v1/nlp/model follows it), 409 while one runs on any node.
func (s *Server) retrainModel(w http.ResponseWriter, r *http.Request) {
	m, ok := s.models(w, r)
	if !ok {
		return
	}
	by, _ := s.actorOf(r, "api", "")
	st, err := m.Retrain(r.Context(), by)
	switch {
	case errors.Is(err, workflow.ErrRetrainRunning):
		s.fail(w, r, &Problem{Type: ProblemRetrainRunning, Title: "Retrain running", Status: http.StatusConflict,
			Detail: err.Error() + "; GET /api/v1/nlp/model shows its progress"})
		return
	case err != nil:
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/nlp/model")
	s.writeJSON(w, r, http.StatusAccepted, st)
}

func modelMediaType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/octet-stream" || mt == "application/gzip" || mt == "application/x-gzip")
}
