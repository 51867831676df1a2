package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// checkIntake normalises and validates a create request for one of the
// channel intake routes (hotline, grid, enterprise), fills its
// administrative chain from its point, and returns the case to create and
// the request hash (of the request as decoded and normalised, plus extra,
// e.g. the photos' hashes) for Idempotency-Key.
func (s *Server) checkIntake(r *http.Request, req *createRequest, extra ...string) (cases.NewCase, string, error) {
	req.Normalize()
	req.Actor, req.Unit = strings.TrimSpace(req.Actor), strings.TrimSpace(req.Unit)
	if err := s.checkNewCase(req); err != nil {
		return cases.NewCase{}, "", err
	}
	canon, err := json.Marshal(req)
	if err != nil {
		return cases.NewCase{}, "", fmt.Errorf("hashing create request: %w", err)
	}
	h := sha256.New()
	h.Write(canon)
	for _, x := range extra {
		h.Write([]byte{0})
		h.Write([]byte(x))
	}
	n := req.NewCase
	if err := s.fillChain(r, &n.Location); err != nil {
		return cases.NewCase{}, "", err
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

// submit creates a checked case through the workflow (or the store).
func (s *Server) submit(ctx context.Context, n cases.NewCase, actor, unit, key, hash string) (cases.Case, bool, error) {
	if actor == "" {
		actor = defaultActor
	}
	return s.writer.Create(ctx, store.CreateRequest{Case: n, Actor: actor, Unit: unit, At: s.now(), IdempotencyKey: key, RequestHash: hash})
}

// createChecked checks req (checkIntake, with extra in the request hash),
// creates the case and answers the create: the shared end of every
// JSON create route.
func (s *Server) createChecked(w http.ResponseWriter, r *http.Request, req *createRequest, key string, extra ...string) {
	n, hash, err := s.checkIntake(r, req, extra...)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	c, created, err := s.submit(r.Context(), n, req.Actor, req.Unit, key, hash)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.writeCreated(w, r, c, created)
}

// requireText refuses an empty (after trimming) required field.
func requireText(field, v string) error {
	if strings.TrimSpace(v) == "" {
		return newProblem(ProblemInvalidField, http.StatusUnprocessableEntity, field, field+" is required")
	}
	return nil
}
