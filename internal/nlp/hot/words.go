package hot

import (
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"yiwang/internal/nlp/text"
)

// Naming an issue by whole words and a place.
//
// Character grams cut words ("小区旁边/的搅拌站"), so an issue's name is made
// instead from the strings its members share, kept only where their edges
// are word boundaries. Boundaries are learnt from the window itself, with
// no dictionary:
//
//   - in the window's titles (the lexicon), a 2- or 3-gram whose left (right)
//     neighbour is the same character in at least 3/4 of its (at least 3)
//     occurrences sits inside a longer string ("近搅拌" is almost always
//     "附近搅拌"), so a term must not start (end) with it;
//   - among the members, a shared string is dropped when a one-character
//     longer string is shared nearly as widely (maximality: "发新城小区"
//     loses to "丽发新城小区");
//   - a term never starts or ends with a function character (edgeRunes), and
//     "的", punctuation, area codes ("A2区", "A市"), long numbers and a short
//     list of generic words (genericWords: 投诉, 关于, 问题, 附近 …) always
//     separate.
//
// The place is the most specific place name (by the suffix list
// placeSuffixes: 小区 before 路 before 街道) that at least a quarter of the
// members share; the key terms are the best-scored shared strings outside it
// (score: share of members × specificity in the window × edge quality ×
// length). The name starts with the area, else with the district
// (or city) code at least a quarter of the members write.

// placeSuffixes are the endings of place names with how specific the place
// is: 3 a site (estate, school, shop), 2 a road, 1 an area.
var placeSuffixes = func() []placeSuffix {
	var out []placeSuffix
	for rank, list := range []string{
		"",
		"社区 街道 村 镇 乡 片区 开发区 园区 新区 县城",
		"路 大道 街 巷 桥 隧道 高速 国道 省道 号线 大桥 立交 高架",
		"小区 花园 家园 公寓 大厦 广场 学校 中学 小学 幼儿园 大学 学院 医院 卫生院 公司 集团 市场 商场 超市 公园 车站 地铁站 站 " +
			"新城 苑 园 府 郡 湾 城 楼盘 项目 中心 酒店 工厂 厂 宿舍 大院 山庄 名都 国际",
	} {
		for _, s := range strings.Fields(list) {
			out = append(out, placeSuffix{[]rune(s), rank})
		}
	}
	// Longest first: "地铁站" before "站".
	slices.SortStableFunc(out, func(a, b placeSuffix) int { return len(b.s) - len(a.s) })
	return out
}()

// minName is how many runes a place name needs before the suffix s: two,
// three before 站 and 厂 ("松雅西地省站", not "变电站" or "加油站", which name a
// kind of facility).
func minName(s []rune) int {
	if len(s) == 1 && (s[0] == '站' || s[0] == '厂') {
		return 3
	}
	return 2
}

// suffixEnds holds the last runes of the place suffixes.
var suffixEnds = func() map[rune]bool {
	m := map[rune]bool{}
	for _, p := range placeSuffixes {
		m[p.s[len(p.s)-1]] = true
	}
	return m
}()

type placeSuffix struct {
	s    []rune
	rank int
}

// placeRank returns the rank of the longest place suffix t ends with (0:
// none) and the suffix's length. The name before that suffix must have two
// runes (see minName): "幼儿园" is no place name, "星沙幼儿园" is.
func placeRank(t []rune) (rank, n int) {
	if len(t) == 0 || !suffixEnds[t[len(t)-1]] {
		return 0, 0
	}
	for _, p := range placeSuffixes {
		if len(t) >= len(p.s) && slices.Equal(t[len(t)-len(p.s):], p.s) {
			if len(t) < len(p.s)+minName(p.s) {
				return 0, 0
			}
			return p.rank, len(p.s)
		}
	}
	return 0, 0
}

// codeAt returns the length in bytes of the anonymised area or city code
// of the data at s[i:] ("A2区", "K12县", "A市": an ASCII capital, up to two
// digits, 区, 县 or 市), 0 when there is none. Codes are the Area, never
// part of a term. (It matches what `[A-Z][0-9]{0,2}[区县市]` matches there.)
func codeAt(s string, i int) int {
	if i >= len(s) || s[i] < 'A' || s[i] > 'Z' {
		return 0
	}
	j := i + 1
	for d := 0; d < 2 && j < len(s) && s[j] >= '0' && s[j] <= '9'; d++ {
		j++
	}
	for _, suffix := range [...]string{"区", "县", "市"} {
		if strings.HasPrefix(s[j:], suffix) {
			return j + len(suffix) - i
		}
	}
	return 0
}

