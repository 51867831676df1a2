package attach_test

import (
	"bytes"
	"errors"
	"testing"

	"yiwang/internal/attach"
	"yiwang/internal/attach/attachtest"
)

// FuzzReadExifGPS checks the Exif parser never panics and returns either a
// position in range or an error that is ErrNoGPS or wraps ErrMalformed.
func FuzzReadExifGPS(f *testing.F) {
	f.Add(attachtest.ExifGPS(30.59, 114.30, true))
	f.Add(attachtest.ExifGPS(-1.5, -2.5, false))
	f.Add([]byte("II*\x00\x08\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := attach.ReadExifGPS(b)
		if err != nil {
			if !errors.Is(err, attach.ErrNoGPS) && !errors.Is(err, attach.ErrMalformed) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if g.Lat < -90 || g.Lat > 90 || g.Lon < -180 || g.Lon > 180 {
			t.Fatalf("out of range: %+v", g)
		}
	})
}

// FuzzPrepare checks that any accepted upload is stripped of APP1 / eXIf /
// EXIF metadata, hashes to its SHA256, and is accepted again unchanged.
func FuzzPrepare(f *testing.F) {
	exif := attachtest.ExifGPS(30.59, 114.30, false)
	f.Add(attachtest.JPEGWithGPS(8, 8, 30.59, 114.30))
	f.Add(attachtest.PNGWithExif(attachtest.PNG(3, 3), exif))
	f.Add(attachtest.WebP(3, 3, exif))
	f.Add([]byte("\x7fELF"))
	root := f.TempDir()
	d, err := attach.NewDir(root)
	if err != nil {
		f.Fatal(err)
	}
	s, err := attach.New(attach.Options{Blobs: d, MaxPixels: 1 << 20})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := s.Prepare(b)
		if err != nil {
			if !errors.Is(err, attach.ErrUnsupported) && !errors.Is(err, attach.ErrMalformed) && !errors.Is(err, attach.ErrTooLarge) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if p.SHA256 != attach.Sum(p.Data) {
			t.Fatal("hash mismatch")
		}
		again, err := s.Prepare(p.Data)
		if err != nil {
			t.Fatalf("stripped copy refused: %v", err)
		}
		if again.Stripped != 0 || !bytes.Equal(again.Data, p.Data) {
			t.Fatalf("stripping is not idempotent: %d more removed", again.Stripped)
		}
	})
}
