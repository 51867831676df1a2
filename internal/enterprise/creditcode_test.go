package enterprise

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

// Codes published by their holders (recalled from public registrations,
// not looked up at test time). That all of them pass is itself a check of
// the algorithm: with a wrong weight or alphabet, five independent check
// characters would agree by chance about once in 31^5.
var publishedCodes = []string{
	"914403001922038216", // 华为技术有限公司
	"9144030071526726XG", // 深圳市腾讯计算机系统有限公司
	"91330100716105852F", // 阿里巴巴（中国）有限公司
	"91350100M000100Y43", // the example in GB 32100-2015
	"91110000802100433B",
}

func TestValidateCode(t *testing.T) {
	for _, c := range publishedCodes {
		if err := ValidateCode(c); err != nil {
			t.Errorf("%s: %v", c, err)
		}
	}
	for _, tc := range []struct {
		code, why string
	}{
		{"", "18 characters"},
		{"91440300192203821", "18 characters"},
		{"9144030019220382166", "18 characters"},
		{"914403001922038217", "check character"},         // last character changed
		{"914403001922038261", "check character"},         // last two swapped
		{"9144030019220382I6", "alphabet"},                // I is not in the alphabet
		{"9144030019220382O6", "alphabet"},                // nor O
		{"91440300192203821Z", "alphabet"},                // nor Z as a check character
		{"91A403001922038216", "administrative division"}, // letters in positions 3-8
		{"914403001922038２16", "18 characters"},           // a full-width digit is 3 bytes
		{"914403001922038216 ", "18 characters"},          // not normalised
		{"914403001922038216"[:17] + "s", "alphabet"},     // lower case is not normalised
	} {
		err := ValidateCode(tc.code)
		if !errors.Is(err, ErrInvalidCode) || !strings.Contains(err.Error(), tc.why) {
			t.Errorf("ValidateCode(%q) = %v, want an ErrInvalidCode about %q", tc.code, err, tc.why)
		}
	}
}

func TestNormalizeCode(t *testing.T) {
	if got := NormalizeCode(" 9144030071526726xg\t"); got != "9144030071526726XG" || ValidateCode(got) != nil {
		t.Fatalf("NormalizeCode = %q", got)
	}
}

// randomCode returns a valid code built from random characters.
func randomCode(r *rand.Rand) string {
	b := make([]byte, CodeLength-1)
	for i := range b {
		if i >= 2 && i < 8 {
			b[i] = byte('0' + r.IntN(10))
		} else {
			b[i] = Alphabet[r.IntN(len(Alphabet))]
		}
	}
	c, err := CheckChar(string(b))
	if err != nil {
		panic(err)
	}
	return string(b) + string(c)
}

// TestCheckCharDetectsSingleErrors: 31 is prime and no weight is 0 mod 31,
// so every single substitution and every adjacent transposition in the
// first 17 characters changes the check character.
func TestCheckCharDetectsSingleErrors(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		code := randomCode(r)
		if err := ValidateCode(code); err != nil {
			t.Fatalf("generated %s: %v", code, err)
		}
		b := []byte(code)
		i := r.IntN(CodeLength - 1)
		orig := b[i]
		for _, c := range []byte(Alphabet) {
			if c == orig {
				continue
			}
			b[i] = c
			if ValidateCode(string(b)) == nil {
				t.Fatalf("%s with position %d changed to %c still validates", code, i+1, c)
			}
		}
		b[i] = orig
		if j := r.IntN(CodeLength - 2); b[j] != b[j+1] {
			b[j], b[j+1] = b[j+1], b[j]
			if ValidateCode(string(b)) == nil {
				t.Fatalf("%s with positions %d,%d swapped still validates", code, j+1, j+2)
			}
		}
	}
}

func FuzzValidateCode(f *testing.F) {
	for _, c := range publishedCodes {
		f.Add(c)
	}
	f.Add("91440300192203821I")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidateCode(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidCode) {
				t.Fatalf("error does not wrap ErrInvalidCode: %v", err)
			}
			return
		}
		if len(s) != CodeLength {
			t.Fatalf("accepted %q of length %d", s, len(s))
		}
		want, err := CheckChar(s[:CodeLength-1])
		if err != nil || want != s[CodeLength-1] {
			t.Fatalf("accepted %q but CheckChar gives %q, %v", s, want, err)
		}
		if NormalizeCode(s) != s {
			t.Fatalf("accepted a code that normalises differently: %q", s)
		}
	})
}