// findCodes returns the codes in s, left to right, not overlapping.
func findCodes(s string) []string {
	var out []string
	for i := 0; i < len(s); i++ {
		if n := codeAt(s, i); n > 0 {
			out = append(out, s[i:i+n])
			i += n - 1
		}
	}
	return out
}

// blankCodes replaces every code in s by a space.
func blankCodes(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); i++ {
		if n := codeAt(s, i); n > 0 {
			if b.Len() == 0 {
				b.Grow(len(s))
			}
			b.WriteString(s[last:i])
			b.WriteByte(' ')
			last = i + n
			i += n - 1
		}
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// genericWords are two-rune words of how messages are written, not what
// they are about ("投诉", "关于", "问题", "严重", "附近"): they separate like
// punctuation, so no term starts or ends with them.
var genericWords = func() map[[2]rune]bool {
	m := map[[2]rune]bool{}
	for _, w := range strings.Fields("投诉 举报 反映 反应 咨询 请问 问问 疑问 询问 建议 关于 有关 相关 问题 情况 " +
		"什么 时候 何年 何月 多年 关注 重视 过问 督促 尽快 严重 希望 要求 请求 恳请 强烈 何时 能否 如何 为何 为什么 怎么 是否 可否 " +
		"处理 解决 领导 部门 政府 相关 市民 居民 我们 你们 他们 本人 我家 一下 " +
		"附近 旁边 周边 对面 一直 已经 现在 目前 进行 存在 导致 影响") {
		r := []rune(w)
		m[[2]rune{r[0], r[1]}] = true
	}
	return m
}()

// maxDigits is the longest number kept in a term ("58车贷案", "3号线");
// longer numbers (phones, accounts) separate and never show.
const maxDigits = 4

// chunks appends to dst the runs of s that may hold a term: Han
// characters, Latin letters (lower-cased, full-width folded) and numbers of
// at most maxDigits digits; everything else — punctuation, spaces, "的",
// area codes, longer numbers — separates. Runs of one rune are dropped.
func chunks(s string, dst [][]rune) [][]rune {
	s = blankCodes(s)
	var cur []rune
	digitsAt := -1 // start in cur of the current digit run
	flush := func() {
		if digitsAt >= 0 && len(cur)-digitsAt > maxDigits {
			cur = cur[:digitsAt]
		}
		digitsAt = -1
		if len(cur) >= 2 {
			dst = append(dst, cur)
		}
		cur = nil
	}
	for _, r := range s {
		if r >= 0xFF01 && r <= 0xFF5E {
			r -= 0xFEE0
		}
		if n := len(cur); n > 0 && genericWords[[2]rune{cur[n-1], r}] {
			cur = cur[:n-1]
			if digitsAt > len(cur) {
				digitsAt = -1
			}
			flush()
			continue
		}
		switch {
		case r >= '0' && r <= '9':
			if digitsAt < 0 {
				digitsAt = len(cur)
			}
			cur = append(cur, r)
			continue
		case r >= 'A' && r <= 'Z':
			r += 'a' - 'A'
			fallthrough
		case r >= 'a' && r <= 'z', r != '的' && (r >= 0x4E00 && r <= 0x9FFF || r > 0x7F && unicode.Is(unicode.Han, r)):
			if digitsAt >= 0 && len(cur)-digitsAt > maxDigits {
				flush()
			}
			digitsAt = -1
			cur = append(cur, r)
			continue
		}
		flush()
	}
	flush()
	return dst
}

// nameTextRunes bounds the text a name is taken from, so a huge title
// costs no more than a long one.
const nameTextRunes = 80

// nameText is the text of a message its name is taken from: the title, and
// the start of the body when the title is shorter than six runes; at most
// nameTextRunes runes.
func nameText(m Message) string {
	title := text.FirstRunes(m.Title, nameTextRunes)
	if utf8.RuneCountInString(title) >= 6 {
		return title
	}
	return title + "。" + text.FirstRunes(m.Body, 60)
}

// lexiconTexts bounds how many texts the lexicon reads: boundary
// statistics settle long before 20,000 titles.
const lexiconTexts = 20_000

// lexicon holds, for the 2- and 3-grams of a window's name texts, how often
// each occurs and how often its most frequent left and right neighbour
// does (an open-addressing table keyed by hash).
type lexicon struct {
	texts int
	mask  uint64
	keys  []uint64 // 0 = empty slot
	cnt   []int32
	side  [2][]neighbour // 0: left, 1: right
	// filled slots; full: no more grams are added (3/4 of the slots used)
	filled int
	full   bool
}

// neighbour tracks the majority neighbour of a gram on one side (0 = the
// edge of a chunk): cand and votes by the Boyer–Moore majority vote, then
// maj, the exact count of cand.
type neighbour struct {
	cand       rune
	votes, maj int32
}

// newLexicon counts the grams of the distinct texts textOf(0 … n-1)
// (sampled evenly down to lexiconTexts).
func newLexicon(n int, textOf func(i int) string) *lexicon {
	step := max(1, (n+lexiconTexts-1)/lexiconTexts)
	var cs [][]rune
	texts := 0
	seen := map[string]bool{} // a text repeated word for word counts once
	for i := 0; i < n; i += step {
		t := textOf(i)
		if seen[t] {
			continue
		}
		seen[t] = true
		cs = chunks(t, cs)
		texts++
	}
	occ := 0
	for _, c := range cs {
		occ += 2 * len(c)
	}
	size := 1 << 10
	for size < 2*occ && size < 1<<20 {
		size <<= 1
	}
	lx := &lexicon{texts: texts, mask: uint64(size - 1), keys: make([]uint64, size), cnt: make([]int32, size)}
	lx.side[0], lx.side[1] = make([]neighbour, size), make([]neighbour, size)
	for pass := range 2 {
		for _, c := range cs {
			for i := range c {
				h := uint64(offset64)
				for k := i; k < len(c) && k < i+3; k++ {
					h = (h ^ uint64(c[k])) * prime64
					if k == i {
						continue
					}
					var left, right rune
					if i > 0 {
						left = c[i-1]
					}
					if k+1 < len(c) {
						right = c[k+1]
					}
					lx.see(h, pass, left, right)
				}
			}
		}
	}
	return lx
}

const (
	offset64 = 14695981039346656037
	prime64  = 1099511628211
)

func hashRunes(rs []rune) uint64 {
	h := uint64(offset64)
	for _, r := range rs {
		h = (h ^ uint64(r)) * prime64
	}
	return h
}

// slot returns the slot of h, or -1 when h is absent (and not inserted:
// insert false, or the table is full).
func (lx *lexicon) slot(h uint64, insert bool) int {
	if h == 0 {
		h = 1
	}
	for i := (h * 0x9E3779B97F4A7C15) >> 20 & lx.mask; ; i = (i + 1) & lx.mask {
		switch lx.keys[i] {
		case h:
			return int(i)
		case 0:
			if !insert || lx.full {
				return -1
			}
			lx.keys[i] = h
			// Keep the table at most 3/4 full so probes stay short.
			if lx.filled++; 4*lx.filled >= 3*len(lx.keys) {
				lx.full = true
			}
			return int(i)
		}
	}
}

// see counts one occurrence of gram h with its neighbours: pass 0 counts
// and votes, pass 1 counts the majority candidates exactly.
func (lx *lexicon) see(h uint64, pass int, left, right rune) {
	i := lx.slot(h, pass == 0)
	if i < 0 {
		return
	}
	if pass == 0 {
		lx.cnt[i]++
		for s, r := range [2]rune{left, right} {
			nb := &lx.side[s][i]
			switch {
			case nb.votes == 0:
				nb.cand, nb.votes = r, 1
			case nb.cand == r:
				nb.votes++
			default:
				nb.votes--
			}
		}
		return
	}
	for s, r := range [2]rune{left, right} {
		if nb := &lx.side[s][i]; nb.cand == r {
			nb.maj++
		}
	}
}

// count is how often the gram g occurs in the lexicon's texts.
func (lx *lexicon) count(g []rune) int32 {
	if i := lx.slot(hashRunes(g), false); i >= 0 {
		return lx.cnt[i]
	}
	return 0
}

// bound reports whether the gram g (2 or 3 runes) is nearly always
// preceded (side 0) or followed (side 1) by the same character in the
// lexicon: at least 3 occurrences, 3/4 of them with that neighbour, which
// is not a chunk edge.
func (lx *lexicon) bound(g []rune, side int) bool {
	_, b := lx.boundary(g, side)
	return b
}

// boundary reports whether the lexicon has evidence about the edge of g on
// one side (at least 3 occurrences) and whether g is bound there (see
// bound).
func (lx *lexicon) boundary(g []rune, side int) (evidence, bound bool) {
	i := lx.slot(hashRunes(g), false)
	if i < 0 || lx.cnt[i] < 3 {
		return false, false
	}
	nb := lx.side[side][i]
	return true, nb.cand != 0 && 4*nb.maj >= 3*lx.cnt[i]
}

// specificity of the term t in the window: ln((texts+1)/(f+1)) with f the
// count of t's rarest 3-gram (its 2-gram when t has two runes), an upper
// bound of how often t itself occurs.
func (lx *lexicon) specificity(t []rune) float64 {
	n := min(3, len(t))
	f := int32(math.MaxInt32)
	for i := 0; i+n <= len(t); i++ {
		f = min(f, lx.count(t[i:i+n]))
	}
	return math.Log(float64(lx.texts+1) / float64(f+1))
}
