package auth

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Lock-out: after MaxFailures consecutive failed sign-ins a login is
// locked for LockFor; the lock ends by itself.
const (
	MaxFailures = 5
	LockFor     = 15 * time.Minute
)

// User is a staff member (or a machine) who signs in. It is kept as the
// store document UserDocument(login), JSON encoded.
type User struct {
	Login string `json:"login"`
	Name  string `json:"name"`
	// Unit is the dispatch unit code the user belongs to.
	Unit     string `json:"unit"`
	Roles    []Role `json:"roles"`
	Disabled bool   `json:"disabled,omitempty"`
	// PasswordHash is an argon2id PHC string ("" for machine users, who
	// use API tokens only).
	PasswordHash string `json:"password_hash,omitempty"`
	// Failures counts consecutive failed sign-ins; LockedUntil, when in
	// the future, refuses every sign-in.
	Failures    int       `json:"failures,omitempty"`
	LockedUntil time.Time `json:"locked_until,omitzero"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedBy   string    `json:"updated_by,omitempty"`
	// version is the store document's version (for updates).
	version int
}

// HasRole reports whether u has role r.
func (u *User) HasRole(r Role) bool {
	for _, x := range u.Roles {
		if x == r {
			return true
		}
	}
	return false
}

// Locked reports whether sign-in is locked at now.
func (u *User) Locked(now time.Time) bool { return now.Before(u.LockedUntil) }

// recordFailure counts a failed sign-in at now and reports whether it
// locked the user. A lock that has run out starts a fresh count.
func (u *User) recordFailure(now time.Time) bool {
	if !u.LockedUntil.IsZero() && !now.Before(u.LockedUntil) {
		u.Failures, u.LockedUntil = 0, time.Time{}
	}
	u.Failures++
	if u.Failures >= MaxFailures {
		u.LockedUntil = now.Add(LockFor)
		return true
	}
	return false
}

// recordSuccess clears the failure count.
func (u *User) recordSuccess() {
	u.Failures, u.LockedUntil = 0, time.Time{}
}

// checkLogin validates a login: lower-case [a-z0-9._-], 3 to 64 bytes.
func checkLogin(login string) error {
	if len(login) < 3 || len(login) > 64 {
		return &FieldError{Field: "login", Reason: fmt.Sprintf("must be 3 to 64 characters, got %d", len(login))}
	}
	for i := 0; i < len(login); i++ {
		c := login[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return &FieldError{Field: "login", Reason: fmt.Sprintf("may hold only a-z, 0-9, '.', '_' and '-'; %q is not allowed", login[i:i+1])}
		}
	}
	return nil
}

// checkName validates a display name: 1 to 100 characters of valid UTF-8
// without control characters.
func checkName(name string) error {
	n := strings.TrimSpace(name)
	if n == "" || utf8.RuneCountInString(n) > 100 || !utf8.ValidString(n) {
		return &FieldError{Field: "name", Reason: "must be 1 to 100 characters of text"}
	}
	for _, r := range n {
		if r < 0x20 || r == 0x7f {
			return &FieldError{Field: "name", Reason: "must not hold control characters"}
		}
	}
	return nil
}

// UserDocument is the store document name of a user.
func UserDocument(login string) string { return userPrefix + login }

// Store document name prefixes.
const (
	userPrefix    = "auth/user/"
	sessionPrefix = "auth/session/"
	tokenPrefix   = "auth/token/"
	auditPrefix   = "auth/audit/"
)
