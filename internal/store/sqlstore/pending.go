package sqlstore

import (
	"context"
	"errors"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// errPending marks contract methods being implemented right now; this file
// is replaced by their implementation.
var errPending = errors.New("sqlstore: not implemented yet")

// EventsByAction is not implemented yet.
func (s *Store) EventsByAction(ctx context.Context, action cases.Action, after int64, limit int) ([]cases.Event, error) {
	return nil, errPending
}

// GetDocument is not implemented yet.
func (s *Store) GetDocument(ctx context.Context, name string) (store.Document, error) {
	return store.Document{}, errPending
}

// PutDocument is not implemented yet.
func (s *Store) PutDocument(ctx context.Context, doc store.Document, expectVersion int) (store.Document, error) {
	return store.Document{}, errPending
}
