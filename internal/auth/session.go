package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"yiwang/internal/store"
)

func base64URL(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// secretHash is the hex SHA-256 of a secret: sessions and tokens are kept
// under the hash of their secret, never the secret itself.
func secretHash(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// session is the stored document of a sign-in.
type session struct {
	Login     string    `json:"login"`
	CSRF      string    `json:"csrf"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// validSecret reports whether s looks like one of our random secrets
// (43 characters of base64url): anything else is refused before any
// store look-up.
func validSecret(s string) bool {
	if len(s) != 43 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		// The decoder skips '\r' and '\n': check the alphabet first.
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	_, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return err == nil
}

// TokenPrefix begins every API token.
const TokenPrefix = "yw_"

// parseBearer returns the API token of an Authorization header value
// ("Bearer yw_…"); ok is false for anything else.
func parseBearer(header string) (tok string, ok bool) {
	scheme, rest, found := strings.Cut(header, " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(rest)
	if !strings.HasPrefix(tok, TokenPrefix) || !validSecret(tok[len(TokenPrefix):]) {
		return "", false
	}
	return tok, true
}

// SignIn checks login and password at the clock's now and, when they
// match, starts a session. It returns the session secret (the cookie
// value) and its CSRF token. Wrong login, wrong password and a disabled
// user all give ErrBadCredentials; a locked login gives a *LockedError.
// Every attempt is audited with remote (the client address).
func (s *Service) SignIn(ctx context.Context, login, password, remote string) (u User, secret, csrf string, err error) {
	now := s.now().UTC()
	rec := AuditRecord{Kind: "signin", Login: login, Remote: remote}
	defer func() {
		if err != nil && rec.Outcome == "" {
			rec.Outcome = "error"
		}
		s.audit(ctx, rec)
	}()
	if checkLogin(login) != nil {
		rec.Login = "" // not a login: do not record arbitrary text
		VerifyPassword(s.dummy, password)
		rec.Outcome = "unknown-login"
		return User{}, "", "", ErrBadCredentials
	}
	for range 10 {
		u, err = s.GetUser(ctx, login)
		if errors.Is(err, ErrNoSuchUser) {
			VerifyPassword(s.dummy, password)
			rec.Outcome = "unknown-login"
			return User{}, "", "", ErrBadCredentials
		}
		if err != nil {
			return User{}, "", "", err
		}
		if u.Locked(now) {
			rec.Outcome = "locked"
			return User{}, "", "", &LockedError{Until: u.LockedUntil}
		}
		ok := false
		if u.PasswordHash != "" {
			ok, err = VerifyPassword(u.PasswordHash, password)
			if err != nil {
				return User{}, "", "", fmt.Errorf("user %q: %w", login, err)
			}
		} else {
			VerifyPassword(s.dummy, password)
		}
		if ok && u.Disabled {
			rec.Outcome = "disabled"
			return User{}, "", "", ErrBadCredentials
		}
		if !ok {
			locked := u.recordFailure(now)
			if err = s.putUser(ctx, &u, u.version); errors.Is(err, store.ErrVersionConflict) {
				continue // a concurrent attempt counted first: count again on the new version
			} else if err != nil {
				return User{}, "", "", err
			}
			if locked {
				rec.Outcome = "locked-out"
				return User{}, "", "", &LockedError{Until: u.LockedUntil}
			}
			rec.Outcome = "wrong-password"
			return User{}, "", "", ErrBadCredentials
		}
		if u.Failures != 0 || !u.LockedUntil.IsZero() {
			u.recordSuccess()
			if err = s.putUser(ctx, &u, u.version); errors.Is(err, store.ErrVersionConflict) {
				continue
			} else if err != nil {
				return User{}, "", "", err
			}
		}
		secret, csrf = randomToken(), randomToken()
		body, _ := json.Marshal(session{Login: login, CSRF: csrf, CreatedAt: now, ExpiresAt: now.Add(SessionTTL)})
		if _, err = s.st.PutDocument(ctx, store.Document{Name: sessionPrefix + secretHash(secret), Body: body, UpdatedBy: login}, 0); err != nil {
			return User{}, "", "", fmt.Errorf("storing session: %w", err)
		}
		rec.Outcome = "ok"
		return u, secret, csrf, nil
	}
	return User{}, "", "", fmt.Errorf("user %q keeps changing: %w", login, store.ErrVersionConflict)
}

// LockedError: sign-in is locked until Until.
type LockedError struct{ Until time.Time }

func (e *LockedError) Error() string {
	return fmt.Sprintf("sign-in locked after %d failures until %s", MaxFailures, e.Until.Format(time.RFC3339))
}

// Unwrap makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Unwrap() error { return ErrLocked }

// session returns the live session of a secret.
func (s *Service) session(ctx context.Context, secret string) (session, error) {
	if !validSecret(secret) {
		return session{}, ErrUnauthenticated
	}
	d, err := s.st.GetDocument(ctx, sessionPrefix+secretHash(secret))
	if errors.Is(err, store.ErrNotFound) {
		return session{}, ErrUnauthenticated
	}
	if err != nil {
		return session{}, fmt.Errorf("reading session: %w", err)
	}
	var ss session
	if err := json.Unmarshal(d.Body, &ss); err != nil {
		return session{}, fmt.Errorf("stored session: %w", err)
	}
	if !s.now().Before(ss.ExpiresAt) {
		return session{}, ErrUnauthenticated
	}
	return ss, nil
}

// SignOut ends the session of secret.
func (s *Service) SignOut(ctx context.Context, secret string) error {
	if !validSecret(secret) {
		return nil
	}
	err := s.st.DeleteDocument(ctx, sessionPrefix+secretHash(secret))
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("ending session: %w", err)
	}
	return nil
}

// token is the stored document of an API token.
type token struct {
	ID        string    `json:"id"`
	Login     string    `json:"login"`
	Name      string    `json:"name"`
	Hash      string    `json:"hash"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
	CreatedBy string    `json:"created_by,omitempty"`
}

// tokenID is the public id of a token: the first 24 hex digits of its hash.
func tokenID(hash string) string { return hash[:24] }

// CreateToken creates an API token for a user (ttl 0: no expiry) and
// returns it; only its hash is kept, so it is shown once.
func (s *Service) CreateToken(ctx context.Context, login, name string, ttl time.Duration) (string, error) {
	tok, _, err := s.createToken(ctx, login, name, ttl, "")
	return tok, err
}

func (s *Service) createToken(ctx context.Context, login, name string, ttl time.Duration, by string) (tok, id string, err error) {
	if _, err := s.GetUser(ctx, login); err != nil {
		return "", "", err
	}
	if err := checkName(name); err != nil {
		return "", "", err
	}
	if ttl < 0 {
		return "", "", &FieldError{Field: "ttl_hours", Reason: "must not be negative"}
	}
	tok = TokenPrefix + randomToken()
	h := secretHash(tok)
	now := s.now().UTC()
	t := token{ID: tokenID(h), Login: login, Name: strings.TrimSpace(name), Hash: h, CreatedAt: now, CreatedBy: by}
	if ttl > 0 {
		t.ExpiresAt = now.Add(ttl)
	}
	body, _ := json.Marshal(t)
	if _, err := s.st.PutDocument(ctx, store.Document{Name: tokenPrefix + t.ID, Body: body, UpdatedBy: by}, 0); err != nil {
		return "", "", fmt.Errorf("storing token: %w", err)
	}
	s.audit(ctx, AuditRecord{Kind: "token-created", Login: login, By: by, Detail: t.ID})
	return tok, t.ID, nil
}

// tokenUser returns the login of a live API token.
func (s *Service) tokenLogin(ctx context.Context, tok string) (string, error) {
	h := secretHash(tok)
	d, err := s.st.GetDocument(ctx, tokenPrefix+tokenID(h))
	if errors.Is(err, store.ErrNotFound) {
		return "", ErrUnauthenticated
	}
	if err != nil {
		return "", fmt.Errorf("reading token: %w", err)
	}
	var t token
	if err := json.Unmarshal(d.Body, &t); err != nil {
		return "", fmt.Errorf("stored token: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(t.Hash), []byte(h)) != 1 {
		return "", ErrUnauthenticated
	}
	if !t.ExpiresAt.IsZero() && !s.now().Before(t.ExpiresAt) {
		return "", ErrUnauthenticated
	}
	return t.Login, nil
}

// RevokeToken deletes an API token by its id; ErrNotFound-wrapped when
// there is none.
func (s *Service) RevokeToken(ctx context.Context, id, by string) error {
	if len(id) != 24 || strings.Trim(id, "0123456789abcdef") != "" {
		return fmt.Errorf("token %q: %w", id, store.ErrNotFound)
	}
	if err := s.st.DeleteDocument(ctx, tokenPrefix+id); err != nil {
		return fmt.Errorf("token %q: %w", id, err)
	}
	s.audit(ctx, AuditRecord{Kind: "token-revoked", By: by, Detail: id})
	return nil
}

// AuditRecord is one entry of the audit: a sign-in attempt or a change
// to users and tokens.
type AuditRecord struct {
	At time.Time `json:"at"`
	// Kind is signin, user-created, user-changed, user-disabled,
	// user-enabled, token-created or token-revoked.
	Kind string `json:"kind"`
	// Login is the user concerned (for sign-ins, the login tried when it
	// is a well-formed login).
	Login string `json:"login,omitempty"`
	// Outcome of a sign-in: ok, wrong-password, unknown-login, locked
	// (refused while locked), locked-out (this failure locked it),
	// disabled, error.
	Outcome string `json:"outcome,omitempty"`
	Remote  string `json:"remote,omitempty"`
	By      string `json:"by,omitempty"`
	Detail  string `json:"detail,omitempty"`
}

// audit records rec (stamped now); a failure to record is logged, not
// returned: the audit must not decide whether someone may sign in.
func (s *Service) audit(ctx context.Context, rec AuditRecord) {
	rec.At = s.now().UTC()
	body, _ := json.Marshal(rec)
	// Newest first in name order: the time counted down, then this
	// node's record count counted down, then randomness to keep two
	// nodes' records of one instant apart.
	n := s.audits.Add(1)
	name := fmt.Sprintf("%s%019d-%020d-%s", auditPrefix, math.MaxInt64-rec.At.UnixNano(), math.MaxUint64-n, randomToken()[:8])
	if _, err := s.st.PutDocument(context.WithoutCancel(ctx), store.Document{Name: name, Body: body, UpdatedBy: "auth"}, 0); err != nil {
		s.log.ErrorContext(ctx, "audit record not stored", "kind", rec.Kind, "login", rec.Login, "outcome", rec.Outcome, "err", err)
	}
}

// Audit returns up to limit audit records, newest first.
func (s *Service) Audit(ctx context.Context, limit int) ([]AuditRecord, error) {
	docs, err := s.st.ListDocuments(ctx, auditPrefix, "", limit)
	if err != nil {
		return nil, fmt.Errorf("reading the audit: %w", err)
	}
	out := make([]AuditRecord, 0, len(docs))
	for _, d := range docs {
		var rec AuditRecord
		if err := json.Unmarshal(d.Body, &rec); err != nil {
			return nil, fmt.Errorf("audit record %q: %w", d.Name, err)
		}
		out = append(out, rec)
	}
	return out, nil
}

// PurgeSessions deletes the sessions that have expired and returns how
// many it deleted (Node.Serve runs it now and then; an expired session is
// refused whether or not it was purged).
func (s *Service) PurgeSessions(ctx context.Context) (int, error) {
	now := s.now()
	n, after := 0, ""
	for {
		docs, err := s.st.ListDocuments(ctx, sessionPrefix, after, store.MaxDocumentPage)
		if err != nil {
			return n, fmt.Errorf("listing sessions: %w", err)
		}
		for _, d := range docs {
			var ss session
			if err := json.Unmarshal(d.Body, &ss); err == nil && now.Before(ss.ExpiresAt) {
				continue
			}
			if err := s.st.DeleteDocument(ctx, d.Name); err != nil && !errors.Is(err, store.ErrNotFound) {
				return n, fmt.Errorf("deleting session: %w", err)
			}
			n++
		}
		if len(docs) < store.MaxDocumentPage {
			return n, nil
		}
		after = docs[len(docs)-1].Name
	}
}
