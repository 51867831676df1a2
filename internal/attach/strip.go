package attach

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// stripped is an image with its location-bearing metadata removed, and the
// Exif body that was found (nil if none).
type stripped struct {
	data    []byte
	exif    []byte
	removed int // segments or chunks removed
}

// strip removes metadata from b, whose type Sniff returned.
func strip(typ string, b []byte) (stripped, error) {
	switch typ {
	case TypeJPEG:
		return stripJPEG(b)
	case TypePNG:
		return stripPNG(b)
	case TypeWebP:
		return stripWebP(b)
	}
	return stripped{}, fmt.Errorf("%w: %s", ErrUnsupported, typ)
}

// stripJPEG drops every APP1 segment (Exif and XMP) before the first scan;
// the scan data after SOS is copied as it is. The first Exif body found is
// returned.
func stripJPEG(b []byte) (stripped, error) {
	bad := func(format string, args ...any) (stripped, error) {
		return stripped{}, fmt.Errorf("%w: jpeg: %s", ErrMalformed, fmt.Sprintf(format, args...))
	}
	out := stripped{data: make([]byte, 0, len(b))}
	out.data = append(out.data, 0xff, 0xd8)
	i := 2
	for {
		if i >= len(b) {
			return bad("ends before the image data")
		}
		if b[i] != 0xff {
			return bad("expected a marker at offset %d", i)
		}
		for i < len(b) && b[i] == 0xff { // fill bytes
			i++
		}
		if i >= len(b) {
			return bad("ends inside a marker")
		}
		m := b[i]
		i++
		switch {
		case m == 0xd9: // EOI before any scan
			return bad("has no image data")
		case m == 0x01 || (m >= 0xd0 && m <= 0xd7): // standalone markers
			out.data = append(out.data, 0xff, m)
			continue
		}
		if i+2 > len(b) {
			return bad("segment length missing at offset %d", i)
		}
		n := int(binary.BigEndian.Uint16(b[i:]))
		if n < 2 || i+n > len(b) {
			return bad("segment 0x%02x at offset %d has length %d past the end", m, i, n)
		}
		seg := b[i : i+n]
		payload := seg[2:]
		if m == 0xda { // SOS: copy the rest verbatim
			out.data = append(out.data, 0xff, m)
			out.data = append(out.data, b[i:]...)
			return out, nil
		}
		if m == 0xe1 {
			if out.exif == nil && bytes.HasPrefix(payload, []byte(ExifHeader)) {
				out.exif = payload[len(ExifHeader):]
			}
			out.removed++
		} else {
			out.data = append(out.data, 0xff, m)
			out.data = append(out.data, seg...)
		}
		i += n
	}
}

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// stripPNG drops eXIf chunks and anything after IEND. Chunk CRCs are not
// checked here (the decoder checks the image when it reads the header).
func stripPNG(b []byte) (stripped, error) {
	bad := func(format string, args ...any) (stripped, error) {
		return stripped{}, fmt.Errorf("%w: png: %s", ErrMalformed, fmt.Sprintf(format, args...))
	}
	out := stripped{data: make([]byte, 0, len(b))}
	out.data = append(out.data, pngSignature...)
	i := len(pngSignature)
	for {
		if i+8 > len(b) {
			return bad("ends before IEND")
		}
		n := uint64(binary.BigEndian.Uint32(b[i:]))
		typ := string(b[i+4 : i+8])
		end := uint64(i) + 12 + n
		if end > uint64(len(b)) {
			return bad("chunk %q at offset %d runs past the end", typ, i)
		}
		chunk := b[i:end]
		switch typ {
		case "eXIf":
			if out.exif == nil {
				out.exif = chunk[8 : 8+n]
			}
			out.removed++
		default:
			out.data = append(out.data, chunk...)
		}
		if typ == "IEND" {
			if end < uint64(len(b)) {
				out.removed++ // trailing data after IEND
			}
			return out, nil
		}
		i = int(end)
	}
}

// stripWebP drops EXIF and XMP chunks, clears their flags in VP8X and
// rewrites the RIFF size; data after the RIFF container is dropped.
func stripWebP(b []byte) (stripped, error) {
	bad := func(format string, args ...any) (stripped, error) {
		return stripped{}, fmt.Errorf("%w: webp: %s", ErrMalformed, fmt.Sprintf(format, args...))
	}
	if len(b) < 12 {
		return bad("too short")
	}
	size := uint64(binary.LittleEndian.Uint32(b[4:8]))
	if size < 4 || size+8 > uint64(len(b)) {
		return bad("RIFF size %d does not fit the %d-byte file", size, len(b))
	}
	body := b[12 : 8+size]
	out := stripped{data: make([]byte, 12, len(b))}
	copy(out.data, b[:12])
	image := false
	for i := 0; i < len(body); {
		if i+8 > len(body) {
			return bad("chunk header at offset %d runs past the end", 12+i)
		}
		fourcc := string(body[i : i+4])
		n := uint64(binary.LittleEndian.Uint32(body[i+4:]))
		end := uint64(i) + 8 + n + n%2
		if end > uint64(len(body)) {
			if end-1 == uint64(len(body)) && n%2 == 1 {
				end-- // a missing pad byte at the very end is tolerated
			} else {
				return bad("chunk %q at offset %d runs past the end", fourcc, 12+i)
			}
		}
		chunk := body[i:end]
		switch fourcc {
		case "EXIF":
			if out.exif == nil {
				out.exif = chunk[8 : 8+n]
			}
			out.removed++
		case "XMP ":
			out.removed++
		default:
			start := len(out.data)
			out.data = append(out.data, chunk...)
			if fourcc == "VP8X" && n >= 1 {
				out.data[start+8] &^= 0x08 | 0x04 // EXIF and XMP flags
			}
			if fourcc == "VP8 " || fourcc == "VP8L" || fourcc == "VP8X" {
				image = true
			}
		}
		i = int(end)
	}
	if !image {
		return bad("has no VP8, VP8L or VP8X chunk")
	}
	binary.LittleEndian.PutUint32(out.data[4:8], uint32(len(out.data)-8))
	return out, nil
}
