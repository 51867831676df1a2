package auth

import (
	"errors"
	"strings"
	"testing"
)

func TestHashPassword(t *testing.T) {
	h, err := HashPassword("correct horse", fastHash)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q is not an argon2id PHC string", h)
	}
	h2, _ := HashPassword("correct horse", fastHash)
	if h == h2 {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	for _, tc := range []struct {
		pw   string
		want bool
	}{{"correct horse", true}, {"correct hors", false}, {"Correct horse", false}, {"", false}, {strings.Repeat("x", MaxPasswordLen+1), false}} {
		ok, err := VerifyPassword(h, tc.pw)
		if err != nil || ok != tc.want {
			t.Errorf("verify %.20q: %v, %v; want %v", tc.pw, ok, err, tc.want)
		}
	}
	// Default parameters are what a real hash uses.
	hd, err := HashPassword("correct horse", DefaultHashParams)
	if err != nil || !strings.HasPrefix(hd, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("default hash %q, %v", hd, err)
	}
	if ok, err := VerifyPassword(hd, "correct horse"); !ok || err != nil {
		t.Fatalf("default hash does not verify: %v %v", ok, err)
	}
	for _, pw := range []string{"", "short", strings.Repeat("x", MaxPasswordLen+1)} {
		if _, err := HashPassword(pw, fastHash); !errors.Is(err, ErrInvalid) {
			t.Errorf("password of %d bytes: err = %v, want ErrInvalid", len(pw), err)
		}
	}
}

func TestParsePHCRefuses(t *testing.T) {
	good, _ := HashPassword("correct horse", fastHash)
	parts := strings.Split(good, "$")
	salt, key := parts[4], parts[5]
	for _, bad := range []string{
		"",
		"plain",
		"$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1$" + salt + "$" + key,
		"$argon2id$v=19$t=1,m=64,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=4194304,t=1,p=1$" + salt + "$" + key, // 4 GiB
		"$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key,
		"$argon2id$v=19$m=064,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "=$" + key,
		"$argon2id$v=19$m=64,t=1,p=1$$" + key,
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key[:10],
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "$",
		"x$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key,
	} {
		if _, err := parsePHC(bad); err == nil {
			t.Errorf("parsePHC(%q) accepted", bad)
		}
		if ok, err := VerifyPassword(bad, "correct horse"); ok || err == nil {
			t.Errorf("VerifyPassword(%q) = %v, %v; want an error", bad, ok, err)
		}
	}
}

func FuzzParsePHC(f *testing.F) {
	good, _ := HashPassword("correct horse", fastHash)
	f.Add(good)
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")
	f.Add("$argon2id$v=19$m=1,t=1,p=1$$")
	f.Fuzz(func(t *testing.T, s string) {
		h, err := parsePHC(s)
		if err != nil {
			return
		}
		// Accepted: within the limits, and it round-trips.
		if h.params.Memory > maxMemory || h.params.Time > maxTime || h.params.Time < 1 || h.params.Threads < 1 || len(h.key) < 16 || len(h.salt) < 8 {
			t.Fatalf("parsePHC(%q) accepted out-of-limit parameters %+v", s, h.params)
		}
	})
}

func FuzzParseBearer(f *testing.F) {
	f.Add("Bearer yw_" + randomToken())
	f.Add("bearer  yw_" + randomToken() + " ")
	f.Add("Basic dXNlcjpwYXNz")
	f.Add("Bearer yw_")
	f.Fuzz(func(t *testing.T, h string) {
		tok, ok := parseBearer(h)
		if !ok {
			return
		}
		if !strings.HasPrefix(tok, TokenPrefix) || len(tok) != len(TokenPrefix)+43 || !validSecret(tok[len(TokenPrefix):]) {
			t.Fatalf("parseBearer(%q) accepted %q", h, tok)
		}
	})
}

func FuzzValidSecret(f *testing.F) {
	f.Add(randomToken())
	f.Add(strings.Repeat("A", 43))
	f.Add(strings.Repeat("A", 42) + "=")
	f.Fuzz(func(t *testing.T, s string) {
		if validSecret(s) && (len(s) != 43 || strings.ContainsAny(s, "+/=; \t\r\n\"")) {
			t.Fatalf("validSecret(%q) accepted", s)
		}
	})
}
