package situation

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"yiwang/internal/store"
)

// ErrNoSaved: nothing has been saved yet.
var ErrNoSaved = errors.New("situation: no saved aggregates")

// SavedStore keeps one copy of saved aggregates (see Save).
type SavedStore interface {
	// ReadSaved returns the saved bytes, ErrNoSaved when there are none.
	ReadSaved(ctx context.Context) ([]byte, error)
	// WriteSaved replaces the saved copy, all or nothing.
	WriteSaved(ctx context.Context, b []byte) error
}

// SaveEvery is how often a node saves its aggregates while they move on
// (and once more when it stops).
const SaveEvery = 10 * time.Minute

// DocumentName is the store document the platform saves the aggregates in.
const DocumentName = "situation/aggregates"

// Documents is the part of store.Store a DocumentSaved uses.
type Documents interface {
	GetDocument(ctx context.Context, name string) (store.Document, error)
	PutDocument(ctx context.Context, doc store.Document, expectVersion int) (store.Document, error)
}

// DocumentSaved keeps the saved aggregates as a store document, so that a
// node finds them whatever engine it runs on; every node sharing the store
// may overwrite it with its own (each copy is checked against the log).
type DocumentSaved struct {
	Store Documents
	Name  string
}

// ReadSaved returns the document's body.
func (d DocumentSaved) ReadSaved(ctx context.Context) ([]byte, error) {
	doc, err := d.Store.GetDocument(ctx, d.Name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrNoSaved
	}
	if err != nil {
		return nil, fmt.Errorf("situation: reading document %s: %w", d.Name, err)
	}
	return doc.Body, nil
}

// WriteSaved stores b as the document's next version; when another node
// saved in between, it tries once more on top of that.
func (d DocumentSaved) WriteSaved(ctx context.Context, b []byte) error {
	var err error
	for range 2 {
		version := 0
		cur, gerr := d.Store.GetDocument(ctx, d.Name)
		switch {
		case gerr == nil:
			version = cur.Version
		case !errors.Is(gerr, store.ErrNotFound):
			return fmt.Errorf("situation: reading document %s: %w", d.Name, gerr)
		}
		_, err = d.Store.PutDocument(ctx, store.Document{Name: d.Name, Body: b, UpdatedBy: "situation"}, version)
		if !errors.Is(err, store.ErrVersionConflict) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("situation: writing document %s: %w", d.Name, err)
	}
	return nil
}

// FileSaved keeps the saved aggregates in a file, replaced atomically
// (written beside it, synced, renamed).
type FileSaved struct{ Path string }

// ReadSaved returns the file's contents.
func (f FileSaved) ReadSaved(ctx context.Context) ([]byte, error) {
	b, err := os.ReadFile(f.Path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNoSaved
	}
	if err != nil {
		return nil, fmt.Errorf("situation: %w", err)
	}
	return b, nil
}

// WriteSaved replaces the file with b.
func (f FileSaved) WriteSaved(ctx context.Context, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(f.Path), filepath.Base(f.Path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("situation: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename, a no-op
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), f.Path)
	}
	if err != nil {
		return fmt.Errorf("situation: writing %s: %w", f.Path, err)
	}
	return nil
}

// SaveTo saves the aggregates into saved and returns the position they
// cover and the size of the copy.
func (a *Aggregates) SaveTo(ctx context.Context, saved SavedStore) (pos int64, size int, err error) {
	var buf bytes.Buffer
	if pos, err = a.Save(&buf); err != nil {
		return 0, 0, err
	}
	if err := saved.WriteSaved(ctx, buf.Bytes()); err != nil {
		return 0, 0, err
	}
	return pos, buf.Len(), nil
}

// Restored says how Restore built the aggregates.
type Restored struct {
	// FromSaved: a saved copy was loaded, covering the log up to SavedPos.
	FromSaved bool
	SavedPos  int64
	// CaughtUp is how many events were applied from the log after that
	// (every event of the log when rebuilt).
	CaughtUp int64
	// Ignored is why a saved copy was not used ("" when none was found or
	// it was used).
	Ignored string
}

// Restore returns aggregates caught up with log: from the copy in saved
// when there is a usable one, else rebuilt from the whole log. A copy that
// is corrupt, of another format or of another log is ignored with a
// warning. saved may be nil (always rebuild).
func Restore(ctx context.Context, saved SavedStore, log EventLog, logger *slog.Logger) (*Aggregates, Restored, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var info Restored
	var a *Aggregates
	if saved != nil {
		b, err := saved.ReadSaved(ctx)
		if err == nil {
			a, err = Load(b)
		}
		if err == nil {
			err = a.Belongs(ctx, log)
		}
		switch {
		case err == nil:
			info.FromSaved, info.SavedPos = true, a.LastPos()
		case errors.Is(err, ErrNoSaved):
			a = nil
		default:
			a = nil
			info.Ignored = err.Error()
			logger.Warn("saved situation aggregates ignored; rebuilding them from the whole event log", "err", err)
		}
	}
	if a == nil {
		a = New()
	}
	before := a.eventCount()
	if err := a.CatchUp(ctx, log); err != nil {
		return nil, info, err
	}
	info.CaughtUp = a.eventCount() - before
	return a, info, nil
}

func (a *Aggregates) eventCount() int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.events
}

// KeepSaved saves the aggregates into saved on every tick when they moved
// past the position last saved (start with since, the position a restored
// copy covers), and once more when ctx ends; then it returns. A failed
// save is logged and tried again at the next tick.
func (a *Aggregates) KeepSaved(ctx context.Context, saved SavedStore, tick <-chan time.Time, since int64, logger *slog.Logger) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	save := func(ctx context.Context) {
		if a.LastPos() == since {
			return
		}
		pos, size, err := a.SaveTo(ctx, saved)
		if err != nil {
			logger.Warn("situation aggregates not saved", "err", err)
			return
		}
		since = pos
		logger.Debug("situation aggregates saved", "pos", pos, "bytes", size)
	}
	for {
		select {
		case <-ctx.Done():
			final, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
			save(final)
			cancel()
			return
		case <-tick:
			save(ctx)
		}
	}
}
