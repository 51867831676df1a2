package text

import (
	"math"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// w is a shorthand for a list of weighted grams: text, weight, text, weight …
func w(args ...any) []Weighted {
	var out []Weighted
	for i := 0; i+1 < len(args); i += 2 {
		out = append(out, Weighted{Text: args[i].(string), Weight: args[i+1].(float64)})
	}
	return out
}

func TestSpans(t *testing.T) {
	tests := []struct {
		name  string
		text  string // normalised with Normalize
		grams []Weighted
		n     int
		want  []string
		// weights of want, when checked
		weights []float64
	}{
		{"overlapping grams merge", "楼下酒吧噪音扰民到深夜", w("噪音", 0.9, "音扰", 0.5, "扰民", 0.7), 3,
			[]string{"噪音扰民"}, []float64{2.1}},
		{"touching grams merge", "路灯不亮", w("路灯", 1.0, "不亮", 0.5), 3, []string{"路灯不亮"}, []float64{1.5}},
		{"single characters dropped when a longer span is left", "某个小区的噪音", w("区", 3.0, "某", 1.5, "噪音", 0.4), 3,
			[]string{"噪音"}, []float64{0.4}},
		{"single characters kept when nothing else is", "某小区 的 门", w("某", 1.0, "门", 2.0), 3, []string{"门", "某"}, []float64{2, 1}},
		{"adjacent single characters stay apart", "某小区噪音", w("小", 2.0, "区", 3.0), 3, []string{"区", "小"}, []float64{3, 2}},
		{"a single character adds weight but never extends", "县城城区，老师课上", w("县城", 0.5, "城", 0.3, "老师", 0.2, "课", 0.4), 3,
			[]string{"县城", "老师"}, []float64{0.8, 0.2}},
		{"a gram counts in the first span showing it", "小区下水道，门口的下水道", w("下水", 1.0, "的下", 0.3, "小区", 0.5), 3,
			[]string{"小区下水", "的下水"}, []float64{1.5, 0.3}},
		{"strongest first, at most n", "油烟扰民，路面破损，垃圾未清运", w("破损", 0.3, "油烟", 0.9, "清运", 0.5, "垃圾", 0.2), 2,
			[]string{"油烟", "清运"}, []float64{0.9, 0.5}},
		{"phone and number marks dropped", "请拨打13812345678联系3号楼", w("<电话>", 5.0, "打<电话>", 4.0, "联系", 1.0, "<数字>号楼", 0.8), 3,
			[]string{"联系", "号楼"}, []float64{1, 0.8}},
		{"marks alone show nothing", "13812345678", w("<电话>", 5.0), 3, nil, nil},
		{"repeated text shown once, weights not doubled", "噪音很大，噪音扰民", w("噪音", 1.0, "扰民", 0.5), 3,
			[]string{"噪音扰民"}, []float64{1.5}},
		{"a span inside a stronger one's text is left out", "扰民，问题：噪音扰民", w("噪音", 1.0, "扰民", 0.5, "问题", 0.2), 3,
			[]string{"噪音扰民", "问题"}, []float64{1.5, 0.2}},
		{"long span cut around its strongest gram", "小区楼下烧烤店油烟噪音扰民严重",
			w("小区", 0.1, "楼下", 0.1, "烧烤", 0.6, "烤店", 0.3, "油烟", 0.8, "噪音", 0.5, "扰民", 0.2, "严重", 0.1), 1,
			[]string{"烧烤店油烟噪音"}, []float64{2.2}},
		{"a long word is cut", "abcdefghijkl问题", w("abcdefghijkl", 1.0), 3, []string{"abcdefgh"}, []float64{1}},
		{"a Latin word only as a whole word", "wifis坏了 wifi信号差", w("wifi", 1.0, "信号", 0.5), 3,
			[]string{"wifi信号"}, []float64{1.5}},
		{"grams not found, of no or bad weight ignored", "井盖缺失", w("路灯", 9.0, "井盖", 0.0, "缺失", math.NaN(), "盖缺", -1.0, "井", math.Inf(1)), 3, nil, nil},
		{"equal grams add up", "井盖缺失", w("井盖", 0.5, "井盖", 0.25), 3, []string{"井盖"}, []float64{0.75}},
		{"n of zero", "路灯不亮", w("路灯", 1.0), 0, nil, nil},
		{"no text", "", w("路灯", 1.0), 3, nil, nil},
		{"title and body apart", "路灯 灯不亮", w("路灯", 1.0, "灯不", 0.5), 3, []string{"路灯", "灯不"}, []float64{1, 0.5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			norm := []rune(Normalize(tt.text))
			got := Spans(norm, tt.grams, tt.n)
			var texts []string
			var weights []float64
			for _, s := range got {
				texts = append(texts, s.Text)
				weights = append(weights, math.Round(s.Weight*1000)/1000)
				if s.Text != string(norm[s.Start:s.End]) {
					t.Errorf("span %+v is not norm[%d:%d] = %q", s, s.Start, s.End, string(norm[s.Start:s.End]))
				}
			}
			if !slices.Equal(texts, tt.want) {
				t.Fatalf("Spans = %q, want %q", texts, tt.want)
			}
			if !slices.Equal(weights, tt.weights) {
				t.Errorf("weights = %v, want %v", weights, tt.weights)
			}
		})
	}
}

// TestSpansCutKeepsStrongest: a cut span always holds the strongest gram,
// wherever it lies in the run.
func TestSpansCutKeepsStrongest(t *testing.T) {
	const s = "一二三四五六七八九十甲乙丙丁"
	rs := []rune(s)
	for i := 0; i+2 <= len(rs); i++ {
		grams := []Weighted{{Text: string(rs[i : i+2]), Weight: 5}}
		for j := 0; j+2 <= len(rs); j++ {
			if j != i {
				grams = append(grams, Weighted{Text: string(rs[j : j+2]), Weight: 1})
			}
		}
		got := Spans(rs, grams, 3)
		if len(got) != 1 {
			t.Fatalf("strongest at %d: %+v, want one span", i, got)
		}
		if g := got[0]; g.End-g.Start != MaxSpanRunes || g.Start > i || g.End < i+2 {
			t.Errorf("strongest at %d: span %+v misses it or is not %d runes", i, g, MaxSpanRunes)
		}
	}
}

func FuzzSpans(f *testing.F) {
	f.Add("楼下酒吧噪音扰民到深夜", "噪音|音扰|扰民", []byte{4, 1, 6, 0}, 3, 0.5)
	f.Add("请拨打13812345678联系", "<电话>|打<电话>|联系", []byte{2, 2}, 2, 1.0)
	f.Add("小区楼下烧烤店油烟噪音扰民严重", "小|区", []byte{0, 2, 2, 2, 4, 2, 6, 2, 8, 2, 10, 2, 12, 2}, 1, 0.1)
	f.Add("wifis坏了 wifi信号差", "wifi|信号", []byte{}, 3, 2.0)
	f.Add("\ue000\ue001a1b", "<数字>|a", []byte{0, 5}, 4, 0.0)
	f.Fuzz(func(t *testing.T, s, list string, picks []byte, n int, base float64) {
		norm := []rune(s)
		if len(norm) > 2000 {
			norm = norm[:2000]
		}
		var grams []Weighted
		for i, g := range strings.Split(list, "|") {
			grams = append(grams, Weighted{Text: g, Weight: base + float64(i)})
		}
		for i := 0; i+1 < len(picks) && len(norm) > 0; i += 2 {
			a := int(picks[i]) % len(norm)
			b := min(len(norm), a+1+int(picks[i+1])%4)
			grams = append(grams, Weighted{Text: Term(norm, a, b), Weight: base + float64(i)/3})
		}
		n = n % 16
		got := Spans(norm, grams, n)
		if len(got) > max(n, 0) {
			t.Fatalf("%d spans, want at most %d", len(got), n)
		}
		var parsed [][]rune
		for _, g := range grams {
			parsed = append(parsed, unterm(g.Text))
		}
		long := false
		for i, sp := range got {
			if sp.Start < 0 || sp.End > len(norm) || sp.End <= sp.Start || sp.End-sp.Start > MaxSpanRunes {
				t.Fatalf("span %+v out of bounds of %d runes or too long", sp, len(norm))
			}
			if sp.Text != string(norm[sp.Start:sp.End]) || !utf8.ValidString(sp.Text) {
				t.Fatalf("span %+v is not its stretch of the text", sp)
			}
			if !(sp.Weight > 0) || i > 0 && sp.Weight > got[i-1].Weight {
				t.Fatalf("span %d weight %v: not positive or not strongest first (%+v)", i, sp.Weight, got)
			}
			for p := sp.Start; p < sp.End; p++ {
				if !content(norm[p]) {
					t.Fatalf("span %+v holds %q", sp, norm[p])
				}
				if !coveredBy(norm, parsed, p) {
					t.Fatalf("rune %d of span %+v is in no gram", p, sp)
				}
			}
			for _, q := range got[:i] {
				if strings.Contains(q.Text, sp.Text) {
					t.Fatalf("span %q inside the stronger %q", sp.Text, q.Text)
				}
			}
			if sp.End-sp.Start > 1 {
				long = true
			} else if long {
				t.Fatalf("single-character span %q after a longer one: %+v", sp.Text, got)
			}
		}
		if long && got[len(got)-1].End-got[len(got)-1].Start == 1 {
			t.Fatalf("single-character span among longer ones: %+v", got)
		}
	})
}

// coveredBy reports whether rune p of norm lies in an occurrence of one of
// the grams.
func coveredBy(norm []rune, grams [][]rune, p int) bool {
	for _, g := range grams {
		for q := max(0, p-len(g)+1); q <= p && q+len(g) <= len(norm); q++ {
			if len(g) > 0 && slices.Equal(norm[q:q+len(g)], g) {
				return true
			}
		}
	}
	return false
}
