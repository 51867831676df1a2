package attach_test

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"yiwang/internal/attach"
	"yiwang/internal/attach/attachtest"
)

func newService(t *testing.T, opts attach.Options) (*attach.Service, string) {
	t.Helper()
	root := t.TempDir()
	d, err := attach.NewDir(root)
	if err != nil {
		t.Fatal(err)
	}
	opts.Blobs = d
	s, err := attach.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s, root
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-6 }

func TestReadExifGPS(t *testing.T) {
	for _, tc := range []struct {
		name     string
		lat, lon float64
		big      bool
	}{
		{"wuhan big-endian", 30.5928, 114.3055, true},
		{"wuhan little-endian", 30.5928, 114.3055, false},
		{"south-west", -33.8688, -151.2093, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := attach.ReadExifGPS(attachtest.ExifGPS(tc.lat, tc.lon, tc.big))
			if err != nil {
				t.Fatal(err)
			}
			if !near(g.Lat, tc.lat) || !near(g.Lon, tc.lon) {
				t.Fatalf("got %+v, want %v, %v", g, tc.lat, tc.lon)
			}
		})
	}
}

func TestReadExifGPSBad(t *testing.T) {
	good := attachtest.ExifGPS(30.5, 114.3, true)
	noGPS := append([]byte{}, good[:26]...)
	noGPS[9] = 0 // IFD0 with no entries
	mut := func(f func(b []byte)) []byte {
		b := append([]byte{}, good...)
		f(b)
		return b
	}
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, attach.ErrMalformed},
		{"no byte order", []byte("XX*\x00\x00\x00\x00\x08"), attach.ErrMalformed},
		{"no gps ifd", noGPS, attach.ErrNoGPS},
		{"ifd0 outside", mut(func(b []byte) { b[7] = 200 }), attach.ErrMalformed},
		{"gps ifd outside", mut(func(b []byte) { b[21] = 250 }), attach.ErrMalformed},
		{"bad hemisphere", mut(func(b []byte) { b[36] = 'Q' }), attach.ErrMalformed},
		{"zero denominator", mut(func(b []byte) { copy(b[84:88], []byte{0, 0, 0, 0}) }), attach.ErrMalformed},
		{"rational outside", mut(func(b []byte) { b[51] = 127 }), attach.ErrMalformed},
		{"truncated", good[:90], attach.ErrMalformed},
		{"null island", attachtest.ExifGPS(0, 0, true), attach.ErrNoGPS},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := attach.ReadExifGPS(tc.b)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestSniff(t *testing.T) {
	for _, tc := range []struct {
		name, want, detected string
		b                    []byte
	}{
		{name: "jpeg", b: attachtest.JPEG(4, 4), want: attach.TypeJPEG},
		{name: "png", b: attachtest.PNG(4, 4), want: attach.TypePNG},
		{name: "webp", b: attachtest.WebP(4, 4, nil), want: attach.TypeWebP},
		{name: "elf renamed .jpg", b: []byte("\x7fELF\x02\x01\x01\x00rest"), detected: "ELF"},
		{name: "pe renamed .jpg", b: []byte("MZ\x90\x00\x03\x00"), detected: "PE"},
		{name: "html", b: []byte("<html><script>"), detected: "markup"},
		{name: "gif", b: []byte("GIF89a...."), detected: "GIF"},
		{name: "empty", b: nil, detected: "empty"},
		{name: "text", b: []byte("hello"), detected: "unrecognised"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := attach.Sniff(tc.b)
			if tc.want != "" {
				if err != nil || got != tc.want {
					t.Fatalf("Sniff = %q, %v; want %q", got, err, tc.want)
				}
				return
			}
			var te *attach.TypeError
			if !errors.As(err, &te) || !errors.Is(err, attach.ErrUnsupported) || !strings.Contains(te.Detected, tc.detected) {
				t.Fatalf("err = %v, want a TypeError detecting %q", err, tc.detected)
			}
		})
	}
}

func TestPrepareStripsJPEGExif(t *testing.T) {
	s, _ := newService(t, attach.Options{})
	orig := attachtest.JPEGWithGPS(16, 12, 30.5928, 114.3055)
	p, err := s.Prepare(orig)
	if err != nil {
		t.Fatal(err)
	}
	if p.GPS == nil || !near(p.GPS.Lat, 30.5928) || !near(p.GPS.Lon, 114.3055) {
		t.Fatalf("GPS = %+v", p.GPS)
	}
	if bytes.Contains(p.Data, []byte("Exif\x00\x00")) || bytes.Contains(p.Data, []byte{0xff, 0xe1}) {
		t.Fatal("stored copy still holds an APP1/Exif segment")
	}
	if p.Stripped != 1 || p.Width != 16 || p.Height != 12 || p.Type != attach.TypeJPEG {
		t.Fatalf("prepared = %+v", p)
	}
	if p.SHA256 != attach.Sum(p.Data) || p.SHA256 == attach.Sum(orig) {
		t.Fatal("hash must be of the stripped bytes")
	}
	// The stripped JPEG is the plain encoding: stripping undoes the insertion.
	if !bytes.Equal(p.Data, attachtest.JPEG(16, 12)) {
		t.Fatal("stripped bytes differ from the image without the segment")
	}
}

