package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// Create normalises and validates req.Case, then appends the create event of
// a new case through the group-commit writer. The id is allocated in the
// write transaction; the idempotency key is checked and stored in that same
// transaction. If ctx ends after the writer took the request, the case may
// still be created: retry with the same idempotency key to find out.
func (s *Store) Create(ctx context.Context, req store.CreateRequest) (cases.Case, bool, error) {
	req.Case.Normalize()
	if err := req.Case.Validate(); err != nil {
		return cases.Case{}, false, fmt.Errorf("create: %w", err)
	}
	if req.Actor == "" {
		return cases.Case{}, false, fmt.Errorf("create: %w", &cases.FieldError{Field: "actor", Reason: "is required"})
	}
	payload, err := json.Marshal(cases.Payload{Case: &req.Case})
	if err != nil {
		return cases.Case{}, false, fmt.Errorf("create: encode: %w", err)
	}
	res := s.submit(ctx, &request{create: &req, payload: payload})
	return res.c, res.created, res.err
}

// Transition judges req.Command with cases.Decide against the case's current
// state inside the write transaction and appends the resulting event.
func (s *Store) Transition(ctx context.Context, req store.TransitionRequest) (cases.Case, cases.Event, error) {
	res := s.submit(ctx, &request{transition: &req})
	if res.err != nil {
		return cases.Case{}, cases.Event{}, res.err
	}
	return res.c, res.event, nil
}
