package platform

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"time"

	"yiwang/internal/auth"
)

// RootUnit is the unit of the machine users MachineToken creates: the
// city government, the root of the demo directory.
const RootUnit = "zhengfu.420100"

// MachineToken returns a new API token of the machine user login with
// role, creating the user (unit RootUnit, no password) when it does not
// exist: the in-process benchmarks and tools that call the node over HTTP
// authenticate with it.
func (n *Node) MachineToken(ctx context.Context, login string, role auth.Role) (string, error) {
	_, err := n.Auth.GetUser(ctx, login)
	if errors.Is(err, auth.ErrNoSuchUser) {
		nu := auth.NewUser{Login: login, Name: login, Unit: RootUnit, Roles: []auth.Role{role}}
		if role != auth.RoleDevice {
			// Only device users may lack a password: a random one nobody
			// knows, so the user can only use tokens.
			nu.Password = rand.Text()
		}
		_, err = n.Auth.CreateUser(ctx, nu)
		if errors.Is(err, auth.ErrUserExists) {
			err = nil // another caller created it meanwhile
		}
	}
	if err != nil {
		return "", fmt.Errorf("machine user %q: %w", login, err)
	}
	return n.Auth.CreateToken(ctx, login, "machine token", 0)
}

// BearerTransport adds Authorization: Bearer token to every request that
// has none (nil base means http.DefaultTransport).
func BearerTransport(token string, base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return bearer{token: token, base: base}
}

type bearer struct {
	token string
	base  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("Authorization") != "" {
		return b.base.RoundTrip(r)
	}
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return b.base.RoundTrip(r)
}

// purgeSessions deletes expired sessions every 10 minutes until ctx ends.
func (n *Node) purgeSessions(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if k, err := n.Auth.PurgeSessions(ctx); err != nil && ctx.Err() == nil {
			n.log.Warn("expired sessions not purged", "err", err)
		} else if k > 0 {
			n.log.Debug("expired sessions purged", "sessions", k)
		}
	}
}