func TestPrepareOtherFormats(t *testing.T) {
	s, _ := newService(t, attach.Options{})
	exif := attachtest.ExifGPS(30.6, 114.2, false)
	for _, tc := range []struct {
		name string
		b    []byte
		typ  string
	}{
		{"png with eXIf", attachtest.PNGWithExif(attachtest.PNG(5, 3), exif), attach.TypePNG},
		{"webp with EXIF", attachtest.WebP(5, 3, exif), attach.TypeWebP},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := s.Prepare(tc.b)
			if err != nil {
				t.Fatal(err)
			}
			if p.Type != tc.typ || p.Width != 5 || p.Height != 3 || p.Stripped != 1 {
				t.Fatalf("prepared = %+v", p)
			}
			if p.GPS == nil || !near(p.GPS.Lat, 30.6) || !near(p.GPS.Lon, 114.2) {
				t.Fatalf("GPS = %+v", p.GPS)
			}
			if bytes.Contains(p.Data, exif[:16]) {
				t.Fatal("Exif body still in the stored copy")
			}
			if _, err := s.Prepare(p.Data); err != nil {
				t.Fatalf("stripped copy is no longer accepted: %v", err)
			}
		})
	}
	// WebP: the RIFF size and the VP8X flags are rewritten.
	p, err := s.Prepare(attachtest.WebP(5, 3, exif))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p.Data, attachtest.WebP(5, 3, nil)) {
		t.Fatal("stripped WebP differs from the same container without EXIF")
	}
}

func TestPrepareRefuses(t *testing.T) {
	s, _ := newService(t, attach.Options{MaxBytes: 4096, MaxPixels: 100 * 100})
	jpg := attachtest.JPEG(8, 8)
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"elf as jpg", append([]byte("\x7fELF"), make([]byte, 100)...), attach.ErrUnsupported},
		{"pe as jpg", append([]byte("MZ"), make([]byte, 100)...), attach.ErrUnsupported},
		{"too many bytes", append(append([]byte{}, jpg...), make([]byte, 5000)...), attach.ErrTooLarge},
		{"too many pixels", attachtest.WebP(200, 200, nil), attach.ErrTooLarge},
		{"jpeg magic then junk", []byte{0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F'}, attach.ErrMalformed},
		{"jpeg without scan", []byte{0xff, 0xd8, 0xff, 0xd9}, attach.ErrMalformed},
		{"jpeg truncated header", jpg[:40], attach.ErrMalformed},
		{"png without IEND", attachtest.PNG(4, 4)[:40], attach.ErrMalformed},
		{"webp without image chunk", []byte("RIFF\x04\x00\x00\x00WEBP"), attach.ErrMalformed},
		{"webp size past end", []byte("RIFF\xff\x00\x00\x00WEBPVP8L"), attach.ErrMalformed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.Prepare(tc.b)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestPrepareDropsTrailingPNGData(t *testing.T) {
	s, _ := newService(t, attach.Options{})
	img := attachtest.PNG(4, 4)
	p, err := s.Prepare(append(append([]byte{}, img...), []byte("\x7fELF payload")...))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p.Data, img) {
		t.Fatal("data after IEND was kept")
	}
}

func TestSaveAndGet(t *testing.T) {
	s, root := newService(t, attach.Options{})
	ctx := t.Context()
	p, err := s.Put(ctx, attachtest.JPEGWithGPS(8, 8, 30.5, 114.3))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(root, p.SHA256[:2], p.SHA256[2:])
	onDisk, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("file not at %s: %v", path, err)
	}
	if !bytes.Equal(onDisk, p.Data) {
		t.Fatal("file bytes differ from the prepared bytes")
	}
	if err := s.Save(ctx, p); err != nil { // idempotent
		t.Fatal(err)
	}
	obj, err := s.Get(ctx, p.SHA256)
	if err != nil || obj.Type != attach.TypeJPEG || !bytes.Equal(obj.Data, p.Data) {
		t.Fatalf("Get = %+v, %v", obj.Type, err)
	}
	if _, err := s.Get(ctx, strings.Repeat("0", 64)); !errors.Is(err, attach.ErrNotFound) {
		t.Fatalf("missing: %v", err)
	}
	for _, bad := range []string{"", "../etc/passwd", strings.Repeat("A", 64), strings.Repeat("0", 63)} {
		if _, err := s.Get(ctx, bad); !errors.Is(err, attach.ErrBadSum) {
			t.Fatalf("Get(%q): %v, want ErrBadSum", bad, err)
		}
	}
	// A file changed on disk is refused, not served.
	if err := os.WriteFile(path, append(onDisk, 0), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, p.SHA256); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("corrupt file: %v", err)
	}
	// Saving a prepared value whose data was altered is refused.
	p.Data = append([]byte{}, p.Data...)
	p.Data[len(p.Data)-3] ^= 1
	if err := s.Save(ctx, p); err == nil {
		t.Fatal("Save accepted data that does not match its hash")
	}
}

func TestNewRefuses(t *testing.T) {
	if _, err := attach.New(attach.Options{}); err == nil {
		t.Fatal("no Blobs accepted")
	}
	if _, err := attach.NewDir(""); err == nil {
		t.Fatal("empty dir accepted")
	}
}
