package hot

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"
)

func TestChunks(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"A5区魅力之城小区油烟扰民", "魅力之城小区油烟扰民"},
		{"A市丽发新城小区旁的搅拌站", "丽发新城小区旁|搅拌站"},
		{"投诉丽发新城附近搅拌站噪音严重", "丽发新城|搅拌站噪音"},
		{"地铁3号线，110KV高压线", "地铁3号线|110kv高压线"},
		{"电话13812345678请回复", "电话|请回复"},
		{"ＡＢＣ小区１２３号", "abc小区123号"},
		{"K8县西地省", "西地省"},
		{"的", ""},
		{"a", ""},
		{"", ""},
		{"\xff\xfe魅力\xff之城", "魅力|之城"},
	} {
		var parts []string
		for _, c := range chunks(tc.in, nil) {
			parts = append(parts, string(c))
		}
		if got := strings.Join(parts, "|"); got != tc.want {
			t.Errorf("chunks(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func firstCode(s string) string {
	if c := findCodes(s); len(c) > 0 {
		return c[0]
	}
	return ""
}

// codeRE is what codeAt matches, as a regular expression.
var codeRE = regexp.MustCompile(`[A-Z][0-9]{0,2}[区县市]`)

func TestCodes(t *testing.T) {
	for _, tc := range []struct{ in, codes, blanked string }{
		{"A5区魅力之城", "[A5区]", " 魅力之城"},
		{"A市A2区丽发新城K12县", "[A市 A2区 K12县]", "  丽发新城 "},
		{"A123区", "[]", "A123区"},
		{"a5区", "[]", "a5区"},
		{"区县市", "[]", "区县市"},
		{"ＡＢＣ", "[]", "ＡＢＣ"},
		{"", "[]", ""},
	} {
		if got := fmt.Sprint(findCodes(tc.in)); got != tc.codes {
			t.Errorf("findCodes(%q) = %s, want %s", tc.in, got, tc.codes)
		}
		if got := blankCodes(tc.in); got != tc.blanked {
			t.Errorf("blankCodes(%q) = %q, want %q", tc.in, got, tc.blanked)
		}
	}
}

// FuzzCodes: findCodes and blankCodes agree with the regular expression.
func FuzzCodes(f *testing.F) {
	for _, s := range []string{"A5区魅力之城", "A市A2区K12县", "A123区", "AA1区", "\xffA1市", "Z99县Z9区"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := findCodes(s), codeRE.FindAllString(s, -1); !slices.Equal(got, want) {
			t.Fatalf("findCodes(%q) = %q, regexp %q", s, got, want)
		}
		if got, want := blankCodes(s), codeRE.ReplaceAllLiteralString(s, " "); got != want {
			t.Fatalf("blankCodes(%q) = %q, regexp %q", s, got, want)
		}
	})
}

func FuzzChunks(f *testing.F) {
	for _, s := range []string{"A5区魅力之城小区油烟扰民", "投诉丽发新城附近的搅拌站", "1234567电话12", "\xff的", "ＡＢ１２３４５"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range chunks(s, nil) {
			if len(c) < 2 {
				t.Fatalf("chunk %q shorter than 2 runes", string(c))
			}
			digits := 0
			for i, r := range c {
				switch {
				case r >= '0' && r <= '9':
					if digits++; digits > maxDigits {
						t.Fatalf("chunk %q keeps a number of more than %d digits", string(c), maxDigits)
					}
					continue
				case r == '的':
					t.Fatalf("chunk %q holds 的", string(c))
				case !(r >= 'a' && r <= 'z' || unicode.Is(unicode.Han, r)):
					t.Fatalf("chunk %q holds %q", string(c), r)
				case i > 0 && genericWords[[2]rune{c[i-1], r}]:
					t.Fatalf("chunk %q holds a generic word", string(c))
				}
				digits = 0
			}
			if !utf8.ValidString(string(c)) {
				t.Fatalf("chunk %q is not UTF-8", string(c))
			}
		}
	})
}

// background is a window of other messages: it teaches the lexicon where
// words end ("附近搅拌站", "建搅拌站", "搅拌站噪音" …).
var background = []string{
	"附近搅拌站噪音大", "小区附近的搅拌站", "违建搅拌站", "新建搅拌站影响生活", "混凝土搅拌站粉尘", "搅拌站半夜施工",
	"烧烤店油烟扰民", "夜宵摊油烟扰民", "餐馆油烟直排", "门面油烟扰民", "饭店油烟扰民",
	"星沙学校乱收费", "地铁站出口太少", "公交车改线", "物业乱收费", "停车场收费太贵",
	"暮云街道办事处", "暮云街道拆迁", "学校门口交通拥堵", "医院排队太久", "高压线离小区太近",
}

