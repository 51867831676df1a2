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
