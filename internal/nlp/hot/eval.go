package hot

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
	"unicode"

	"yiwang/internal/nlp/text"
)

// EvalOptions tune Evaluate. Zero fields take the defaults named.
type EvalOptions struct {
	Top        int     // issues whose members and names are checked (default 5)
	NameSample int     // hottest issues whose names are checked for cut words (default 50)
	Runs       int     // drop-and-recluster runs for stability (default 5)
	Drop       float64 // share of messages dropped in each run (default 0.1)
	Seed       uint64  // of the random groups and the drops (default 1)
}

func (o EvalOptions) withDefaults() EvalOptions {
	if o.Top <= 0 {
		o.Top = 5
	}
	if o.NameSample <= 0 {
		o.NameSample = 50
	}
	if o.Runs <= 0 {
		o.Runs = 5
	}
	if o.Drop <= 0 || o.Drop >= 1 {
		o.Drop = 0.1
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	return o
}

// Evaluation measures hot-issue mining on one set of messages; every
// figure could come out badly.
type Evaluation struct {
	Messages int `json:"messages"` // clustered (up to now)
	Issues   int `json:"issues"`

	// Coherence: mean over issues of the mean pairwise similarity of their
	// members (cosine of the sets of character bigrams of title and body
	// start), against random groups of the same sizes from the same
	// messages. Top: the Top hottest issues only.
	Coherence       float64 `json:"coherence"`
	RandomCoherence float64 `json:"random_coherence"`
	TopCoherence    float64 `json:"top_coherence"`
	TopRandom       float64 `json:"top_random_coherence"`

	// Names of the NameSample hottest issues, word names (Words) and the
	// character-gram names they replace (Grams), checked by CutRule.
	CutRule string      `json:"cut_rule"`
	Words   NameFigures `json:"words"`
	Grams   NameFigures `json:"grams"`

	// Stability: the Top hottest issues against a reclustering of the
	// messages with Drop of them left out (Runs times): Jaccard of the
	// retained members with the best-matching new issue (mean and lowest),
	// how many of those matches are among the new Top hottest, and how
	// many carry the same name (word and gram names).
	StabilityJaccard    float64 `json:"stability_jaccard"`
	StabilityMinJaccard float64 `json:"stability_min_jaccard"`
	StabilityTopKept    float64 `json:"stability_top_kept"` // share
	SameWordName        float64 `json:"same_word_name"`     // share
	SameGramName        float64 `json:"same_gram_name"`     // share
}

// NameFigures counts the terms of names (the place and key terms, not the
// area code) and those CutRule flags.
type NameFigures struct {
	Names      int      `json:"names"`
	WithPlace  int      `json:"with_place"` // a place more specific than the area
	Terms      int      `json:"terms"`
	Cut        int      `json:"cut"`
	CutNames   int      `json:"cut_names"`    // names with at least one cut term
	TopCut     int      `json:"top_cut"`      // cut terms in the Top hottest names
	TopTerms   int      `json:"top_terms"`    // terms in the Top hottest names
	CutExample []string `json:"cut_examples"` // up to 10
}

// CutRule says when a name term counts as a cut word.
const CutRule = "a term is cut when it starts or ends with a function character (" + edgeRunes + "), " +
	"or when, over the clustered messages' titles (area codes blanked, letters lower-cased), it occurs at least 3 times " +
	"and at least 3/4 of its occurrences have the same Han/letter/digit character right before it (or right after it): " +
	"it is then part of a longer fixed string"

// Evaluate clusters msgs as Cluster does (with word names and, for the
// baseline, gram names) and measures the result.
func Evaluate(msgs []Message, now time.Time, opts Options, eo EvalOptions) (Evaluation, []Issue) {
	eo = eo.withDefaults()
	wordOpts, gramOpts := opts, opts
	wordOpts.GramNames, gramOpts.GramNames = false, true
	issues := Cluster(msgs, now, wordOpts)
	grams := Cluster(msgs, now, gramOpts)
	var ev Evaluation
	ev.Issues = len(issues)
	ev.CutRule = CutRule

	// The messages Cluster read.
	o := opts.withDefaults()
	idx := map[string]int{}
	var in []int
	for i, m := range msgs {
		if m.Time.After(now) || o.Lookback > 0 && m.Time.Before(now.Add(-o.Lookback)) {
			continue
		}
		idx[m.ID] = i
		in = append(in, i)
	}
	ev.Messages = len(in)
	if len(in) == 0 {
		return ev, issues
	}

	// Coherence.
	bigrams := make(map[int][]uint64)
	grs := func(i int) []uint64 {
		if g, ok := bigrams[i]; ok {
			return g
		}
		g := bigramSet(msgs[i])
		bigrams[i] = g
		return g
	}
	r := rand.New(rand.NewPCG(eo.Seed, 11))
	var sum, rsum, tsum, trsum float64
	for k, is := range issues {
		members := make([]int, 0, len(is.Members))
		for _, id := range is.Members {
			members = append(members, idx[id])
		}
		c := meanSimilarity(members, grs)
		random := make([]int, len(members))
		var rc float64
		const rounds = 5
		for range rounds {
			for j := range random {
				random[j] = in[r.IntN(len(in))]
			}
			rc += meanSimilarity(random, grs) / rounds
		}
		sum, rsum = sum+c, rsum+rc
		if k < eo.Top {
			tsum, trsum = tsum+c, trsum+rc
		}
	}
	if n := float64(len(issues)); n > 0 {
		ev.Coherence, ev.RandomCoherence = sum/n, rsum/n
		t := float64(min(eo.Top, len(issues)))
		ev.TopCoherence, ev.TopRandom = tsum/t, trsum/t
	}

	// Names.
	titles := make([]string, len(in))
	for k, i := range in {
		titles[k] = cutText(nameText(msgs[i]))
	}
	cc := cutChecker{titles: titles, memo: map[string]bool{}}
	ev.Words = cc.figures(issues, eo)
	ev.Grams = cc.figures(grams, eo)

	// Stability.
	top := issues[:min(eo.Top, len(issues))]
	var jsum float64
	ev.StabilityMinJaccard = 1
	pairs, kept, sameWord, sameGram := 0, 0, 0, 0
	for run := range eo.Runs {
		rr := rand.New(rand.NewPCG(eo.Seed+uint64(run)+1, 13))
		dropped := map[string]bool{}
		var rest []Message
		for _, m := range msgs {
			if rr.Float64() < eo.Drop {
				dropped[m.ID] = true
				continue
			}
			rest = append(rest, m)
		}
		again := Cluster(rest, now, wordOpts)
		againGrams := Cluster(rest, now, gramOpts)
		where := map[string]int{}
		for k, is := range again {
			for _, id := range is.Members {
				where[id] = k
			}
		}
		for _, is := range top {
			var retained []string
			for _, id := range is.Members {
				if !dropped[id] {
					retained = append(retained, id)
				}
			}
			if len(retained) == 0 {
				continue
			}
			best, bestJ := -1, 0.0
			for _, k := range candidatesOf(retained, where) {
				if j := jaccard(retained, again[k].Members); j > bestJ {
					best, bestJ = k, j
				}
			}
			pairs++
			jsum += bestJ
			ev.StabilityMinJaccard = min(ev.StabilityMinJaccard, bestJ)
			if best < 0 {
				continue
			}
			if best < eo.Top {
				kept++
			}
			if again[best].Name == is.Name {
				sameWord++
			}
			// The gram-named twin of the same issue: the same members.
			if g := sameMembers(grams, is.Members); g >= 0 {
				if h := sameMembers(againGrams, again[best].Members); h >= 0 && againGrams[h].Name == grams[g].Name {
					sameGram++
				}
			}
		}
	}
	if pairs > 0 {
		ev.StabilityJaccard = jsum / float64(pairs)
		ev.StabilityTopKept = float64(kept) / float64(pairs)
		ev.SameWordName = float64(sameWord) / float64(pairs)
		ev.SameGramName = float64(sameGram) / float64(pairs)
	} else {
		ev.StabilityMinJaccard = 0
	}
	return ev, issues
}

// bigramSet is the sorted distinct character bigrams of m's normalised
// title and body start.
func bigramSet(m Message) []uint64 {
	norm := text.AppendNormalized(nil, m.Title+" "+text.FirstRunes(m.Body, textRunes))
	var out []uint64
	text.GramsRange(norm, 2, 2, func(h uint64, st, en int) {
		if en-st == 2 {
			out = append(out, h)
		}
	})
	slices.Sort(out)
	return slices.Compact(out)
}

// meanSimilarity is the mean cosine of the bigram sets over the pairs of
// group (at most its first 40 members).
func meanSimilarity(group []int, grs func(int) []uint64) float64 {
	group = group[:min(40, len(group))]
	var sum float64
	n := 0
	for a := range group {
		for b := a + 1; b < len(group); b++ {
			sum += cosine(grs(group[a]), grs(group[b]))
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

func cosine(a, b []uint64) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	return float64(text.CommonSorted(a, b)) / math.Sqrt(float64(len(a))*float64(len(b)))
}

func candidatesOf(ids []string, where map[string]int) []int {
	var out []int
	for _, id := range ids {
		if k, ok := where[id]; ok && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

func jaccard(a, b []string) float64 {
	set := map[string]bool{}
	for _, x := range a {
		set[x] = true
	}
	inter := 0
	for _, x := range b {
		if set[x] {
			inter++
		}
	}
	union := len(set) + len(b) - inter
	if union == 0 {
		return 0
	}
	return float64(inter) / float64(union)
}

// sameMembers finds the issue of issues with exactly these members.
func sameMembers(issues []Issue, members []string) int {
	for k, is := range issues {
		if slices.Equal(is.Members, members) {
			return k
		}
	}
	return -1
}

// cutText prepares a title for the cut rule: area codes blanked, letters
// lower-cased, full-width forms folded.
func cutText(s string) string {
	s = blankCodes(s)
	return strings.Map(func(r rune) rune {
		if r >= 0xFF01 && r <= 0xFF5E {
			r -= 0xFEE0
		}
		return unicode.ToLower(r)
	}, s)
}

// cutChecker applies CutRule over a window's prepared titles.
type cutChecker struct {
	titles []string
	memo   map[string]bool
}

func (cc cutChecker) figures(issues []Issue, eo EvalOptions) NameFigures {
	var f NameFigures
	for k, is := range issues[:min(eo.NameSample, len(issues))] {
		f.Names++
		if is.Place != "" {
			f.WithPlace++
		}
		cut := false
		for _, t := range is.named {
			f.Terms++
			if k < eo.Top {
				f.TopTerms++
			}
			if cc.cut(t) {
				f.Cut++
				cut = true
				if k < eo.Top {
					f.TopCut++
				}
				if len(f.CutExample) < 10 {
					f.CutExample = append(f.CutExample, t)
				}
			}
		}
		if cut {
			f.CutNames++
		}
	}
	return f
}

// cut applies CutRule to the term t.
func (cc cutChecker) cut(t string) bool {
	if v, ok := cc.memo[t]; ok {
		return v
	}
	v := isCut(t, cc.titles)
	cc.memo[t] = v
	return v
}

// isCut applies CutRule to the term t over the prepared titles.
func isCut(t string, titles []string) bool {
	rs := []rune(t)
	if len(rs) == 0 {
		return false
	}
	if isFunction(rs[0]) || isFunction(rs[len(rs)-1]) {
		return true
	}
	occ := 0
	before, after := map[rune]int{}, map[rune]int{}
	for _, s := range titles {
		for off := 0; ; {
			i := strings.Index(s[off:], t)
			if i < 0 {
				break
			}
			i += off
			occ++
			if p := lastRune(s[:i]); isWordRune(p) {
				before[p]++
			}
			if n := firstRune(s[i+len(t):]); isWordRune(n) {
				after[n]++
			}
			off = i + len(t)
		}
	}
	if occ < 3 {
		return false
	}
	for _, m := range []map[rune]int{before, after} {
		for _, c := range m {
			if 4*c >= 3*occ {
				return true
			}
		}
	}
	return false
}

func isWordRune(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r > 0x7F && (unicode.Is(unicode.Han, r) || unicode.IsLetter(r))
}

func lastRune(s string) rune {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] < 0x80 || s[i] >= 0xC0 {
			for _, r := range s[i:] {
				return r
			}
		}
	}
	return 0
}

func firstRune(s string) rune {
	for _, r := range s {
		return r
	}
	return 0
}
