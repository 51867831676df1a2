package notify_test

import (
	"strings"
	"testing"

	"yiwang/internal/notify"
)

// FuzzVerify: a body's own signature verifies (hex in either case), any
// other header value for it does not, and no input panics.
func FuzzVerify(f *testing.F) {
	f.Add([]byte("k"), []byte(`{"id":"WH-1/3"}`), "sha256=00")
	f.Add([]byte(""), []byte(""), "")
	f.Add([]byte("k"), []byte("x"), "sha256=zz")
	f.Fuzz(func(t *testing.T, secret, body []byte, header string) {
		sig := notify.Sign(secret, body)
		if !notify.Verify(secret, body, sig) {
			t.Fatalf("own signature %q rejected", sig)
		}
		if !strings.EqualFold(header, sig) && notify.Verify(secret, body, header) {
			t.Fatalf("header %q accepted, signature is %q", header, sig)
		}
	})
}
