package text

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Class marks replace numbers in normalised text. They are runes of the
// Private Use Area, so they never occur in normalised text otherwise.
const (
	NumMark   = '\uE000' // a number of up to 6 digits (amounts, dates, house numbers)
	PhoneMark = '\uE001' // a mobile (1[3-9]…, 11 digits) or landline (0xx(x)-xxxxxxx(x)) number
	IDMark    = '\uE002' // a 15- or 18-digit identity number (last may be X)
	LongMark  = '\uE003' // any other run of 7 or more digits (accounts, orders, phone numbers without area code)
)

// MarkName returns the display form of a class mark ("<电话>"), or "" for an
// ordinary rune.
func MarkName(r rune) string {
	switch r {
	case NumMark:
		return "<数字>"
	case PhoneMark:
		return "<电话>"
	case IDMark:
		return "<证件号>"
	case LongMark:
		return "<长数字>"
	}
	return ""
}

// IsMark reports whether r is one of the class marks.
func IsMark(r rune) bool { return r >= NumMark && r <= LongMark }

// Normalize returns the normalised form of s (see AppendNormalized).
func Normalize(s string) string {
	return string(AppendNormalized(nil, s))
}

// AppendNormalized appends the normalised form of s to dst and returns it:
//   - full-width ASCII forms (！…～) become ASCII, the ideographic space a space;
//   - letters are lower-cased;
//   - every run of digits becomes one class mark: PhoneMark, IDMark, LongMark
//     or NumMark, so no phone or identity number survives;
//   - invalid UTF-8, control and format characters (zero-width, BOM) and
//     private-use runes become spaces; runs of white space become one space,
//     and leading and trailing spaces are dropped.
//
// It reads s once and never fails; its output is at most as many runes as s
// has bytes.
func AppendNormalized(dst []rune, s string) []rune {
	start := len(dst)
	space := true // suppress leading space
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		r = fold(r, size)
		if isDigit(r) {
			mark, n := scanNumber(s[i:])
			dst = append(dst, mark)
			space = false
			i += n
			continue
		}
		i += size
		if r == ' ' {
			if !space {
				dst = append(dst, ' ')
				space = true
			}
			continue
		}
		dst = append(dst, r)
		space = false
	}
	if len(dst) > start && dst[len(dst)-1] == ' ' {
		dst = dst[:len(dst)-1]
	}
	return dst
}

// fold maps one decoded rune to its normalised form; every kind of space
// and every rune to drop becomes ' '.
func fold(r rune, size int) rune {
	switch {
	case r == utf8.RuneError && size <= 1:
		return ' '
	case r >= 0xFF01 && r <= 0xFF5E:
		r -= 0xFEE0
	case r == 0x3000:
		return ' '
	case r > 0x3000 && r <= 0x9FFF:
		// CJK punctuation, kana, ideographs: no spaces, controls or
		// capitals here (checked exhaustively in the tests), the fast path.
		return r
	}
	switch {
	case r < 0x80:
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		if r < 0x20 || r == 0x7F {
			return ' '
		}
		return r
	case unicode.IsSpace(r), unicode.Is(unicode.Cc, r), unicode.Is(unicode.Cf, r), unicode.Is(unicode.Co, r),
		unicode.Is(unicode.Cs, r):
		return ' '
	case unicode.IsUpper(r):
		return unicode.ToLower(r)
	}
	return r
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// digitAt decodes s at i and returns the digit value rune ('0'..'9', after
// width folding) and its size, or (0, 0) when s[i:] does not start with a digit.
func digitAt(s string, i int) (rune, int) {
	if i >= len(s) {
		return 0, 0
	}
	if c := s[i]; c >= '0' && c <= '9' {
		return rune(c), 1
	}
	r, size := utf8.DecodeRuneInString(s[i:])
	if r >= '０' && r <= '９' {
		return r - 0xFEE0, size
	}
	return 0, 0
}

// scanNumber classifies the number at the start of s (which starts with a
// digit) and returns its mark and length in bytes. It consumes a landline's
// "-" and an identity number's final X.
func scanNumber(s string) (rune, int) {
	var first rune
	digits, n := 0, 0
	for {
		d, size := digitAt(s, n)
		if size == 0 {
			break
		}
		if digits == 0 {
			first = d
		}
		digits++
		n += size
	}
	// 0731-88888888: area code, dash, 7–8 digits.
	if first == '0' && (digits == 3 || digits == 4) && n < len(s) && (s[n] == '-' || strings.HasPrefix(s[n:], "－")) {
		dash := 1
		if s[n] != '-' {
			dash = len("－")
		}
		m, k := n+dash, 0
		for {
			_, size := digitAt(s, m)
			if size == 0 {
				break
			}
			k++
			m += size
		}
		if k == 7 || k == 8 {
			return PhoneMark, m
		}
	}
	if digits == 17 && n < len(s) {
		r, size := utf8.DecodeRuneInString(s[n:])
		if r == 'x' || r == 'X' || r == 'ｘ' || r == 'Ｘ' {
			return IDMark, n + size
		}
	}
	switch {
	case digits == 11 && first == '1':
		return PhoneMark, n
	case digits == 15 || digits == 18:
		return IDMark, n
	case digits >= 7:
		return LongMark, n
	}
	return NumMark, n
}

// FirstRunes returns s cut after its first n runes (all of s when shorter).
func FirstRunes(s string, n int) string {
	i := 0
	for k := range s {
		if i == n {
			return s[:k]
		}
		i++
	}
	return s
}