func TestNameFrom(t *testing.T) {
	for _, tc := range []struct {
		name      string
		members   []string
		place     string // want
		termHas   string // a term must contain this
		termsNot  []string
		nameWants string
	}{
		{
			name:      "estate and matter",
			members:   []string{"A5区魅力之城小区临街烧烤油烟扰民", "魅力之城小区楼下烧烤店油烟扰民", "投诉魅力之城小区烧烤油烟扰民", "魅力之城小区夜宵烧烤油烟扰民"},
			place:     "魅力之城小区",
			termHas:   "油烟扰民",
			nameWants: "A5区魅力之城小区 ",
		},
		{
			name:     "estate over street",
			members:  []string{"暮云街道丽发新城小区附近搅拌站噪音", "丽发新城小区旁的搅拌站扰民", "投诉丽发新城小区附近建搅拌站", "暮云街道丽发新城小区搅拌站粉尘"},
			place:    "丽发新城小区",
			termHas:  "搅拌站",
			termsNot: []string{"近搅拌站", "建搅拌", "拌站", "的搅拌站"},
		},
		{
			name:    "no place",
			members: []string{"58车贷案件进展如何", "请关注58车贷案件", "58车贷案件立案至今无公告"},
			place:   "",
			termHas: "58车贷案件",
		},
		{
			name: "a kind of place is no place",
			// (Were the estate followed by the same word in every title
			// of a small window, its right edge would look bound and no
			// place would be named: the window tells no more.)
			members:  []string{"恒基凯旋门小区配套幼儿园何时开园", "恒基凯旋门小区的幼儿园要办成普惠", "关于恒基凯旋门小区配套幼儿园", "恒基凯旋门小区业主"},
			place:    "恒基凯旋门小区",
			termsNot: []string{"小区配套幼儿园", "幼儿园"},
		},
		{
			name:    "road",
			members: []string{"关于A6区月亮岛路沿线架设高压线的投诉", "A6区月亮岛路高压线没有地埋", "月亮岛路高压线的建议"},
			place:   "月亮岛路",
			termHas: "高压线",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			all := append(slices.Clone(background), tc.members...)
			lx := newLexicon(len(all), func(i int) string { return all[i] })
			var sc scratch
			wn := lx.nameFrom(tc.members, &sc)
			if wn.Place != tc.place {
				t.Errorf("place %q, want %q (terms %q)", wn.Place, tc.place, wn.Terms)
			}
			if tc.termHas != "" && !slices.ContainsFunc(wn.Terms, func(s string) bool { return strings.Contains(s, tc.termHas) }) {
				t.Errorf("terms %q, want one holding %q", wn.Terms, tc.termHas)
			}
			for _, term := range wn.Terms {
				if slices.Contains(tc.termsNot, term) {
					t.Errorf("terms %q hold %q", wn.Terms, term)
				}
				if r := []rune(term); isFunction(r[0]) || isFunction(r[len(r)-1]) {
					t.Errorf("term %q starts or ends with a function character", term)
				}
				if strings.Contains(term, wn.Place) && wn.Place != "" {
					t.Errorf("term %q repeats the place", term)
				}
			}
			area := ""
			if m := firstCode(tc.members[0]); strings.HasSuffix(m, "区") {
				area = m
			}
			name := issueName(area, wn, shownTerms(wn.Terms, tc.members))
			if tc.nameWants != "" && !strings.HasPrefix(name, tc.nameWants) {
				t.Errorf("name %q, want it to start with %q", name, tc.nameWants)
			}
		})
	}
}

