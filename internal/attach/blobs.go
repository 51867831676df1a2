package attach

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Blobs keeps byte strings under their SHA-256 (64 lower-case hex
// digits). Put must be idempotent (the same key always holds the same
// bytes); Get returns ErrNotFound for a key never put. Dir keeps files,
// S3 keeps objects at key ab/cdef….
type Blobs interface {
	Put(ctx context.Context, sum string, data []byte) error
	Get(ctx context.Context, sum string) ([]byte, error)
}

// ValidSum reports whether s is a SHA-256 digest in lower-case hex.
func ValidSum(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Sum returns the SHA-256 of b in lower-case hex.
func Sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Dir keeps blobs as files <root>/ab/cdef… named by their hash.
type Dir struct {
	root string
}

// NewDir returns a Dir over root, creating the directory if needed.
func NewDir(root string) (*Dir, error) {
	if root == "" {
		return nil, errors.New("attach: directory is empty")
	}
	if err := os.MkdirAll(root, 0o750); err != nil {
		return nil, fmt.Errorf("attach: creating %s: %w", root, err)
	}
	return &Dir{root: root}, nil
}

func (d *Dir) path(sum string) string { return filepath.Join(d.root, sum[:2], sum[2:]) }

// Put writes data under sum unless a file is already there. The file is
// written to a temporary name, synced and renamed, so a reader never sees
// a partial file.
func (d *Dir) Put(ctx context.Context, sum string, data []byte) error {
	if !ValidSum(sum) {
		return fmt.Errorf("attach: %w: %q", ErrBadSum, sum)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	p := d.path(sum)
	if _, err := os.Stat(p); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return fmt.Errorf("attach: %w", err)
	}
	f, err := os.CreateTemp(filepath.Dir(p), ".put-*")
	if err != nil {
		return fmt.Errorf("attach: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename this fails harmlessly
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("attach: writing %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("attach: syncing %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("attach: closing %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, p); err != nil {
		return fmt.Errorf("attach: %w", err)
	}
	return nil
}

// Get reads the blob under sum and checks that its bytes still hash to it.
func (d *Dir) Get(ctx context.Context, sum string) ([]byte, error) {
	if !ValidSum(sum) {
		return nil, fmt.Errorf("attach: %w: %q", ErrBadSum, sum)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(d.path(sum))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("attach: %s: %w", sum, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("attach: %w", err)
	}
	if got := Sum(b); got != sum {
		return nil, fmt.Errorf("attach: stored file %s is corrupt (its bytes hash to %s)", d.path(sum), got)
	}
	return b, nil
}
