package platform

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"yiwang/internal/store"
)

// lookupSecretDocument holds the key that signs citizens' lookup tokens
// when none is configured, so every node over one database signs alike
// and tokens survive restarts.
const lookupSecretDocument = "secrets/lookup-token"

// lookupSecret returns the configured secret, else the one kept in the
// store, creating it on first start.
func lookupSecret(ctx context.Context, st store.Store, configured []byte) ([]byte, error) {
	if len(configured) > 0 {
		return configured, nil
	}
	for range 3 {
		doc, err := st.GetDocument(ctx, lookupSecretDocument)
		if err == nil {
			return doc.Body, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, fmt.Errorf("reading the lookup-token secret: %w", err)
		}
		secret := make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return nil, fmt.Errorf("making a lookup-token secret: %w", err)
		}
		_, err = st.PutDocument(ctx, store.Document{Name: lookupSecretDocument, Body: secret, UpdatedBy: "system:platform"}, 0)
		if err == nil {
			return secret, nil
		}
		if !errors.Is(err, store.ErrVersionConflict) {
			return nil, fmt.Errorf("storing the lookup-token secret: %w", err)
		}
		// another node stored one first: read it
	}
	return nil, fmt.Errorf("the lookup-token secret keeps changing under us")
}
