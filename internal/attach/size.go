package attach

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
)

// dimensions returns an image's width and height from its header.
func dimensions(typ string, b []byte) (int, int, error) {
	var cfg image.Config
	var err error
	switch typ {
	case TypeJPEG:
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(b))
	case TypePNG:
		cfg, err = png.DecodeConfig(bytes.NewReader(b))
	case TypeWebP:
		return webpSize(b)
	default:
		return 0, 0, fmt.Errorf("%w: %s", ErrUnsupported, typ)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("%w: %s header: %v", ErrMalformed, typ, err)
	}
	return cfg.Width, cfg.Height, nil
}

// webpSize reads the canvas size from the first VP8X, VP8 or VP8L chunk of
// a WebP file whose chunk structure strip has checked.
func webpSize(b []byte) (int, int, error) {
	for i := 12; i+8 <= len(b); {
		fourcc := string(b[i : i+4])
		n := int(binary.LittleEndian.Uint32(b[i+4:]))
		d := b[i+8 : min(len(b), i+8+n)]
		switch fourcc {
		case "VP8X":
			if len(d) >= 10 {
				w := 1 + int(d[4]) | int(d[5])<<8 | int(d[6])<<16
				h := 1 + int(d[7]) | int(d[8])<<8 | int(d[9])<<16
				return w, h, nil
			}
		case "VP8 ":
			if len(d) >= 10 && d[3] == 0x9d && d[4] == 0x01 && d[5] == 0x2a {
				return int(binary.LittleEndian.Uint16(d[6:]) & 0x3fff), int(binary.LittleEndian.Uint16(d[8:]) & 0x3fff), nil
			}
		case "VP8L":
			if len(d) >= 5 && d[0] == 0x2f {
				bits := binary.LittleEndian.Uint32(d[1:])
				return 1 + int(bits&0x3fff), 1 + int(bits>>14&0x3fff), nil
			}
		}
		if fourcc == "VP8X" || fourcc == "VP8 " || fourcc == "VP8L" {
			break
		}
		i += 8 + n + n%2
	}
	return 0, 0, fmt.Errorf("%w: webp: no readable VP8X, VP8 or VP8L header", ErrMalformed)
}
