package hot

import (
	"slices"
	"strings"
	"time"
)

// nameTerms is how many key terms name an issue.
const nameTerms = 3

// makeIssue summarises the docs of one group, naming it by whole words and
// a place with lx (scratch space sc), or by its character grams when lx is
// nil or finds nothing shared.
func makeIssue(docs []doc, group []int, msgs []Message, now time.Time, lx *lexicon, sc *scratch) Issue {
	var is Issue
	reporters := map[string]bool{}
	areas := map[string]int{}
	for _, i := range group {
		d := docs[i]
		m := msgs[d.msg]
		is.Members = append(is.Members, m.ID)
		if m.Reporter == "" {
			is.Reporters++
		} else if !reporters[m.Reporter] {
			reporters[m.Reporter] = true
			is.Reporters++
		}
		is.Votes += max(0, m.Support) + max(0, m.Against)
		if !m.Time.Before(now.Add(-7 * 24 * time.Hour)) {
			is.Recent++
		}
		if is.First.IsZero() || m.Time.Before(is.First) {
			is.First = m.Time
		}
		if m.Time.After(is.Last) {
			is.Last = m.Time
		}
		if d.area != "" {
			areas[d.area]++
		}
	}
	for a, c := range areas {
		if 2*c > len(group) && (is.Area == "" || a < is.Area) {
			is.Area = a
		}
	}
	if lx != nil {
		texts := make([]string, len(group))
		for k, i := range group {
			texts[k] = nameText(msgs[docs[i].msg])
		}
		wn := lx.nameFrom(texts, sc)
		if wn.Place != "" || len(wn.Terms) > 0 {
			is.Place = wn.Place
			is.Terms = wn.Terms
			shown := shownTerms(wn.Terms, texts)
			is.Name = issueName(is.Area, wn, shown)
			is.named = shown
			if wn.Place != "" {
				is.named = append([]string{wn.Place}, shown...)
			}
		}
	}
	if is.Name == "" {
		// By character grams: the members' strongest key terms.
		weight := map[uint64]float64{}
		spelled := map[uint64]string{}
		for _, i := range group {
			for _, t := range docs[i].terms {
				weight[t.h] += t.w
				if _, ok := spelled[t.h]; !ok {
					spelled[t.h] = t.s
				}
			}
		}
		is.Terms = termTexts(weight, spelled)
		is.named = nameOf(is.Terms)
		is.Name = strings.TrimSpace(is.Area + " " + strings.Join(is.named, "/"))
	}
	is.Heat = Heat(is.Reporters, is.Votes, is.Recent, now.Sub(is.Last))
	return is
}

// termTexts spells out the group's key terms (weight and spelling by
// hash), strongest first, leaving out a term contained in a stronger one.
func termTexts(weight map[uint64]float64, spelled map[uint64]string) []string {
	hs := make([]uint64, 0, len(weight))
	for h := range weight {
		hs = append(hs, h)
	}
	slices.SortFunc(hs, func(a, b uint64) int {
		switch {
		case weight[a] > weight[b]:
			return -1
		case weight[a] < weight[b]:
			return 1
		}
		return strings.Compare(spelled[a], spelled[b])
	})
	var out []string
	for _, h := range hs {
		if s := spelled[h]; s != "" && !strings.ContainsRune(s, '<') {
			out = addTerm(out, s)
		}
		if len(out) == 8 {
			break
		}
	}
	return out
}

// addTerm adds s to the chosen terms: dropped when a chosen term contains
// it, replacing a chosen term it contains, joined to a chosen term that
// ends with its first runes or starts with its last ones (an overlap of at
// least two runes: "油烟扰" + "烟扰民" → "油烟扰民"), else appended.
func addTerm(out []string, s string) []string {
	for k, o := range out {
		if m, ok := join(o, s); ok {
			out[k] = m
			// The longer term may now join another chosen one.
			for j := len(out) - 1; j >= 0; j-- {
				if j == k {
					continue
				}
				if m2, ok := join(out[k], out[j]); ok {
					out[k] = m2
					out = append(out[:j], out[j+1:]...)
					break
				}
			}
			return out
		}
	}
	return append(out, s)
}

// maxTermRunes bounds a joined term: longer chains cross phrase boundaries.
const maxTermRunes = 6

// join merges two terms when one contains the other or they overlap (by
// two runes, or one when a term is a bigram) into at most maxTermRunes.
func join(a, b string) (string, bool) {
	switch {
	case strings.Contains(a, b):
		return a, true
	case strings.Contains(b, a):
		return b, true
	}
	ar, br := []rune(a), []rune(b)
	least := 2
	if min(len(ar), len(br)) <= 2 {
		least = 1
	}
	for n := min(len(ar), len(br)) - 1; n >= least; n-- {
		if len(ar)+len(br)-n > maxTermRunes {
			break
		}
		if string(ar[len(ar)-n:]) == string(br[:n]) {
			return a + string(br[n:]), true
		}
		if string(br[len(br)-n:]) == string(ar[:n]) {
			return b + string(ar[n:]), true
		}
	}
	return "", false
}

// edgeRunes are function characters that a character gram may carry at
// its edges ("的搅拌站", "噪音问题了"); an issue's name leaves them out.
const edgeRunes = "的了在是和与及或对把被从向于也都而就着过吗呢吧啊到给让将还又才很太去之其该这那个等内里有"

// nameOf picks the first nameTerms terms for an issue's name, each with
// function characters trimmed from its edges (the terms themselves stay
// as found); a term left empty or repeated is skipped.
func nameOf(terms []string) []string {
	var out []string
	for _, t := range terms {
		t = strings.Trim(t, edgeRunes)
		if len([]rune(t)) < 2 || slices.Contains(out, t) {
			continue
		}
		if out = append(out, t); len(out) == nameTerms {
			break
		}
	}
	return out
}
