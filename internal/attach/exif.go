package attach

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// GPS is a WGS84 position read from a photo's Exif GPS tags.
type GPS struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// ErrNoGPS: the Exif data holds no usable GPS position.
var ErrNoGPS = errors.New("no gps position in exif")

// Exif tags used here.
const (
	tagGPSIFD    = 0x8825
	tagLatRef    = 1
	tagLat       = 2
	tagLonRef    = 3
	tagLon       = 4
	typeASCII    = 2
	typeLong     = 4
	typeRational = 5
	maxIFDCount  = 1000
)

// ExifHeader starts the payload of a JPEG APP1 Exif segment.
const ExifHeader = "Exif\x00\x00"

// tiff is a TIFF structure (the body of Exif) with its byte order.
type tiff struct {
	b  []byte
	bo binary.ByteOrder
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: exif: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// ReadExifGPS reads the GPS position from a TIFF-structured Exif body (the
// bytes after "Exif\0\0" in a JPEG APP1 segment, or a PNG eXIf or WebP
// EXIF chunk; a leading "Exif\0\0" is skipped). It returns ErrNoGPS when
// there is no GPS IFD or it lacks latitude or longitude, and an error
// wrapping ErrMalformed when the structure is broken.
func ReadExifGPS(b []byte) (GPS, error) {
	if len(b) >= len(ExifHeader) && string(b[:len(ExifHeader)]) == ExifHeader {
		b = b[len(ExifHeader):]
	}
	if len(b) < 8 {
		return GPS{}, malformed("%d bytes is too short for a TIFF header", len(b))
	}
	t := tiff{b: b}
	switch string(b[:4]) {
	case "II*\x00":
		t.bo = binary.LittleEndian
	case "MM\x00*":
		t.bo = binary.BigEndian
	default:
		return GPS{}, malformed("no TIFF byte-order mark")
	}
	ifd0, err := t.ifd(t.bo.Uint32(b[4:8]))
	if err != nil {
		return GPS{}, err
	}
	ptr, ok := ifd0[tagGPSIFD]
	if !ok {
		return GPS{}, ErrNoGPS
	}
	if ptr.typ != typeLong || ptr.count != 1 {
		return GPS{}, malformed("GPS IFD pointer has type %d count %d, want one LONG", ptr.typ, ptr.count)
	}
	gps, err := t.ifd(t.bo.Uint32(ptr.value[:]))
	if err != nil {
		return GPS{}, err
	}
	lat, err := t.coordinate(gps, tagLatRef, tagLat, "N", "S", 90)
	if err != nil {
		return GPS{}, err
	}
	lon, err := t.coordinate(gps, tagLonRef, tagLon, "E", "W", 180)
	if err != nil {
		return GPS{}, err
	}
	if lat == 0 && lon == 0 {
		return GPS{}, ErrNoGPS // written by cameras without a fix
	}
	return GPS{Lat: lat, Lon: lon}, nil
}

// entry is one IFD entry; value holds the value or its offset.
type entry struct {
	typ   uint16
	count uint32
	value [4]byte
}

// ifd reads the entries of the IFD at off.
func (t tiff) ifd(off uint32) (map[uint16]entry, error) {
	if uint64(off)+2 > uint64(len(t.b)) {
		return nil, malformed("IFD offset %d is outside the %d-byte body", off, len(t.b))
	}
	n := int(t.bo.Uint16(t.b[off:]))
	if n > maxIFDCount {
		return nil, malformed("IFD claims %d entries", n)
	}
	start := int(off) + 2
	if start+12*n > len(t.b) {
		return nil, malformed("IFD of %d entries runs past the end", n)
	}
	out := make(map[uint16]entry, n)
	for i := range n {
		e := t.b[start+12*i:]
		var en entry
		en.typ, en.count = t.bo.Uint16(e[2:4]), t.bo.Uint32(e[4:8])
		copy(en.value[:], e[8:12])
		out[t.bo.Uint16(e[0:2])] = en
	}
	return out, nil
}

// data returns the bytes of an entry's value of size bytes in all.
func (t tiff) data(e entry, size uint64) ([]byte, error) {
	if size <= 4 {
		return e.value[:size], nil
	}
	off := uint64(t.bo.Uint32(e.value[:]))
	if off+size > uint64(len(t.b)) {
		return nil, malformed("value at offset %d of %d bytes runs past the end", off, size)
	}
	return t.b[off : off+size], nil
}

// coordinate reads a degrees/minutes/seconds coordinate and its hemisphere.
func (t tiff) coordinate(ifd map[uint16]entry, refTag, valTag uint16, pos, neg string, limit float64) (float64, error) {
	ref, okRef := ifd[refTag]
	val, okVal := ifd[valTag]
	if !okRef || !okVal {
		return 0, ErrNoGPS
	}
	if ref.typ != typeASCII || ref.count < 1 || ref.count > 4 {
		return 0, malformed("GPS reference tag %d has type %d count %d", refTag, ref.typ, ref.count)
	}
	sign := 0.0
	switch string(ref.value[:1]) {
	case pos:
		sign = 1
	case neg:
		sign = -1
	default:
		return 0, malformed("GPS reference %q is neither %s nor %s", ref.value[:1], pos, neg)
	}
	if val.typ != typeRational || val.count != 3 {
		return 0, malformed("GPS coordinate tag %d has type %d count %d, want 3 RATIONALs", valTag, val.typ, val.count)
	}
	b, err := t.data(val, 24)
	if err != nil {
		return 0, err
	}
	deg := 0.0
	for i, scale := range []float64{1, 60, 3600} {
		num, den := t.bo.Uint32(b[8*i:]), t.bo.Uint32(b[8*i+4:])
		if den == 0 {
			if num == 0 {
				continue // 0/0 is written by some cameras for unused seconds
			}
			return 0, malformed("GPS coordinate has a zero denominator")
		}
		deg += float64(num) / float64(den) / scale
	}
	if math.IsNaN(deg) || deg > limit {
		return 0, malformed("GPS coordinate %v is out of range", deg)
	}
	return sign * deg, nil
}
