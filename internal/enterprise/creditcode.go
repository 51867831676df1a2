package enterprise

import (
	"errors"
	"fmt"
	"strings"
)

// CodeLength is the length of a unified social credit code.
const CodeLength = 18

// Alphabet is the code's character set; a character's value is its index.
const Alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// weights are 3^(i-1) mod 31 for positions 1..17 (GB 32100-2015).
var weights = [CodeLength - 1]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// ErrInvalidCode is wrapped by every refusal of a credit code.
var ErrInvalidCode = errors.New("invalid unified social credit code")

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidCode, fmt.Sprintf(format, args...))
}

// NormalizeCode trims white space and upper-cases a code as people type it.
func NormalizeCode(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// CheckChar computes the check character (the 18th) of the first 17
// characters of a code.
func CheckChar(first17 string) (byte, error) {
	if len(first17) != CodeLength-1 {
		return 0, invalid("need %d characters to compute a check character, got %d", CodeLength-1, len(first17))
	}
	sum := 0
	for i := range CodeLength - 1 {
		v := strings.IndexByte(Alphabet, first17[i])
		if v < 0 {
			return 0, invalid("character %d (%q) is not in the code alphabet %s", i+1, first17[i], Alphabet)
		}
		sum += v * weights[i]
	}
	return Alphabet[(31-sum%31)%31], nil
}

// ValidateCode checks the form and the check character of a code, which
// must already be normalised (NormalizeCode).
func ValidateCode(code string) error {
	if len(code) != CodeLength {
		return invalid("must be %d characters, got %d", CodeLength, len(code))
	}
	for i := 2; i < 8; i++ {
		if code[i] < '0' || code[i] > '9' {
			return invalid("characters 3 to 8 are an administrative division code and must be digits; character %d is %q", i+1, code[i])
		}
	}
	want, err := CheckChar(code[:CodeLength-1])
	if err != nil {
		return err
	}
	if strings.IndexByte(Alphabet, code[CodeLength-1]) < 0 {
		return invalid("character 18 (%q) is not in the code alphabet %s", code[CodeLength-1], Alphabet)
	}
	if code[CodeLength-1] != want {
		return invalid("check character is %q, but the first 17 characters give %q (a typing mistake?)", code[CodeLength-1], want)
	}
	return nil
}
