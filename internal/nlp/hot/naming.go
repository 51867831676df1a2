package hot

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"unicode"
)

// maxTermLen is the longest shared string considered as a term or place.
const maxTermLen = 10

// nameMembers bounds how many members (spread over the issue) name it.
const nameMembers = 24

// shared is a string that members of an issue share.
type shared struct {
	s        []rune
	cov      int32 // members whose text holds it
	last     int32 // last member counted, +1
	occ      int32 // occurrences
	edge     [2]int32
	ext      [2]bool // a one-rune longer string on that side is shared nearly as widely
	truncCnt [2]int32
}

// scratch is reusable space for naming issues one after another: an
// open-addressing table from string hash to position in out.
type scratch struct {
	keys []uint64 // 0 = empty
	vals []int32
	out  []shared
}

// reset empties the table and sizes it for n strings.
func (sc *scratch) reset(n int) {
	size := 64
	for size < 2*n {
		size <<= 1
	}
	if cap(sc.keys) < size {
		sc.keys, sc.vals = make([]uint64, size), make([]int32, size)
		return
	}
	sc.keys, sc.vals = sc.keys[:size], sc.vals[:size]
	clear(sc.keys)
}

// slot returns the table slot of h (h ≠ 0) and whether h is there.
func (sc *scratch) slot(h uint64) (int, bool) {
	mask := uint64(len(sc.keys) - 1)
	for i := (h * 0x9E3779B97F4A7C15) >> 32 & mask; ; i = (i + 1) & mask {
		switch sc.keys[i] {
		case h:
			return int(i), true
		case 0:
			return int(i), false
		}
	}
}

// collect counts the strings of 2 to maxTermLen runes in the members'
// chunks (member i's chunks are texts[i]). The result lives in sc until
// the next call.
func collect(texts [][][]rune, sc *scratch) []shared {
	n := 0
	for _, cs := range texts {
		for _, c := range cs {
			n += len(c) * min(len(c), maxTermLen)
		}
	}
	sc.reset(n)
	out := sc.out[:0]
	defer func() { sc.out = out[:0] }()
	for m, cs := range texts {
		for _, c := range cs {
			for i := range c {
				h := uint64(offset64)
				for k := i; k < len(c) && k < i+maxTermLen; k++ {
					h = (h ^ uint64(c[k])) * prime64
					if k == i {
						continue
					}
					key := h | 1 // 0 marks an empty slot
					at, ok := sc.slot(key)
					if !ok {
						sc.keys[at], sc.vals[at] = key, int32(len(out))
						out = append(out, shared{s: c[i : k+1]})
					}
					sh := &out[sc.vals[at]]
					sh.occ++
					if sh.last != int32(m)+1 {
						sh.last = int32(m) + 1
						sh.cov++
					}
					if i == 0 {
						sh.edge[0]++
					}
					if k == len(c)-1 {
						sh.edge[1]++
					}
					if k-i+1 == maxTermLen {
						// Longer strings are not counted: whether this one
						// is maximal is unknown where the chunk goes on.
						if i > 0 {
							sh.truncCnt[0]++
						}
						if k < len(c)-1 {
							sh.truncCnt[1]++
						}
					}
				}
			}
		}
	}
	for _, sh := range out {
		if len(sh.s) < 3 {
			continue
		}
		for side, sub := range [2][]rune{sh.s[1:], sh.s[:len(sh.s)-1]} {
			if at, ok := sc.slot(hashRunes(sub) | 1); ok && 10*sh.cov >= 7*out[sc.vals[at]].cov {
				out[sc.vals[at]].ext[side] = true
			}
		}
	}
	for i := range out {
		for side := range 2 {
			if 2*out[i].truncCnt[side] > out[i].occ {
				out[i].ext[side] = true
			}
		}
	}
	return out
}

// edgeQuality of sh on one side: 1 at a chunk edge (in at least half of
// its occurrences) or at a boundary; 0 when the window's titles show it
// inside a longer string (bound); when a longer shared string continues
// it, 0.5 if the window's titles vary there and 0.1 if they tell nothing
// (fewer than 3 occurrences).
func (lx *lexicon) edgeQuality(sh *shared, side int) float64 {
	if 2*sh.edge[side] >= sh.occ {
		return 1
	}
	n := min(3, len(sh.s))
	g := sh.s[:n]
	if side == 1 {
		g = sh.s[len(sh.s)-n:]
	}
	evidence, bound := lx.boundary(g, side)
	switch {
	case bound:
		return 0
	case sh.ext[side] && evidence:
		return 0.5
	case sh.ext[side]:
		return 0.1
	}
	return 1
}

