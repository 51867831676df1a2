package attach

import (
	"bytes"
	"errors"
	"fmt"
)

// The content types this package stores.
const (
	TypeJPEG = "image/jpeg"
	TypePNG  = "image/png"
	TypeWebP = "image/webp"
)

// Types lists the accepted content types.
var Types = []string{TypeJPEG, TypePNG, TypeWebP}

// Sentinel errors; each failure wraps one of them.
var (
	// ErrUnsupported: the content is not a JPEG, PNG or WebP image.
	ErrUnsupported = errors.New("unsupported file type")
	// ErrMalformed: the content starts like an accepted image but its structure is broken.
	ErrMalformed = errors.New("malformed image")
	// ErrTooLarge: the file or its pixel count is over the limit.
	ErrTooLarge = errors.New("file too large")
	// ErrNotFound: no stored attachment has that hash.
	ErrNotFound = errors.New("attachment not found")
	// ErrBadSum: a hash that is not 64 lower-case hexadecimal digits.
	ErrBadSum = errors.New("not a sha-256 hex digest")
)

// TypeError refuses content of an unaccepted type and says what it looks like.
type TypeError struct {
	// Detected names the content ("ELF executable"), or "unrecognised content".
	Detected string
}

func (e *TypeError) Error() string {
	return fmt.Sprintf("the file is %s, not a JPEG, PNG or WebP image (the type is recognised by content, not by file name)", e.Detected)
}

// Is lets errors.Is(err, ErrUnsupported) match.
func (e *TypeError) Is(target error) bool { return target == ErrUnsupported }

// signatures are known non-image contents, named in refusals.
var signatures = []struct {
	magic []byte
	name  string
}{
	{[]byte("\x7fELF"), "an ELF executable"},
	{[]byte("MZ"), "a Windows PE executable (MZ header)"},
	{[]byte{0xfe, 0xed, 0xfa, 0xce}, "a Mach-O executable"},
	{[]byte{0xfe, 0xed, 0xfa, 0xcf}, "a Mach-O executable"},
	{[]byte{0xcf, 0xfa, 0xed, 0xfe}, "a Mach-O executable"},
	{[]byte{0xca, 0xfe, 0xba, 0xbe}, "a Mach-O universal binary or Java class file"},
	{[]byte("#!"), "a script"},
	{[]byte("PK\x03\x04"), "a ZIP archive (or Office document)"},
	{[]byte("%PDF"), "a PDF document"},
	{[]byte("GIF8"), "a GIF image"},
	{[]byte("BM"), "a BMP image"},
	{[]byte{0x1f, 0x8b}, "a gzip archive"},
	{[]byte("Rar!"), "a RAR archive"},
	{[]byte("7z\xbc\xaf\x27\x1c"), "a 7-Zip archive"},
	{[]byte("<"), "markup (HTML, XML or SVG)"},
}

// Sniff returns the content type of b by its magic bytes: TypeJPEG,
// TypePNG or TypeWebP, or a *TypeError.
func Sniff(b []byte) (string, error) {
	switch {
	case bytes.HasPrefix(b, []byte{0xff, 0xd8, 0xff}):
		return TypeJPEG, nil
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return TypePNG, nil
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return TypeWebP, nil
	}
	if len(b) == 0 {
		return "", &TypeError{Detected: "empty"}
	}
	for _, s := range signatures {
		if bytes.HasPrefix(b, s.magic) {
			return "", &TypeError{Detected: s.name}
		}
	}
	return "", &TypeError{Detected: "unrecognised content"}
}
