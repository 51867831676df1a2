// Package attachtest builds test images for the attach package and its
// users: JPEG, PNG and WebP files generated in memory, and hand-built Exif
// bodies with GPS tags inserted into them. Nothing here is real data.
package attachtest

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
)

func picture(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 7), uint8(y * 5), uint8(x + y), 255})
		}
	}
	return img
}

// JPEG returns a generated w×h JPEG without metadata.
func JPEG(w, h int) []byte {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, picture(w, h), &jpeg.Options{Quality: 80}); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// PNG returns a generated w×h PNG without metadata.
func PNG(w, h int) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, picture(w, h)); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// ExifGPS returns a TIFF-structured Exif body (without the "Exif\0\0"
// header) whose IFD0 points to a GPS IFD holding lat and lon as degrees,
// minutes and seconds, in big-endian ("MM") or little-endian ("II") order.
func ExifGPS(lat, lon float64, bigEndian bool) []byte {
	var bo binary.ByteOrder = binary.LittleEndian
	b := make([]byte, 128)
	copy(b, "II*\x00")
	if bigEndian {
		bo = binary.BigEndian
		copy(b, "MM\x00*")
	}
	bo.PutUint32(b[4:], 8)
	entry := func(at int, tag, typ uint16, count, value uint32) {
		bo.PutUint16(b[at:], tag)
		bo.PutUint16(b[at+2:], typ)
		bo.PutUint32(b[at+4:], count)
		bo.PutUint32(b[at+8:], value)
	}
	// IFD0 at 8: one entry, the GPS IFD pointer; next IFD 0.
	bo.PutUint16(b[8:], 1)
	entry(10, 0x8825, 4, 1, 26)
	// GPS IFD at 26: four entries, then next IFD 0; values at 80 and 104.
	bo.PutUint16(b[26:], 4)
	ref := func(at int, tag uint16, c byte) {
		entry(at, tag, 2, 2, 0)
		b[at+8] = c
	}
	latRef, lonRef := byte('N'), byte('E')
	if lat < 0 {
		latRef = 'S'
	}
	if lon < 0 {
		lonRef = 'W'
	}
	ref(28, 1, latRef)
	entry(40, 2, 5, 3, 80)
	ref(52, 3, lonRef)
	entry(64, 4, 5, 3, 104)
	dms := func(at int, v float64) {
		v = math.Abs(v)
		d := math.Floor(v)
		m := math.Floor((v - d) * 60)
		s := (v - d - m/60) * 3600
		for i, r := range [][2]uint32{{uint32(d), 1}, {uint32(m), 1}, {uint32(math.Round(s * 10000)), 10000}} {
			bo.PutUint32(b[at+8*i:], r[0])
			bo.PutUint32(b[at+8*i+4:], r[1])
		}
	}
	dms(80, lat)
	dms(104, lon)
	return b
}

// WithAPP1 returns the JPEG with an APP1 segment holding payload inserted
// right after SOI.
func WithAPP1(jpg, payload []byte) []byte {
	seg := []byte{0xff, 0xe1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	out := append([]byte{}, jpg[:2]...)
	out = append(out, seg...)
	out = append(out, payload...)
	return append(out, jpg[2:]...)
}

// JPEGWithGPS returns a generated w×h JPEG carrying an Exif APP1 segment
// with the GPS position lat, lon.
func JPEGWithGPS(w, h int, lat, lon float64) []byte {
	return WithAPP1(JPEG(w, h), append([]byte("Exif\x00\x00"), ExifGPS(lat, lon, true)...))
}

// PNGWithExif returns the PNG with an eXIf chunk holding exif inserted
// after IHDR (chunk CRC included).
func PNGWithExif(p, exif []byte) []byte {
	const afterIHDR = 8 + 8 + 13 + 4
	chunk := make([]byte, 8, 12+len(exif))
	binary.BigEndian.PutUint32(chunk, uint32(len(exif)))
	copy(chunk[4:], "eXIf")
	chunk = append(chunk, exif...)
	chunk = binary.BigEndian.AppendUint32(chunk, crc(chunk[4:]))
	out := append([]byte{}, p[:afterIHDR]...)
	out = append(out, chunk...)
	return append(out, p[afterIHDR:]...)
}

// WebP returns a minimal extended WebP container (VP8X, an optional EXIF
// chunk, and a VP8L chunk with a w×h header). Its pixel data is not valid
// VP8L: it is enough for the container and header checks, not for decoding.
func WebP(w, h int, exif []byte) []byte {
	chunk := func(fourcc string, data []byte) []byte {
		c := append([]byte(fourcc), 0, 0, 0, 0)
		binary.LittleEndian.PutUint32(c[4:], uint32(len(data)))
		c = append(c, data...)
		if len(data)%2 == 1 {
			c = append(c, 0)
		}
		return c
	}
	vp8x := make([]byte, 10)
	if exif != nil {
		vp8x[0] = 0x08
	}
	put24 := func(b []byte, v int) { b[0], b[1], b[2] = byte(v), byte(v>>8), byte(v>>16) }
	put24(vp8x[4:], w-1)
	put24(vp8x[7:], h-1)
	bits := uint32(w-1) | uint32(h-1)<<14
	vp8l := []byte{0x2f, 0, 0, 0, 0, 0}
	binary.LittleEndian.PutUint32(vp8l[1:], bits)
	body := append([]byte("WEBP"), chunk("VP8X", vp8x)...)
	if exif != nil {
		body = append(body, chunk("EXIF", exif)...)
	}
	body = append(body, chunk("VP8L", vp8l)...)
	out := append([]byte("RIFF"), 0, 0, 0, 0)
	binary.LittleEndian.PutUint32(out[4:], uint32(len(body)))
	return append(out, body...)
}

func crc(b []byte) uint32 { return crc32.ChecksumIEEE(b) }