func TestIssueName(t *testing.T) {
	for _, tc := range []struct {
		area  string
		wn    wordName
		shown []string
		want  string
	}{
		{"A5区", wordName{Place: "魅力之城小区"}, []string{"烧烤油烟扰民"}, "A5区魅力之城小区 烧烤油烟扰民"},
		{"420102", wordName{Place: "魅力之城小区"}, []string{"油烟", "噪音"}, "420102 魅力之城小区 油烟、噪音"},
		{"", wordName{City: "A市", Place: "丽发新城"}, []string{"搅拌站"}, "A市丽发新城 搅拌站"},
		{"", wordName{City: "A市"}, []string{"购房补贴"}, "A市 购房补贴"},
		{"", wordName{City: "A市", District: "A2区", Place: "丽发新城"}, []string{"搅拌站"}, "A2区丽发新城 搅拌站"},
		{"A5区", wordName{City: "A市", District: "A2区", Place: "丽发新城"}, nil, "A5区丽发新城"},
		{"A4区", wordName{}, []string{"58车贷"}, "A4区 58车贷"},
		{"A4区", wordName{Place: "绿地海外滩小区"}, nil, "A4区绿地海外滩小区"},
	} {
		if got := issueName(tc.area, tc.wn, tc.shown); got != tc.want {
			t.Errorf("issueName(%q, %+v, %q) = %q, want %q", tc.area, tc.wn, tc.shown, got, tc.want)
		}
	}
}

func TestShownTerms(t *testing.T) {
	texts := []string{"丽发新城小区搅拌站噪音扰民", "搅拌站噪音扰民"}
	for _, tc := range []struct {
		terms []string
		want  string
	}{
		{[]string{"搅拌站", "噪音扰民", "粉尘"}, "[搅拌站噪音扰民]"},
		{[]string{"噪音扰民", "搅拌站"}, "[搅拌站噪音扰民]"},
		{[]string{"搅拌站", "粉尘", "噪音"}, "[搅拌站 粉尘]"},
		{[]string{"丽发新城小区", "噪音扰民"}, "[丽发新城小区 噪音扰民]"}, // side by side in one of the two texts with both
		{[]string{"搅拌站"}, "[搅拌站]"},
		{nil, "[]"},
	} {
		if got := fmt.Sprint(shownTerms(tc.terms, texts)); got != tc.want {
			t.Errorf("shownTerms(%q) = %s, want %s", tc.terms, got, tc.want)
		}
	}
}

func TestPlaceRank(t *testing.T) {
	for _, tc := range []struct {
		in   string
		rank int
	}{
		{"魅力之城小区", 3}, {"月亮岛路", 2}, {"暮云街道", 1}, {"星沙幼儿园", 3},
		{"幼儿园", 0}, {"小区", 0}, {"地铁站", 0}, {"变电站", 0}, {"东六路", 2}, {"松雅西地省站", 3}, {"噪音扰民", 0}, {"", 0},
	} {
		if got, _ := placeRank([]rune(tc.in)); got != tc.rank {
			t.Errorf("placeRank(%q) = %d, want %d", tc.in, got, tc.rank)
		}
	}
}

func TestIsCut(t *testing.T) {
	titles := []string{"附近搅拌站噪音", "附近搅拌站粉尘", "附近搅拌站扰民", "新建搅拌站", "违建搅拌站", "搅拌站半夜施工", "丽发新城小区"}
	for _, tc := range []struct {
		term string
		want bool
	}{
		{"近搅拌站", true},  // always after 附
		{"搅拌站", false},  // after 近, 建, nothing
		{"拌站", true},    // always after 搅
		{"的搅拌站", true},  // function character
		{"搅拌站了", true},  // function character
		{"丽发新城", false}, // fewer than 3 occurrences
	} {
		if got := isCut(tc.term, titles); got != tc.want {
			t.Errorf("isCut(%q) = %v, want %v", tc.term, got, tc.want)
		}
	}
}

