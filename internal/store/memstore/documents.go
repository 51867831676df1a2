package memstore

import (
	"context"
	"fmt"
	"slices"
	"strings"

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

// ListDocuments returns up to limit documents whose names begin with
// prefix and sort after after, in byte order of their names.
func (s *Store) ListDocuments(ctx context.Context, prefix, after string, limit int) ([]store.Document, error) {
	if err := store.CheckDocumentPage(limit); err != nil {
		return nil, fmt.Errorf("list documents: %w", err)
	}
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	s.st.mu.Lock()
	var out []store.Document
	for name, d := range s.st.docs {
		if strings.HasPrefix(name, prefix) && name > after {
			d.Body = slices.Clone(d.Body)
			out = append(out, d)
		}
	}
	s.st.mu.Unlock()
	slices.SortFunc(out, func(a, b store.Document) int { return strings.Compare(a.Name, b.Name) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// DeleteDocument removes the named document; store.ErrNotFound if there
// is none.
func (s *Store) DeleteDocument(ctx context.Context, name string) error {
	return s.write(ctx, func() ([]cases.Event, error) {
		if _, ok := s.st.docs[name]; !ok {
			return nil, fmt.Errorf("document %q: %w", name, store.ErrNotFound)
		}
		delete(s.st.docs, name)
		return nil, nil
	})
}
