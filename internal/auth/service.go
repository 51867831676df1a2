package auth

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"yiwang/internal/dispatch"
	"yiwang/internal/store"
)

// SessionTTL is how long a session lasts after sign-in.
const SessionTTL = 12 * time.Hour

// Units is the unit directory the users' units and data scopes come
// from (*dispatch.Directory; the platform passes the one in force).
type Units interface {
	Unit(code string) (dispatch.Unit, error)
	Children(code string) ([]dispatch.Unit, error)
}

// Options are the Service's dependencies.
type Options struct {
	// Store keeps users, sessions, tokens and the audit as documents. Required.
	Store store.Store
	// Units validates users' units and gives their data scope. Required.
	Units Units
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives failures to record the audit; nil discards.
	Logger *slog.Logger
	// Hash are argon2id's costs for new hashes; zero means DefaultHashParams.
	Hash HashParams
}

// Service is the identity and access service. It is safe for concurrent use.
type Service struct {
	st    store.Store
	units Units
	now   func() time.Time
	log   *slog.Logger
	hash  HashParams
	// dummy is a hash verified for unknown logins, so that they take as
	// long to refuse as wrong passwords.
	dummy  string
	policy *policy
	audits atomic.Uint64 // audit records written by this Service
}

// New checks opts and returns the Service.
func New(opts Options) (*Service, error) {
	if opts.Store == nil || opts.Units == nil {
		return nil, errors.New("auth: Options.Store and Options.Units are required")
	}
	s := &Service{st: opts.Store, units: opts.Units, now: opts.Now, log: opts.Logger, hash: opts.Hash}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.hash == (HashParams{}) {
		s.hash = DefaultHashParams
	}
	var err error
	if s.dummy, err = HashPassword(randomToken(), s.hash); err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	if s.policy, err = newPolicy(Policy); err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	return s, nil
}

// NewUser is what CreateUser needs.
type NewUser struct {
	Login, Name, Unit string
	Roles             []Role
	// Password may be empty for machine users (role device only), who
	// sign in with API tokens.
	Password string
}

// CreateUser validates and stores a new user; by names who did it.
func (s *Service) CreateUser(ctx context.Context, n NewUser) (User, error) {
	return s.createUser(ctx, n, "")
}

func (s *Service) createUser(ctx context.Context, n NewUser, by string) (User, error) {
	u := User{Login: n.Login, Name: strings.TrimSpace(n.Name), Unit: n.Unit, Roles: slices.Clone(n.Roles), CreatedAt: s.now().UTC(), UpdatedBy: by}
	if err := errors.Join(checkLogin(u.Login), checkName(u.Name), s.checkUnit(u.Unit), checkRoles(u.Roles)); err != nil {
		return User{}, err
	}
	if n.Password != "" || !(len(u.Roles) == 1 && u.Roles[0] == RoleDevice) {
		h, err := HashPassword(n.Password, s.hash)
		if err != nil {
			return User{}, err
		}
		u.PasswordHash = h
	}
	err := s.putUser(ctx, &u, 0)
	if errors.Is(err, store.ErrVersionConflict) {
		return User{}, fmt.Errorf("user %q: %w", u.Login, ErrUserExists)
	}
	if err != nil {
		return User{}, err
	}
	s.audit(ctx, AuditRecord{Kind: "user-created", Login: u.Login, By: by})
	return u, nil
}

func (s *Service) checkUnit(code string) error {
	if code == "" {
		return &FieldError{Field: "unit", Reason: "is required: a unit code from GET /api/v1/dispatch/units"}
	}
	if _, err := s.units.Unit(code); err != nil {
		return &FieldError{Field: "unit", Reason: fmt.Sprintf("%q is not a unit of the directory (GET /api/v1/dispatch/units)", code)}
	}
	return nil
}

// GetUser returns a user; ErrNoSuchUser if there is none.
func (s *Service) GetUser(ctx context.Context, login string) (User, error) {
	if checkLogin(login) != nil {
		return User{}, fmt.Errorf("user %q: %w", login, ErrNoSuchUser)
	}
	d, err := s.st.GetDocument(ctx, UserDocument(login))
	if errors.Is(err, store.ErrNotFound) {
		return User{}, fmt.Errorf("user %q: %w", login, ErrNoSuchUser)
	}
	if err != nil {
		return User{}, fmt.Errorf("reading user %q: %w", login, err)
	}
	var u User
	if err := json.Unmarshal(d.Body, &u); err != nil {
		return User{}, fmt.Errorf("user %q: stored document: %w", login, err)
	}
	u.version = d.Version
	return u, nil
}

