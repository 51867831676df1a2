package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// docPut is a PutDocument waiting for the writer.
type docPut struct {
	doc    store.Document
	expect int
	// remove deletes the document instead (DeleteDocument).
	remove bool
}

// GetDocument returns the current version of the named document.
func (s *Store) GetDocument(ctx context.Context, name string) (store.Document, error) {
	if s.closed.Load() {
		return store.Document{}, store.ErrClosed
	}
	d := store.Document{Name: name}
	err := s.rdb.QueryRowContext(ctx, s.d.q(`SELECT version, body, updated_by, updated_at FROM documents WHERE name = ?`), name).
		Scan(&d.Version, &d.Body, &d.UpdatedBy, dbTime{&d.UpdatedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return store.Document{}, fmt.Errorf("document %q: %w", name, store.ErrNotFound)
	}
	if err != nil {
		return store.Document{}, fmt.Errorf("get document %q: %w", name, err)
	}
	if d.Body == nil {
		d.Body = []byte{}
	}
	return d, nil
}

// PutDocument stores doc as the next version of doc.Name if the stored
// version is expectVersion (0: the document must not exist yet), else it
// fails with store.ErrVersionConflict. doc.Version is ignored; a zero
// doc.UpdatedAt means the store's clock. It goes through the writer, so it
// commits in order with case writes. It returns the document as stored.
func (s *Store) PutDocument(ctx context.Context, doc store.Document, expectVersion int) (store.Document, error) {
	if doc.Name == "" {
		return store.Document{}, fmt.Errorf("put document: %w", &cases.FieldError{Field: "name", Reason: "is required"})
	}
	if expectVersion < 0 {
		return store.Document{}, fmt.Errorf("put document %q: %w", doc.Name, &cases.FieldError{Field: "expect_version", Reason: "must not be negative"})
	}
	doc.Body = append([]byte{}, doc.Body...)
	res := s.submit(ctx, &request{doc: &docPut{doc: doc, expect: expectVersion}})
	return res.doc, res.err
}

// putDocument is the writer's half of PutDocument. The version check is a
// read before any write, so a conflict is a refusal.
func (b *batch) putDocument(r *request) result {
	p := r.doc
	d := p.doc
	var current int
	err := b.queryRow(qDocVersion, []any{d.Name}, &current)
	missing := errors.Is(err, sql.ErrNoRows)
	if err != nil && !missing {
		return result{err: fmt.Errorf("put document %q: %w", d.Name, err)}
	}
	if p.remove {
		if missing {
			return result{err: fmt.Errorf("document %q: %w", d.Name, store.ErrNotFound)}
		}
		if err := b.exec(qDeleteDoc, d.Name); err != nil {
			return result{err: fmt.Errorf("delete document %q: %w", d.Name, err)}
		}
		return result{}
	}
	if current != p.expect {
		return result{err: fmt.Errorf("document %q is at version %d, not %d: %w", d.Name, current, p.expect, store.ErrVersionConflict)}
	}
	d.Version = current + 1
	d.UpdatedAt = r.at
	if missing {
		err = b.exec(qInsertDoc, d.Name, d.Version, d.Body, d.UpdatedBy, b.s.d.time(d.UpdatedAt))
	} else {
		err = b.exec(qUpdateDoc, d.Version, d.Body, d.UpdatedBy, b.s.d.time(d.UpdatedAt), d.Name)
	}
	if err != nil {
		return result{err: fmt.Errorf("put document %q: %w", d.Name, err)}
	}
	return result{doc: d}
}

// DeleteDocument removes the named document; store.ErrNotFound if there
// is none. It goes through the writer, in order with the other writes.
func (s *Store) DeleteDocument(ctx context.Context, name string) error {
	if name == "" {
		return fmt.Errorf("delete document: %w", &cases.FieldError{Field: "name", Reason: "is required"})
	}
	return s.submit(ctx, &request{doc: &docPut{doc: store.Document{Name: name}, remove: true}}).err
}

// ListDocuments returns up to limit documents whose names begin with
// prefix and sort after after, in byte order of their names.
func (s *Store) ListDocuments(ctx context.Context, prefix, after string, limit int) ([]store.Document, error) {
	if err := store.CheckDocumentPage(limit); err != nil {
		return nil, fmt.Errorf("list documents: %w", err)
	}
	if s.closed.Load() {
		return nil, store.ErrClosed
	}
	// The prefix is a byte range: names >= prefix and < prefix+0xff…,
	// compared bytewise on both engines (binaryText), refined by an exact
	// prefix test in Go (names may hold bytes above 0xff's UTF-8 lead).
	q := `SELECT name, version, body, updated_by, updated_at FROM documents WHERE ` +
		s.d.binaryText(`name`) + ` > ? AND ` + s.d.binaryText(`name`) + ` >= ? ORDER BY ` + s.d.binaryText(`name`) + ` LIMIT ?`
	rows, err := s.rdb.QueryContext(ctx, s.d.q(q), after, prefix, limit+1)
	if err != nil {
		return nil, fmt.Errorf("list documents %q: %w", prefix, err)
	}
	defer rows.Close()
	var out []store.Document
	for rows.Next() && len(out) < limit {
		var d store.Document
		if err := rows.Scan(&d.Name, &d.Version, &d.Body, &d.UpdatedBy, dbTime{&d.UpdatedAt}); err != nil {
			return nil, fmt.Errorf("list documents %q: %w", prefix, err)
		}
		if !strings.HasPrefix(d.Name, prefix) {
			break // past the prefix's range: every later name is too
		}
		if d.Body == nil {
			d.Body = []byte{}
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list documents %q: %w", prefix, err)
	}
	return out, nil
}
