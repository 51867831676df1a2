package text

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"only punctuation", "。，！？…", "。,!?…"},
		{"only spaces", " \t\u3000\n ", ""},
		{"full width", "ＡＢＣ　ｘｙｚ！", "abc xyz!"},
		{"case", "Hello WORLD", "hello world"},
		{"mobile", "电话13812345678联系", "电话\uE001联系"},
		{"full width mobile", "１３８１２３４５６７８", "\uE001"},
		{"landline", "拨打0731-88889999", "拨打\uE001"},
		{"id 18", "身份证430102199001011234", "身份证\uE002"},
		{"id 17+X", "证件43010219900101123X号", "证件\uE002号"},
		{"id 15", "430102900101123", "\uE002"},
		{"small numbers", "2019年4月29日", "\uE000年\uE000月\uE000日"},
		{"decimal", "4.23元", "\uE000.\uE000元"},
		{"long number", "订单12345678", "订单\uE003"},
		{"11 digits not mobile", "23456789012", "\uE003"},
		{"invalid utf8", "a\xffb\xfe", "a b"},
		{"zero width and bom", "\ufeff小\u200b区", "小 区"},
		{"private use input", "\uE001\uE000", ""},
		{"emoji kept", "好😀", "好😀"},
		{"mixed", "A3区 WiFi 坏了", "a\uE000区 wifi 坏了"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Normalize(tt.in); got != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNormalizeMasksEveryDigit(t *testing.T) {
	in := "我的电话13812345678，身份证430102199001011234，座机0731-88889999，QQ 12345678"
	got := Normalize(in)
	for _, r := range got {
		if r >= '0' && r <= '9' {
			t.Fatalf("digit survived normalisation: %q", got)
		}
	}
	for _, secret := range []string{"1381234", "4301021990", "8888999"} {
		if strings.Contains(got, secret) {
			t.Fatalf("%q survived in %q", secret, got)
		}
	}
}

func TestNormalizeHuge(t *testing.T) {
	in := strings.Repeat("小区物业乱收费，电话13812345678。", 100_000/20)
	got := AppendNormalized(nil, in)
	if len(got) == 0 || len(got) > utf8.RuneCountInString(in) {
		t.Fatalf("normalised length %d for %d runes", len(got), utf8.RuneCountInString(in))
	}
	n := 0
	Grams(got, func(uint64, int, int) { n++ })
	if n == 0 || n > 3*MaxGramRunes {
		t.Fatalf("%d grams from a huge text, want 1..%d", n, 3*MaxGramRunes)
	}
}

func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"", "。", "ＡＢＣ", "13812345678", "0731-8888999", "43010219900101123X", "a\xff", "😀😀", "０７３１－８８８８９９９９"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := AppendNormalized(nil, s)
		if len(got) > len(s) {
			t.Fatalf("output %d runes longer than input %d bytes", len(got), len(s))
		}
		for i, r := range got {
			if r >= '0' && r <= '9' || r == utf8.RuneError {
				t.Fatalf("rune %q at %d survived", r, i)
			}
			if r == ' ' && (i == 0 || i == len(got)-1 || got[i-1] == ' ') {
				t.Fatalf("stray space at %d in %q", i, string(got))
			}
		}
		if again := Normalize(string(got)); !hasMarks(got) && again != string(got) {
			t.Fatalf("not idempotent: %q -> %q", string(got), again)
		}
		Grams(got, func(h uint64, start, end int) {
			if start < 0 || end > len(got) || end <= start || end-start > maxWord {
				t.Fatalf("bad gram [%d,%d) of %d", start, end, len(got))
			}
		})
	})
}

// hasMarks reports whether rs holds class marks, which a second
// normalisation drops (private-use input is not trusted).
func hasMarks(rs []rune) bool {
	for _, r := range rs {
		if IsMark(r) {
			return true
		}
	}
	return false
}

// TestFoldCJKFastPath checks that the fast path of fold (U+3001–U+9FFF
// returned unchanged) agrees with the general rules for every rune there.
func TestFoldCJKFastPath(t *testing.T) {
	for r := rune(0x3001); r <= 0x9FFF; r++ {
		if unicode.IsSpace(r) || unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs) || unicode.IsUpper(r) {
			t.Fatalf("%U would not fold to itself", r)
		}
		if got := fold(r, utf8.RuneLen(r)); got != r {
			t.Fatalf("fold(%U) = %U", r, got)
		}
	}
}

func TestFirstRunes(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{
		{"请问如何办理", 2, "请问"},
		{"请问", 5, "请问"},
		{"abc", 0, ""},
		{"", 3, ""},
		{"a\xffb", 2, "a\xff"},
	} {
		if got := FirstRunes(tc.s, tc.n); got != tc.want {
			t.Errorf("FirstRunes(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
}