// ListUsers returns every user, by login.
func (s *Service) ListUsers(ctx context.Context) ([]User, error) {
	var out []User
	after := ""
	for {
		docs, err := s.st.ListDocuments(ctx, userPrefix, after, store.MaxDocumentPage)
		if err != nil {
			return nil, fmt.Errorf("listing users: %w", err)
		}
		for _, d := range docs {
			var u User
			if err := json.Unmarshal(d.Body, &u); err != nil {
				return nil, fmt.Errorf("user document %q: %w", d.Name, err)
			}
			u.version = d.Version
			out = append(out, u)
		}
		if len(docs) < store.MaxDocumentPage {
			return out, nil
		}
		after = docs[len(docs)-1].Name
	}
}

func (s *Service) putUser(ctx context.Context, u *User, expect int) error {
	body, err := json.Marshal(u)
	if err != nil {
		return fmt.Errorf("encoding user %q: %w", u.Login, err)
	}
	d, err := s.st.PutDocument(ctx, store.Document{Name: UserDocument(u.Login), Body: body, UpdatedBy: u.UpdatedBy}, expect)
	if err != nil {
		return fmt.Errorf("storing user %q: %w", u.Login, err)
	}
	u.version = d.Version
	return nil
}

// UserChange is an update of a user: nil fields stay as they are.
type UserChange struct {
	Name     *string
	Unit     *string
	Roles    []Role
	Disabled *bool
	Password *string
}

// UpdateUser applies ch to the user (retrying when another node changed
// it meanwhile) and returns it as stored; by names who did it.
func (s *Service) UpdateUser(ctx context.Context, login string, ch UserChange, by string) (User, error) {
	var errs []error
	if ch.Name != nil {
		errs = append(errs, checkName(*ch.Name))
	}
	if ch.Unit != nil {
		errs = append(errs, s.checkUnit(*ch.Unit))
	}
	if ch.Roles != nil {
		errs = append(errs, checkRoles(ch.Roles))
	}
	var hash string
	if ch.Password != nil {
		h, err := HashPassword(*ch.Password, s.hash)
		errs = append(errs, err)
		hash = h
	}
	if err := errors.Join(errs...); err != nil {
		return User{}, err
	}
	for range 10 {
		u, err := s.GetUser(ctx, login)
		if err != nil {
			return User{}, err
		}
		if ch.Name != nil {
			u.Name = strings.TrimSpace(*ch.Name)
		}
		if ch.Unit != nil {
			u.Unit = *ch.Unit
		}
		if ch.Roles != nil {
			u.Roles = slices.Clone(ch.Roles)
		}
		if ch.Disabled != nil {
			u.Disabled = *ch.Disabled
		}
		if ch.Password != nil {
			u.PasswordHash = hash
			u.recordSuccess() // a new password lifts a lock
		}
		u.UpdatedBy = by
		err = s.putUser(ctx, &u, u.version)
		if errors.Is(err, store.ErrVersionConflict) {
			continue
		}
		if err != nil {
			return User{}, err
		}
		kind := "user-changed"
		if ch.Disabled != nil && *ch.Disabled {
			kind = "user-disabled"
		} else if ch.Disabled != nil {
			kind = "user-enabled"
		}
		s.audit(ctx, AuditRecord{Kind: kind, Login: login, By: by})
		return u, nil
	}
	return User{}, fmt.Errorf("user %q keeps changing: %w", login, store.ErrVersionConflict)
}

// SetDisabled disables (or enables) a user. A disabled user's sessions
// and tokens stop working at the next request, on every node.
func (s *Service) SetDisabled(ctx context.Context, login string, disabled bool, by string) error {
	_, err := s.UpdateUser(ctx, login, UserChange{Disabled: &disabled}, by)
	return err
}

// randomToken returns 32 random bytes in unpadded base64url (43 characters).
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return base64URL(b)
}
