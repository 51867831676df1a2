package attach

import (
	"context"
	"errors"
	"fmt"
)

// Default limits.
const (
	DefaultMaxBytes  = 10 << 20   // 10 MiB per file
	DefaultMaxPixels = 64_000_000 // 64 megapixels
)

// Options configure a Service.
type Options struct {
	// Blobs stores the bytes. Required.
	Blobs Blobs
	// MaxBytes caps one uploaded file; 0 means DefaultMaxBytes.
	MaxBytes int64
	// MaxPixels caps width × height; 0 means DefaultMaxPixels.
	MaxPixels int64
}

// Service checks, strips and stores attachments. It is safe for concurrent use.
type Service struct {
	blobs     Blobs
	maxBytes  int64
	maxPixels int64
}

// New checks opts and returns a Service.
func New(opts Options) (*Service, error) {
	if opts.Blobs == nil {
		return nil, errors.New("attach: Options.Blobs is required")
	}
	if opts.MaxBytes < 0 || opts.MaxPixels < 0 {
		return nil, errors.New("attach: limits must not be negative")
	}
	s := &Service{blobs: opts.Blobs, maxBytes: opts.MaxBytes, maxPixels: opts.MaxPixels}
	if s.maxBytes == 0 {
		s.maxBytes = DefaultMaxBytes
	}
	if s.maxPixels == 0 {
		s.maxPixels = DefaultMaxPixels
	}
	return s, nil
}

// MaxBytes is the largest file the service accepts.
func (s *Service) MaxBytes() int64 { return s.maxBytes }

// Prepared is an accepted upload, stripped and hashed, not yet stored.
type Prepared struct {
	// SHA256 is the hash of Data: the stripped bytes.
	SHA256 string
	Type   string
	Width  int
	Height int
	// GPS is the position from the original's Exif, nil when it had none
	// (or it could not be read: unreadable Exif never refuses a photo, it
	// is removed all the same).
	GPS *GPS
	// Stripped counts the metadata segments or chunks removed.
	Stripped int
	Data     []byte
}

// Prepare checks an upload and returns it stripped of location-bearing
// metadata. It does no I/O. Errors wrap ErrTooLarge, ErrUnsupported (a
// *TypeError) or ErrMalformed.
func (s *Service) Prepare(b []byte) (Prepared, error) {
	if int64(len(b)) > s.maxBytes {
		return Prepared{}, fmt.Errorf("%w: %d bytes, at most %d allowed", ErrTooLarge, len(b), s.maxBytes)
	}
	typ, err := Sniff(b)
	if err != nil {
		return Prepared{}, err
	}
	st, err := strip(typ, b)
	if err != nil {
		return Prepared{}, err
	}
	w, h, err := dimensions(typ, st.data)
	if err != nil {
		return Prepared{}, err
	}
	if w <= 0 || h <= 0 {
		return Prepared{}, fmt.Errorf("%w: %s of %d×%d pixels", ErrMalformed, typ, w, h)
	}
	if int64(w)*int64(h) > s.maxPixels {
		return Prepared{}, fmt.Errorf("%w: %d×%d pixels, at most %d allowed", ErrTooLarge, w, h, s.maxPixels)
	}
	p := Prepared{SHA256: Sum(st.data), Type: typ, Width: w, Height: h, Stripped: st.removed, Data: st.data}
	if st.exif != nil {
		if g, err := ReadExifGPS(st.exif); err == nil {
			p.GPS = &g
		}
	}
	return p, nil
}

// Save stores a prepared upload; saving the same bytes twice is harmless.
func (s *Service) Save(ctx context.Context, p Prepared) error {
	if Sum(p.Data) != p.SHA256 {
		return errors.New("attach: prepared data does not match its hash")
	}
	if err := s.blobs.Put(ctx, p.SHA256, p.Data); err != nil {
		return fmt.Errorf("saving attachment %s: %w", p.SHA256, err)
	}
	return nil
}

// Put prepares and saves b.
func (s *Service) Put(ctx context.Context, b []byte) (Prepared, error) {
	p, err := s.Prepare(b)
	if err != nil {
		return Prepared{}, err
	}
	return p, s.Save(ctx, p)
}

// Object is a stored attachment.
type Object struct {
	SHA256 string
	Type   string
	Data   []byte
}

// Get returns the attachment stored under sum, its type recognised again
// from its content. Errors wrap ErrBadSum or ErrNotFound.
func (s *Service) Get(ctx context.Context, sum string) (Object, error) {
	if !ValidSum(sum) {
		return Object{}, fmt.Errorf("%w: %q", ErrBadSum, sum)
	}
	b, err := s.blobs.Get(ctx, sum)
	if err != nil {
		return Object{}, err
	}
	typ, err := Sniff(b)
	if err != nil {
		return Object{}, fmt.Errorf("stored attachment %s: %w", sum, err)
	}
	return Object{SHA256: sum, Type: typ, Data: b}, nil
}
