package platform

import (
	"bytes"
	"context"
	"testing"

	"yiwang/internal/store/memstore"
)

func TestLookupSecretIsCreatedOnceAndShared(t *testing.T) {
	ctx := context.Background()
	st := memstore.New(memstore.Options{})
	a, err := lookupSecret(ctx, st, nil)
	if err != nil || len(a) != 32 {
		t.Fatalf("first secret: %d bytes, %v", len(a), err)
	}
	b, err := lookupSecret(ctx, st, nil)
	if err != nil || !bytes.Equal(a, b) {
		t.Fatalf("second node got a different secret (%v)", err)
	}
	c, err := lookupSecret(ctx, st, []byte("configured-secret-of-32-bytes!!!"))
	if err != nil || string(c) != "configured-secret-of-32-bytes!!!" {
		t.Fatalf("configured secret not used: %q %v", c, err)
	}
}
