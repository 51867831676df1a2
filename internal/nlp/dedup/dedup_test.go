package dedup

import (
	"fmt"
	"math/bits"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

const (
	msgA = "A3区洋湖街道潇楚南路修了一年还没修好，路挖得稀烂用围栏围起，一直不怎么动工，对当地的交通和店面的生意带来很大影响，请有关部门监管一下。"
	msgB = "A市住房公积金管理中心出台的组合贷款管理办法执行不到位，部分刚需群体无法使用公积金贷款买房，希望尽快落实政策。"
)

var t0 = time.Date(2019, 4, 24, 16, 3, 40, 0, time.FixedZone("CST", 8*3600))

func TestSimilar(t *testing.T) {
	ix := New(Options{})
	ix.Add("a", msgA, "A3区", t0)
	ix.Add("b", msgB, "A市", t0)
	ix.Add("a-other-area", msgA, "A5区", t0)
	ix.Add("a-old", msgA, "A3区", t0.AddDate(0, -3, 0))
	ix.Add("empty", "", "A3区", t0)
	tests := []struct {
		name, text, area string
		at               time.Time
		want             []string
	}{
		{"exact", msgA, "A3区", t0, []string{"a"}},
		{"edited", strings.Replace(msgA, "一年", "一年多了", 1) + "谢谢！", "A3区", t0.Add(48 * time.Hour), []string{"a"}},
		{"full width and phone", strings.ReplaceAll(msgA, "A3", "Ａ3") + "电话13812345678", "A3区", t0, []string{"a"}},
		{"no area matches all areas", msgA, "", t0, []string{"a", "a-other-area"}},
		{"other message", msgB, "A3区", t0, nil},
		{"outside window", msgA, "A3区", t0.AddDate(0, 2, 0), nil},
		{"empty", "", "A3区", t0, nil},
		{"punctuation", "。。！！", "A3区", t0, nil},
		{"invalid utf8", "\xff\xfe\xfd", "A3区", t0, nil},
		{"emoji", "😀😀😀😀", "A3区", t0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, m := range ix.Similar(tt.text, tt.area, tt.at) {
				got = append(got, m.ID)
				if m.Score < 1-float64(ix.maxDist)/64 || m.Score > 1 {
					t.Errorf("score %v out of range", m.Score)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("Similar = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSimilarHuge(t *testing.T) {
	ix := New(Options{})
	huge := strings.Repeat(msgA, 100_000/len([]rune(msgA)))
	ix.Add("huge", huge, "", t0)
	if got := ix.Similar(huge, "", t0); len(got) != 1 {
		t.Fatalf("huge text: %v", got)
	}
}

// TestPigeonhole checks the index finds every fingerprint within
// MaxDistance, against brute force.
func TestPigeonhole(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	ix := New(Options{MaxDistance: 6})
	base := r.Uint64()
	for i := range 2000 {
		fp := base
		for range r.IntN(12) {
			fp ^= 1 << r.IntN(64)
		}
		ix.AddFingerprint(fmt.Sprint(i), fp, "", t0)
	}
	want := 0
	for _, it := range ix.items {
		if bits.OnesCount64(it.fp^base) <= 6 {
			want++
		}
	}
	if got := len(ix.SimilarFingerprint(base, "", t0)); got != want || want == 0 {
		t.Fatalf("found %d, brute force %d", got, want)
	}
}

func FuzzFingerprint(f *testing.F) {
	f.Add(msgA, "A3区洋湖街道")
	f.Add("", "\xff")
	f.Fuzz(func(t *testing.T, a, b string) {
		ix := New(Options{})
		ix.Add("a", a, "", t0)
		for _, m := range ix.Similar(a, "", t0) {
			if m.ID != "a" || m.Distance != 0 {
				t.Fatalf("self match %+v", m)
			}
		}
		ix.Similar(b, "x", t0)
	})
}
