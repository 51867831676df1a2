package text

import (
	"slices"
	"testing"
)

func TestGrams(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"。！", nil},
		{"小区", []string{"小", "小区", "区"}},
		{"物业费", []string{"物", "物业", "物业费", "业", "业费", "费"}},
		{"wifi坏", []string{"wifi", "坏"}},
		{"电话138123456789", []string{"电", "电话", "电话<长数字>", "话", "话<长数字>", "<长数字>"}},
		{"好😀好", []string{"好", "好"}},
		{"привет мир", []string{"привет", "мир"}},
	}
	for _, tt := range tests {
		norm := AppendNormalized(nil, tt.in)
		var got []string
		Grams(norm, func(h uint64, s, e int) {
			if h != Hash(norm[s:e]) {
				t.Errorf("%q: hash of %q differs from Hash", tt.in, Term(norm, s, e))
			}
			got = append(got, Term(norm, s, e))
		})
		if !slices.Equal(got, tt.want) {
			t.Errorf("Grams(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestGramsRange(t *testing.T) {
	collect := func(norm []rune, f func([]rune, func(uint64, int, int))) []string {
		var got []string
		f(norm, func(h uint64, s, e int) {
			if h != Hash(norm[s:e]) {
				t.Errorf("hash of %q differs from Hash", Term(norm, s, e))
			}
			got = append(got, Term(norm, s, e))
		})
		return got
	}
	tests := []struct {
		in         string
		minN, maxN int
		want       []string
	}{
		{"物业费", 1, 4, []string{"物", "物业", "物业费", "业", "业费", "费"}},
		{"物业费用", 1, 4, []string{"物", "物业", "物业费", "物业费用", "业", "业费", "业费用", "费", "费用", "用"}},
		{"物业费用", 2, 4, []string{"物业", "物业费", "物业费用", "业费", "业费用", "费用"}},
		{"物业费用", 3, 3, []string{"物业费", "业费用"}},
		{"wifi坏了", 2, 4, []string{"wifi", "坏了"}},
		{"小区", 0, 0, []string{"小", "区"}},                       // clamped to 1-1
		{"小区", 5, 2, []string{"小区"}},                           // minN clamped to maxN
		{"一二三四五六七八九", 9, 99, []string{"一二三四五六七八", "二三四五六七八九"}}, // maxN clamped to MaxGramLen
	}
	for _, tt := range tests {
		norm := AppendNormalized(nil, tt.in)
		got := collect(norm, func(n []rune, fn func(uint64, int, int)) { GramsRange(n, tt.minN, tt.maxN, fn) })
		if !slices.Equal(got, tt.want) {
			t.Errorf("GramsRange(%q, %d, %d) = %q, want %q", tt.in, tt.minN, tt.maxN, got, tt.want)
		}
	}
	// With 1-3 it is Grams, on every input of TestGrams and a long mixed one.
	for _, in := range []string{"", "。！", "电话138123456789", "好😀好", "привет мир", "市民反映某小区物业费收费过高，wifi也坏了，请尽快处理。"} {
		norm := AppendNormalized(nil, in)
		a := collect(norm, Grams)
		b := collect(norm, func(n []rune, fn func(uint64, int, int)) { GramsRange(n, 1, 3, fn) })
		if !slices.Equal(a, b) {
			t.Errorf("%q: Grams %q, GramsRange(1, 3) %q", in, a, b)
		}
	}
}

func TestCommonSorted(t *testing.T) {
	tests := []struct {
		a, b []uint64
		want int
	}{
		{nil, []uint64{1}, 0},
		{[]uint64{1, 2, 3}, []uint64{1, 2, 3}, 3},
		{[]uint64{1, 3, 5, 7}, []uint64{2, 3, 4, 7, 9}, 2},
		{[]uint64{10}, []uint64{1, 2, 3}, 0},
	}
	for _, tt := range tests {
		if got := CommonSorted(tt.a, tt.b); got != tt.want {
			t.Errorf("CommonSorted(%v, %v) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := CommonSorted(tt.b, tt.a); got != tt.want {
			t.Errorf("CommonSorted(%v, %v) = %d, want %d (swapped)", tt.b, tt.a, got, tt.want)
		}
	}
}
