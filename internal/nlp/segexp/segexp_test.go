// The segmentation experiment of issue 4/6, item 1: word segmentation
// (github.com/go-ego/gse with its embedded dictionary plus a domain
// dictionary of government and place terms) against character n-grams,
// and both, for macro-F1 (same folds as `yiwang bench nlp`) and memory.
// gse is not a dependency of the product: this directory is a module of
// its own (go.mod here, yiwang replaced by the repository), so the
// product's go.mod stays free of it. Run from this directory:
//
//	go test -run TestSegmentationExperiment -v -timeout 60m .
//
// Results: docs/BENCHMARKS.md, "Segmentation".
package segexp

import (
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/go-ego/gse"

	"yiwang/internal/category"
	"yiwang/internal/demo"
	"yiwang/internal/nlp"
	"yiwang/internal/nlp/classify"
	"yiwang/internal/nlp/text"
	"yiwang/internal/nlp/unit"
)

// gseWords adapts a gse segmenter to classify.Segmenter.
type gseWords struct{ seg *gse.Segmenter }

func (g gseWords) Words(norm []rune, fn func(start, end int)) {
	off := 0
	for _, w := range g.seg.Cut(string(norm), true) {
		n := len([]rune(w))
		if off+n > len(norm) || string(norm[off:off+n]) != w {
			return // the cut does not tile the text: stop rather than misplace
		}
		keep := false
		for _, r := range w {
			if unicode.IsLetter(r) {
				keep = true
				break
			}
		}
		if keep {
			fn(off, off+n)
		}
		off += n
	}
}

// domainTerms: every taxonomy category name, the area codes (A市, A1区 …
// K9县), the unit type keywords and the unit names the replies name.
func domainTerms(msgs []demo.Message) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if s = strings.TrimSpace(s); len([]rune(s)) >= 2 && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	tax, _ := category.Default()
	for _, c := range tax.All() {
		add(c.Name)
	}
	for l := 'A'; l <= 'Z'; l++ {
		add(string(l) + "市")
		for i := 1; i <= 12; i++ {
			add(fmt.Sprintf("%c%d区", l, i))
			add(fmt.Sprintf("%c%d县", l, i))
			add(fmt.Sprintf("%c%d市", l, i))
		}
	}
	for _, m := range msgs {
		if m.Set == demo.SetReplies {
			if u, err := unit.Extract(m.Reply); err == nil {
				add(u.Name)
			}
		}
	}
	return out
}

func rssMB() float64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			var kb float64
			fmt.Sscanf(strings.TrimPrefix(l, "VmRSS:"), "%f", &kb)
			return kb / 1024
		}
	}
	return 0
}

func heapMB() float64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return float64(ms.HeapAlloc) / (1 << 20)
}

func TestSegmentationExperiment(t *testing.T) {
	msgs, err := demo.Messages()
	if err != nil {
		t.Fatal(err)
	}
	lab, weak := nlp.CategoryData(msgs)
	keep := map[string]bool{}
	for _, e := range lab {
		keep[e.Label] = true
	}
	prior, err := nlp.TaxonomyExamples(keep)
	if err != nil {
		t.Fatal(err)
	}
	h0, r0 := heapMB(), rssMB()
	start := time.Now()
	seg, err := gse.NewEmbed("zh_s")
	if err != nil {
		t.Fatal(err)
	}
	loadS := time.Since(start).Seconds()
	h1, r1 := heapMB(), rssMB()
	terms := domainTerms(msgs)
	for _, w := range terms {
		// As the classifier sees them: normalised ("A3区" → "a<数字>区").
		seg.AddToken(text.Normalize(w), 2000)
	}
	h2, r2 := heapMB(), rssMB()
	fmt.Printf("gse zh_s embedded dictionary: load %.1f s, heap +%.0f MB, RSS +%.0f MB; %d domain terms: heap +%.1f MB, RSS +%.1f MB\n",
		loadS, h1-h0, r1-r0, len(terms), h2-h1, r2-r1)
	fmt.Printf("domain term cut: %q\n", seg.Cut(text.Normalize("A3区洋湖街道办事处城管执法局噪音污染扰民"), true))
	words := gseWords{&seg}
	folds := classify.Folds(lab, 5, 1)
	for _, v := range []struct {
		name string
		o    classify.Options
	}{
		{"character 1-3-grams", classify.Options{}},
		{"gse words", classify.Options{Segmenter: words, NoChars: true}},
		{"both", classify.Options{Segmenter: words}},
	} {
		for _, extra := range []string{"labelled only", "+ weak unit labels + taxonomy"} {
			o := v.o
			o.Seed = 1
			if extra != "labelled only" {
				o.Weak, o.WeakWeight, o.Prior = weak, nlp.WeakWeight, prior
			}
			start := time.Now()
			r, _, err := classify.CrossValidate(lab, folds, o)
			if err != nil {
				t.Fatal(err)
			}
			cvS := time.Since(start).Seconds()
			hb := heapMB()
			m, err := classify.Train(lab, o)
			if err != nil {
				t.Fatal(err)
			}
			hm := heapMB() - hb
			// Throughput of feature extraction + prediction, one goroutine.
			start = time.Now()
			n := 0
			for _, msg := range msgs[:2000] {
				m.Predict(msg.Title, msg.Body, 3)
				n++
			}
			perS := float64(n) / time.Since(start).Seconds()
			fmt.Printf("| %s | %s | %.3f | %.3f | %d | %.1f | %.0f | %.0f |\n", v.name, extra, r.MacroF1, r.Accuracy, m.Features(), hm, perS, cvS)
			runtime.KeepAlive(m)
		}
	}
}
