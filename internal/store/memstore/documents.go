package memstore

import (
	"context"
	"fmt"
	"slices"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// GetDocument returns a copy of the current version of the named document.
func (s *Store) GetDocument(ctx context.Context, name string) (store.Document, error) {
	if err := s.ready(ctx); err != nil {
		return store.Document{}, err
	}
	s.st.mu.Lock()
	d, ok := s.st.docs[name]
	s.st.mu.Unlock()
	if !ok {
		return store.Document{}, fmt.Errorf("document %q: %w", name, store.ErrNotFound)
	}
	d.Body = append([]byte{}, d.Body...)
	return d, nil
}

// PutDocument stores doc as the next version of doc.Name if the stored
// version is expectVersion (0: the document must not exist yet), else it
// fails with store.ErrVersionConflict. doc.Version is ignored; a zero
// doc.UpdatedAt means the store's clock. It returns the document as stored.
func (s *Store) PutDocument(ctx context.Context, doc store.Document, expectVersion int) (store.Document, error) {
	if doc.Name == "" {
		return store.Document{}, fmt.Errorf("put document: %w", &cases.FieldError{Field: "name", Reason: "is required"})
	}
	if expectVersion < 0 {
		return store.Document{}, fmt.Errorf("put document %q: %w", doc.Name, &cases.FieldError{Field: "expect_version", Reason: "must not be negative"})
	}
	doc.Body = append([]byte{}, doc.Body...)
	err := s.write(ctx, func() ([]cases.Event, error) {
		current := s.st.docs[doc.Name].Version
		if current != expectVersion {
			return nil, fmt.Errorf("document %q is at version %d, not %d: %w", doc.Name, current, expectVersion, store.ErrVersionConflict)
		}
		doc.Version = current + 1
		doc.UpdatedAt = s.at(doc.UpdatedAt)
		s.st.docs[doc.Name] = doc
		return nil, nil
	})
	if err != nil {
		return store.Document{}, err
	}
	doc.Body = slices.Clone(doc.Body)
	return doc, nil
}