// lengthWeight favours terms of three to six runes.
var lengthWeight = [maxTermLen + 1]float64{0, 0, 0.8, 1, 1.1, 1.15, 1.15, 1.05, 0.95, 0.85, 0.75}

// functionRunes is edgeRunes as a set.
var functionRunes = func() map[rune]bool {
	m := map[rune]bool{}
	for _, r := range edgeRunes {
		m[r] = true
	}
	return m
}()

// isFunction reports whether r is a function character.
func isFunction(r rune) bool { return functionRunes[r] }

// termOK: a term holds a Han character and neither starts nor ends with a
// function character.
func termOK(t []rune) bool {
	if len(t) < 2 || isFunction(t[0]) || isFunction(t[len(t)-1]) {
		return false
	}
	for _, r := range t {
		if r >= 0x4E00 && r <= 0x9FFF || r > 0x7F && unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// wordName is an issue's place and key terms as named from its members'
// texts.
type wordName struct {
	City     string   // a city code many members mention ("A市"), if any
	District string   // a district or county code many members mention ("A2区"), if any
	Place    string   // the most specific place the members share, if any
	Terms    []string // key terms, strongest first
}

// nameTermsShown is how many key terms a name shows.
const nameTermsShown = 2

// nameFrom names an issue from its members' name texts.
func (lx *lexicon) nameFrom(texts []string, sc *scratch) wordName {
	var wn wordName
	if len(texts) > nameMembers {
		spread := make([]string, nameMembers)
		for i := range spread {
			spread[i] = texts[i*len(texts)/nameMembers]
		}
		texts = spread
	}
	n := len(texts)
	minCov := int32(max(2, (n+3)/4))
	cs := make([][][]rune, n)
	cities, districts := map[string]int{}, map[string]int{}
	for i, t := range texts {
		cs[i] = chunks(t, nil)
		seen := map[string]bool{}
		for _, c := range findCodes(t) {
			if seen[c] {
				continue
			}
			seen[c] = true
			if strings.HasSuffix(c, "市") {
				cities[c]++
			} else {
				districts[c]++
			}
		}
	}
	wn.City = mostNamed(cities, minCov)
	wn.District = mostNamed(districts, minCov)

	// The place: the most specific shared place name, then the most shared.
	// Its left edge must be a boundary; so must its right edge when the
	// suffix is one rune, which may start the next word instead ("凉塘路旧城|改造",
	// "小塘路|路灯").
	all := collect(cs, sc)
	var place []rune
	bestRank, bestCov := 0, int32(0)
	for i := range all {
		sh := &all[i]
		if sh.cov < minCov || !termOK(sh.s) {
			continue
		}
		rank, k := placeRank(sh.s)
		if rank == 0 || startsWithSuffix(sh.s[:len(sh.s)-k]) || lx.edgeQuality(sh, 0) < 1 || k == 1 && lx.edgeQuality(sh, 1) < 0.5 || rightPlaceExt(all, sh) {
			continue
		}
		if rank > bestRank || rank == bestRank && (sh.cov > bestCov || sh.cov == bestCov && (len(sh.s) > len(place) ||
			len(sh.s) == len(place) && string(sh.s) < string(place))) {
			place, bestRank, bestCov = sh.s, rank, sh.cov
		}
	}
	if place != nil {
		wn.Place = string(place)
		// Terms come from the text around the place.
		_, k := placeRank(place)
		for i := range cs {
			cs[i] = splitAt(splitAt(cs[i], place), place[:len(place)-k])
		}
		all = collect(cs, sc)
	}

	type scored struct {
		t     []rune
		score float64
	}
	var cands []scored
	for i := range all {
		sh := &all[i]
		if sh.cov < minCov || !termOK(sh.s) || isSuffix(sh.s) {
			continue
		}
		edges := lx.edgeQuality(sh, 0) * lx.edgeQuality(sh, 1)
		if edges < 0.25 {
			continue // inside a longer string, or continued with no evidence of a boundary
		}
		w := float64(sh.cov) / float64(n) * math.Max(0.05, lx.specificity(sh.s)) * edges * lengthWeight[len(sh.s)]
		cands = append(cands, scored{sh.s, w})
	}
	slices.SortFunc(cands, func(a, b scored) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return strings.Compare(string(a.t), string(b.t))
	})
	var chosen []string
	for _, c := range cands {
		if len(chosen) == 6 || len(chosen) > 0 && c.score < cands[0].score/8 {
			break
		}
		t := string(c.t)
		if overlaps(t, chosen) || place != nil && overlaps(t, []string{wn.Place}) {
			continue
		}
		chosen = append(chosen, t)
	}
	wn.Terms = chosen
	return wn
}

// isSuffix reports whether t is a place suffix itself ("小区"): no term.
func isSuffix(t []rune) bool {
	for _, p := range placeSuffixes {
		if slices.Equal(t, p.s) {
			return true
		}
	}
	return false
}

// startsWithSuffix reports whether a place's name part starts with a place
// suffix of two or more runes ("小区配套" in "小区配套幼儿园"): then it names a
// kind of place, not one place.
func startsWithSuffix(name []rune) bool {
	for _, p := range placeSuffixes {
		if len(p.s) >= 2 && len(name) >= len(p.s) && slices.Equal(name[:len(p.s)], p.s) {
			return true
		}
	}
	return false
}

// mostNamed is the code named by the most members (ties: the first in
// order), if at least least of them.
func mostNamed(counts map[string]int, least int32) string {
	best := ""
	for c, k := range counts {
		if int32(k) >= least && (best == "" || k > counts[best] || k == counts[best] && c < best) {
			best = c
		}
	}
	return best
}

// rightPlaceExt reports whether a longer place name continues sh on the
// right ("丽发新城" + "小区"): then sh is not the place itself.
func rightPlaceExt(all []shared, sh *shared) bool {
	for i := range all {
		o := &all[i]
		if len(o.s) > len(sh.s) && 10*o.cov >= 7*sh.cov && slices.Equal(o.s[:len(sh.s)], sh.s) {
			if r, _ := placeRank(o.s); r > 0 {
				return true
			}
		}
	}
	return false
}

// overlaps reports whether t contains, is contained in, or overlaps at an
// edge one of the chosen terms ("人才购" and "购房补贴").
func overlaps(t string, chosen []string) bool {
	tr := []rune(t)
	for _, c := range chosen {
		if strings.Contains(c, t) || strings.Contains(t, c) {
			return true
		}
		cr := []rune(c)
		for n := 1; n < min(len(tr), len(cr)); n++ {
			if slices.Equal(tr[len(tr)-n:], cr[:n]) || slices.Equal(cr[len(cr)-n:], tr[:n]) {
				return true
			}
		}
	}
	return false
}

// splitAt cuts the chunks at every occurrence of p, dropping p.
func splitAt(cs [][]rune, p []rune) [][]rune {
	var out [][]rune
	for _, c := range cs {
		for {
			i := index(c, p)
			if i < 0 {
				break
			}
			if i >= 2 {
				out = append(out, c[:i])
			}
			c = c[i+len(p):]
		}
		if len(c) >= 2 {
			out = append(out, c)
		}
	}
	return out
}

func index(s, sub []rune) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if slices.Equal(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}

// shownTerms are the terms a name shows: the first nameTermsShown, the
// second joined to the first when the members that write both mostly
// write them side by side.
func shownTerms(terms []string, texts []string) []string {
	if len(terms) < 2 {
		return terms
	}
	a, b := terms[0], terms[1]
	ab, ba, both := 0, 0, 0
	for _, t := range texts {
		if strings.Contains(t, a) && strings.Contains(t, b) {
			both++
		}
		if strings.Contains(t, a+b) {
			ab++
		}
		if strings.Contains(t, b+a) {
			ba++
		}
	}
	// Side by side in at least half of the texts that hold both.
	switch {
	case 2*ab >= both && ab > 0 && ab >= ba:
		return []string{a + b}
	case 2*ba >= both && ba > 0:
		return []string{b + a}
	}
	return terms[:nameTermsShown]
}

// issueName renders an issue's name: area (else the district, else the
// city the members name) and place, then the shown key terms
// ("A2区丽发新城小区 搅拌站噪音扰民").
func issueName(area string, wn wordName, shown []string) string {
	head := area
	if head == "" {
		head = cmp.Or(wn.District, wn.City)
	}
	if wn.Place != "" {
		if head != "" && isDigits(head) {
			head += " "
		}
		head += wn.Place
	}
	return strings.TrimSpace(head + " " + strings.Join(shown, "、"))
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
