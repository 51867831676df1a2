package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// HashParams are argon2id's cost parameters.
type HashParams struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

// DefaultHashParams follow OWASP's minimum for argon2id (19 MiB, 2 passes,
// 1 lane): ≈ 30 ms per sign-in on one core.
var DefaultHashParams = HashParams{Memory: 19 * 1024, Time: 2, Threads: 1}

// Limits a stored hash's parameters must respect, so that a tampered
// document cannot make a sign-in allocate gigabytes.
const (
	maxMemory  = 1 << 20 // KiB (1 GiB)
	maxTime    = 100
	saltLen    = 16
	keyLen     = 32
	maxPHCLen  = 512
	phcVersion = argon2.Version
)

// MinPasswordLen and MaxPasswordLen bound passwords (in bytes).
const (
	MinPasswordLen = 8
	MaxPasswordLen = 1024
)

// errMalformedHash: a stored hash is not an argon2id PHC string.
var errMalformedHash = errors.New("malformed password hash")

// HashPassword hashes password with argon2id and a random salt, in PHC
// format: $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash> (unpadded base64).
func HashPassword(password string, p HashParams) (string, error) {
	if err := checkPassword(password); err != nil {
		return "", err
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", phcVersion, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

func checkPassword(pw string) error {
	if len(pw) < MinPasswordLen || len(pw) > MaxPasswordLen {
		return &FieldError{Field: "password", Reason: fmt.Sprintf("must be %d to %d bytes long, got %d", MinPasswordLen, MaxPasswordLen, len(pw))}
	}
	return nil
}

// phc is a parsed argon2id PHC string.
type phc struct {
	params    HashParams
	salt, key []byte
}

// parsePHC parses an argon2id PHC string, refusing other algorithms,
// versions and parameters outside the limits.
func parsePHC(s string) (phc, error) {
	var out phc
	if len(s) > maxPHCLen {
		return out, errMalformedHash
	}
	parts := strings.Split(s, "$")
	// "", "argon2id", "v=19", "m=…,t=…,p=…", salt, hash
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(phcVersion) {
		return out, errMalformedHash
	}
	kv := strings.Split(parts[3], ",")
	if len(kv) != 3 {
		return out, errMalformedHash
	}
	var vals [3]uint64
	for i, name := range []string{"m", "t", "p"} {
		k, v, ok := strings.Cut(kv[i], "=")
		if !ok || k != name || v == "" || (len(v) > 1 && v[0] == '0') {
			return out, errMalformedHash
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return out, errMalformedHash
		}
		vals[i] = n
	}
	if vals[0] < 8 || vals[0] > maxMemory || vals[1] < 1 || vals[1] > maxTime || vals[2] < 1 || vals[2] > 255 || vals[0] < 8*vals[2] {
		return out, errMalformedHash
	}
	out.params = HashParams{Memory: uint32(vals[0]), Time: uint32(vals[1]), Threads: uint8(vals[2])}
	var err error
	if out.salt, err = base64.RawStdEncoding.Strict().DecodeString(parts[4]); err != nil || len(out.salt) < 8 || len(out.salt) > 64 {
		return phc{}, errMalformedHash
	}
	if out.key, err = base64.RawStdEncoding.Strict().DecodeString(parts[5]); err != nil || len(out.key) < 16 || len(out.key) > 64 {
		return phc{}, errMalformedHash
	}
	return out, nil
}

// VerifyPassword reports whether password matches the PHC hash, comparing
// in constant time. A malformed hash is an error (never a match).
func VerifyPassword(hash, password string) (bool, error) {
	h, err := parsePHC(hash)
	if err != nil {
		return false, err
	}
	if len(password) > MaxPasswordLen {
		return false, nil
	}
	key := argon2.IDKey([]byte(password), h.salt, h.params.Time, h.params.Memory, h.params.Threads, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(key, h.key) == 1, nil
}
