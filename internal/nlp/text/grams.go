package text

import (
	"strings"
	"unicode"
)

// MaxGramRunes bounds how much of a normalised text Grams reads: features
// come from the first MaxGramRunes runes only, so one huge message costs no
// more than a long one.
const MaxGramRunes = 8192

// maxWord bounds a Latin word; longer words are cut.
const maxWord = 24

// Kind of a rune for gram extraction.
const (
	kindSep = iota
	kindHan // Han characters and class marks: n-grams
	kindWord
)

func kind(r rune) int {
	switch {
	case r < 0x80:
		if r >= 'a' && r <= 'z' {
			return kindWord
		}
		return kindSep
	case r >= 0x4E00 && r <= 0x9FFF, IsMark(r), unicode.Is(unicode.Han, r):
		return kindHan
	case unicode.IsLetter(r):
		return kindWord
	}
	return kindSep
}

// Grams calls fn for every feature of the normalised text norm (at most its
// first MaxGramRunes runes): every character 1-, 2- and 3-gram inside a run
// of Han characters and class marks, and every run of other letters (Latin,
// Cyrillic, …) as one word of at most 24 runes. Punctuation, symbols, emoji
// and spaces separate runs and are never features. start and end are rune
// offsets into norm; h is a 64-bit hash of the gram's runes.
func Grams(norm []rune, fn func(h uint64, start, end int)) { GramsRange(norm, 1, 3, fn) }

const (
	offset64 = 14695981039346656037
	prime64  = 1099511628211
)

// Hash is the FNV-1a hash of a rune sequence, as Grams computes it.
func Hash(rs []rune) uint64 {
	h := uint64(offset64)
	for _, r := range rs {
		h = (h ^ uint64(r)) * prime64
	}
	return h
}

// Term renders norm[start:end] for people, with class marks spelled out
// ("<电话>").
func Term(norm []rune, start, end int) string {
	var b strings.Builder
	for _, r := range norm[start:end] {
		if name := MarkName(r); name != "" {
			b.WriteString(name)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// MaxGramLen is the longest character gram GramsRange extracts.
const MaxGramLen = 8

// GramsRange is Grams with character grams of minN to maxN runes
// (1 ≤ minN ≤ maxN ≤ MaxGramLen; other values are clamped) inside runs of
// Han characters and class marks; runs of other letters are one word each,
// as in Grams. Grams is GramsRange(norm, 1, 3, fn);
// hashes agree with Hash.
func GramsRange(norm []rune, minN, maxN int, fn func(h uint64, start, end int)) {
	maxN = min(max(maxN, 1), MaxGramLen)
	minN = min(max(minN, 1), maxN)
	if len(norm) > MaxGramRunes {
		norm = norm[:MaxGramRunes]
	}
	for i := 0; i < len(norm); {
		switch kind(norm[i]) {
		case kindSep:
			i++
		case kindWord:
			j := i
			for j < len(norm) && kind(norm[j]) == kindWord {
				j++
			}
			end := min(j, i+maxWord)
			fn(Hash(norm[i:end]), i, end)
			i = j
		default:
			j := i
			for j < len(norm) && kind(norm[j]) == kindHan {
				j++
			}
			for k := i; k < j; k++ {
				h := uint64(offset64)
				for n := 1; n <= maxN && k+n <= j; n++ {
					h = (h ^ uint64(norm[k+n-1])) * prime64
					if n >= minN {
						fn(h, k, k+n)
					}
				}
			}
			i = j
		}
	}
}

// CommonSorted counts the values found in both a and b, each sorted
// ascending without repeats (e.g. sets of gram hashes).
func CommonSorted(a, b []uint64) int {
	n := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] == b[j]:
			n++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return n
}
