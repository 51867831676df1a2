package auth

import "errors"

// Sentinel errors.
var (
	// ErrBadCredentials: unknown login, wrong password, or a disabled user
	// (one answer for all, so that logins cannot be probed).
	ErrBadCredentials = errors.New("wrong login or password")
	// ErrLocked: too many consecutive failures; see LockedError.
	ErrLocked = errors.New("sign-in locked after repeated failures")
	// ErrNoSuchUser: no user with that login.
	ErrNoSuchUser = errors.New("no such user")
	// ErrUserExists: CreateUser with a login already taken.
	ErrUserExists = errors.New("user already exists")
	// ErrInvalid: a field's value breaks a rule; see FieldError.
	ErrInvalid = errors.New("invalid")
	// ErrUnauthenticated: no valid session or token.
	ErrUnauthenticated = errors.New("not signed in")
)

// FieldError names the offending field of a user or token and what is wrong.
type FieldError struct {
	Field, Reason string
}

func (e *FieldError) Error() string { return e.Field + " " + e.Reason }

// Unwrap makes errors.Is(err, ErrInvalid) true.
func (e *FieldError) Unwrap() error { return ErrInvalid }
