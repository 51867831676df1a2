package text

import (
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxSpanRunes bounds the length of a span Spans returns.
const MaxSpanRunes = 8

// Weighted is a gram of a normalised text, as Term renders it (class marks
// spelled "<电话>"), with its contribution to a prediction.
type Weighted struct {
	Text   string
	Weight float64
}

// Span is a stretch of a normalised text shown to people for the grams
// that lie in it.
type Span struct {
	Text string
	// Weight is the sum of the contributions of the distinct grams that
	// lie in the span and no stronger span shows.
	Weight float64
	// Start and End are rune offsets into the normalised text.
	Start, End int
}

// Spans turns the grams that drove a prediction into at most n readable
// spans of the normalised text norm, strongest first. It finds every
// occurrence of each gram in norm (a Latin word only as a whole word);
// class marks, digits, spaces and punctuation are never part of a span, so
// they split occurrences and a gram of class marks only ("<电话>") shows
// nothing. Occurrences of two or more characters that overlap or touch
// merge into one span (噪音, 音扰 and 扰民 become 噪音扰民); a single
// character adds its weight to the span it lies in but never extends one
// (师 and 课 side by side are no word). A span longer than MaxSpanRunes is
// cut to the stretch of at most MaxSpanRunes runes around its strongest
// gram that holds the most weight of whole grams. Spans are chosen
// greedily: each time the one whose grams not yet shown weigh most (the
// earliest among equals), which is its Weight; a span whose grams are all
// shown, or whose text is inside a chosen one's, is not shown. Only when
// no gram of two or more characters is found are single characters shown.
// Grams not found in norm, and grams of weight not positive and finite,
// are ignored. Spans is pure and costs O(len(norm) · total gram length)
// plus the choice among the candidate spans.
func Spans(norm []rune, grams []Weighted, n int) []Span {
	if n <= 0 || len(norm) == 0 {
		return nil
	}
	gs, ws := parseGrams(grams)
	if len(gs) == 0 {
		return nil
	}
	pieces := locate(norm, gs)
	covered := make([]bool, len(norm))
	for _, p := range pieces {
		if p.end-p.start >= 2 {
			for i := p.start; i < p.end; i++ {
				covered[i] = true
			}
		}
	}
	single := !slices.Contains(covered, true)
	if single {
		for _, p := range pieces {
			covered[p.start] = true
		}
	}
	var cands []candidate
	first := 0 // pieces[first:] start at or after the current span
	for s := 0; s < len(norm); {
		if !covered[s] {
			s++
			continue
		}
		e := s + 1
		for !single && e < len(norm) && covered[e] {
			e++
		}
		// A piece of two or more characters starting before s would
		// cover s-1, and a single character lies at its start: the pieces
		// from first on that start before e are those inside [s, e).
		for first < len(pieces) && pieces[first].start < s {
			first++
		}
		k := first
		for k < len(pieces) && pieces[k].start < e {
			k++
		}
		in := pieces[first:k]
		a, b := s, e
		if e-s > MaxSpanRunes {
			a, b = cut(in, ws, s, e)
		}
		cands = append(cands, candidate{Span: Span{Text: string(norm[a:b]), Start: a, End: b}, grams: gramsWithin(in, a, b)})
		s = e
	}
	return choose(cands, ws, n)
}

// candidate is a span that may be shown, with the grams it shows.
type candidate struct {
	Span
	grams []int
	done  bool
}

// choose picks at most n candidates greedily: each time the one whose
// grams not yet shown weigh most (the earliest among equals), skipping
// those whose text is inside a text already chosen; it stops when no
// candidate shows a gram not yet shown.
func choose(cands []candidate, ws []float64, n int) []Span {
	shown := make([]bool, len(ws))
	var out []Span
	for len(out) < n {
		best, bestW := -1, 0.0
		for i, c := range cands {
			if c.done {
				continue
			}
			var w float64
			for _, g := range c.grams {
				if !shown[g] {
					w += ws[g]
				}
			}
			if w > bestW {
				best, bestW = i, w
			}
		}
		if best < 0 {
			break
		}
		c := &cands[best]
		c.done = true
		for _, g := range c.grams {
			shown[g] = true
		}
		if slices.ContainsFunc(out, func(p Span) bool { return strings.Contains(p.Text, c.Text) }) {
			continue
		}
		c.Weight = bestW
		out = append(out, c.Span)
	}
	return out
}

// occurrence is (a piece of) an occurrence of gram g in the text: runes
// [start, end).
type occurrence struct{ g, start, end int }

// parseGrams turns the grams' texts back into runes (class marks for their
// names) and merges equal grams, adding their weights; grams without a
// character a span may show, or of weight not positive and finite, are
// left out.
func parseGrams(grams []Weighted) ([][]rune, []float64) {
	var gs [][]rune
	var ws []float64
	for _, g := range grams {
		if !(g.Weight > 0) || math.IsInf(g.Weight, 1) {
			continue
		}
		rs := unterm(g.Text)
		if !slices.ContainsFunc(rs, content) {
			continue
		}
		if i := slices.IndexFunc(gs, func(h []rune) bool { return slices.Equal(h, rs) }); i >= 0 {
			ws[i] += g.Weight
			continue
		}
		gs, ws = append(gs, rs), append(ws, g.Weight)
	}
	return gs, ws
}

// markNames are the class marks' display names, as Term writes them.
var markNames = [...]rune{NumMark, PhoneMark, IDMark, LongMark}

// unterm is the inverse of Term: the runes of a rendered gram, with each
// class mark's name ("<电话>") the mark again.
func unterm(s string) []rune {
	var out []rune
	for len(s) > 0 {
		if s[0] == '<' {
			if r, rest, ok := cutMarkName(s); ok {
				out, s = append(out, r), rest
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(s) // invalid UTF-8: U+FFFD, as []rune has it
		out, s = append(out, r), s[size:]
	}
	return out
}

func cutMarkName(s string) (rune, string, bool) {
	for _, m := range markNames {
		if rest, ok := strings.CutPrefix(s, MarkName(m)); ok {
			return m, rest, true
		}
	}
	return 0, s, false
}

// content reports whether r may be shown in a span: a Han character or a
// letter, not a class mark or a digit.
func content(r rune) bool {
	return !IsMark(r) && kind(r) != kindSep && !unicode.IsDigit(r)
}

// locate returns the pieces of the grams' occurrences in norm that a span
// may show — each occurrence's runs of content runes — ordered by start;
// a gram starting (ending) with a letter of a word occurs only where no
// such letter precedes (follows) it.
func locate(norm []rune, gs [][]rune) []occurrence {
	var out []occurrence
	for i := range norm {
		for g, rs := range gs {
			if rs[0] != norm[i] || len(rs) > len(norm)-i || !slices.Equal(rs, norm[i:i+len(rs)]) {
				continue
			}
			end := i + len(rs)
			if kind(rs[0]) == kindWord && i > 0 && kind(norm[i-1]) == kindWord ||
				kind(rs[len(rs)-1]) == kindWord && end < len(norm) && kind(norm[end]) == kindWord {
				continue
			}
			for a := i; a < end; {
				if !content(norm[a]) {
					a++
					continue
				}
				b := a + 1
				for b < end && content(norm[b]) {
					b++
				}
				out = append(out, occurrence{g: g, start: a, end: b})
				a = b
			}
		}
	}
	slices.SortStableFunc(out, func(x, y occurrence) int { return x.start - y.start })
	return out
}

// cut chooses the stretch of at most MaxSpanRunes runes of the span
// [s, e), whose occurrences (clipped to it) are in, around the first
// occurrence of its strongest gram that holds the most weight of whole
// occurrences — the one nearest the middle among equals — and narrows it
// to those occurrences.
func cut(in []occurrence, ws []float64, s, e int) (int, int) {
	best := -1
	for i, o := range in {
		if best < 0 || ws[o.g] > ws[in[best].g] {
			best = i
		}
	}
	if best < 0 {
		return s, s + MaxSpanRunes
	}
	o := in[best]
	if o.end-o.start >= MaxSpanRunes {
		return o.start, o.start + MaxSpanRunes
	}
	mid2 := o.start + o.end // twice the middle of the strongest occurrence
	bestA, bestW, bestD := -1, 0.0, 0
	seen := make([]bool, len(ws))
	for a := max(s, o.end-MaxSpanRunes); a <= min(o.start, e-MaxSpanRunes); a++ {
		w := weightWithin(in, ws, seen, a, a+MaxSpanRunes)
		d := abs(2*a + MaxSpanRunes - mid2)
		if bestA < 0 || w > bestW || w == bestW && d < bestD {
			bestA, bestW, bestD = a, w, d
		}
	}
	a, b := o.start, o.end
	for _, p := range in {
		if p.start >= bestA && p.end <= bestA+MaxSpanRunes {
			a, b = min(a, p.start), max(b, p.end)
		}
	}
	return a, b
}

// weightWithin sums the weights of the distinct grams with an occurrence
// of in inside [a, b), or holding all of it (a long word cut); seen is
// scratch space of len(ws), left all false.
func weightWithin(in []occurrence, ws []float64, seen []bool, a, b int) float64 {
	var w float64
	for _, o := range in {
		if (o.start >= a && o.end <= b || o.start <= a && o.end >= b) && !seen[o.g] {
			seen[o.g] = true
			w += ws[o.g]
		}
	}
	for _, o := range in {
		seen[o.g] = false
	}
	return w
}

// gramsWithin lists the distinct grams with a piece of in inside [a, b),
// or holding all of it (a long word cut).
func gramsWithin(in []occurrence, a, b int) []int {
	var out []int
	for _, o := range in {
		if (o.start >= a && o.end <= b || o.start <= a && o.end >= b) && !slices.Contains(out, o.g) {
			out = append(out, o.g)
		}
	}
	return out
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