// TestEvaluate: two clear matters among unrelated messages; the issues are
// more coherent than random groups, and the gram names' cut words are
// counted.
func TestEvaluate(t *testing.T) {
	var msgs []Message
	for i := range 6 {
		msgs = append(msgs, msg(fmt.Sprint("a", i), fmt.Sprint("ua", i), "魅力之城小区临街烧烤油烟扰民", "魅力之城小区楼下烧烤店油烟直排，夜间噪音扰民", i, 1))
		msgs = append(msgs, msg(fmt.Sprint("b", i), fmt.Sprint("ub", i), "星沙学校违规补课乱收费", "星沙学校老师组织补课乱收费，家长负担重", i, 0))
	}
	for i, s := range background {
		msgs = append(msgs, msg(fmt.Sprint("x", i), fmt.Sprint("ux", i), s, "", i%7, 0))
	}
	ev, issues := Evaluate(msgs, day0.AddDate(0, 0, 8), Options{MinShared: 3}, EvalOptions{Top: 2, Runs: 3})
	if len(issues) < 2 || ev.Issues != len(issues) || ev.Messages != len(msgs) {
		t.Fatalf("evaluation %+v, %d issues", ev, len(issues))
	}
	if ev.Coherence <= 2*ev.RandomCoherence || ev.TopCoherence <= ev.TopRandom {
		t.Errorf("coherence %.3f (top %.3f) vs random %.3f (top %.3f)", ev.Coherence, ev.TopCoherence, ev.RandomCoherence, ev.TopRandom)
	}
	if ev.Words.Names != len(issues) || ev.Words.Terms == 0 || ev.Grams.Terms == 0 || ev.Words.WithPlace == 0 {
		t.Errorf("names: words %+v grams %+v", ev.Words, ev.Grams)
	}
	if ev.StabilityJaccard <= 0 || ev.StabilityJaccard > 1 || ev.StabilityMinJaccard > ev.StabilityJaccard {
		t.Errorf("stability %+v", ev)
	}
}

// TestWordNamesReal: on the real messages_with_support.csv the word names
// of the 50 hottest issues have fewer cut terms than the gram names, none
// among the 5 hottest, and most name a place (skipped without the data).
func TestWordNamesReal(t *testing.T) {
	msgs, now := realSupport(t)
	ev, issues := Evaluate(msgs, now.Add(time.Second), Options{}, EvalOptions{Runs: 1})
	t.Logf("words %+v", ev.Words)
	t.Logf("grams %+v", ev.Grams)
	for _, is := range issues[:5] {
		t.Logf("%s", is.Name)
	}
	if ev.Words.TopCut != 0 || 2*ev.Words.Cut >= ev.Grams.Cut || 2*ev.Words.WithPlace < ev.Words.Names {
		t.Errorf("word names: %+v; gram names: %+v", ev.Words, ev.Grams)
	}
	if ev.Coherence < 3*ev.RandomCoherence {
		t.Errorf("coherence %.3f vs random %.3f", ev.Coherence, ev.RandomCoherence)
	}
}

func FuzzNameFrom(f *testing.F) {
	f.Add("A5区魅力之城小区烧烤油烟扰民", "魅力之城小区楼下油烟扰民", "投诉魅力之城小区的油烟")
	f.Add("\xff的的", "小区小区小区", "路路路路")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		members := []string{a, b, c}
		all := append(slices.Clone(background), members...)
		lx := newLexicon(len(all), func(i int) string { return all[i] })
		var sc scratch
		wn := lx.nameFrom(members, &sc)
		if wn.Place != "" {
			if r, _ := placeRank([]rune(wn.Place)); r == 0 {
				t.Fatalf("place %q has no place suffix", wn.Place)
			}
		}
		for _, term := range append([]string{wn.Place}, wn.Terms...) {
			if term == "" {
				continue
			}
			r := []rune(term)
			if !termOK(r) || len(r) > maxTermLen || !utf8.ValidString(term) {
				t.Fatalf("term %q", term)
			}
			if n := strings.Count(a, term) + strings.Count(b, term) + strings.Count(c, term); n == 0 && !strings.Contains(strings.ToLower(a+b+c), term) {
				t.Fatalf("term %q is in no member", term)
			}
		}
		name := issueName("", wn, shownTerms(wn.Terms, members))
		if (wn.Place != "" || len(wn.Terms) > 0) && name == "" {
			t.Fatalf("empty name for %+v", wn)
		}
	})
}

// TestNameHugeTitles: names read at most nameTextRunes of each title, so
// 30 members with 100,000-rune titles are named as cheaply as short ones.
func TestNameHugeTitles(t *testing.T) {
	huge := strings.Repeat("魅力之城小区油烟扰民噪音", 100_000/12)
	var texts []string
	for range 30 {
		texts = append(texts, nameText(Message{Title: huge}))
	}
	if n := utf8.RuneCountInString(texts[0]); n > nameTextRunes {
		t.Fatalf("name text of %d runes", n)
	}
	lx := newLexicon(len(texts), func(i int) string { return texts[i] })
	var sc scratch
	lx.nameFrom(texts, &sc)
	if len(sc.keys) > 1<<16 {
		t.Errorf("naming table of %d slots for %d-rune texts", len(sc.keys), nameTextRunes)
	}
}
