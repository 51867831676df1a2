package hier

import (
	"math/rand/v2"
	"testing"

	"yiwang/internal/category"
	"yiwang/internal/nlp/classify"
)

// This file GENERATES labelled messages for the tests: there is no real
// labelled data below level 1. Each message is a template filled with the
// names of its (real, default-taxonomy) level-2 and level-3 categories and
// generic filler, so the figures measured on it check the mechanics only,
// never the quality of the classifier on real messages.

var filler = []string{"您好", "请有关部门尽快处理", "已经反映多次", "影响居民生活", "希望领导重视", "附近群众意见很大",
	"请尽快解决", "问题持续很久", "谢谢", "望回复", "情况属实", "严重影响出行"}

// genSpec picks the generated classes: level-1 names, and how many level-2
// children (and level-3 grandchildren of each) to use.
type genSpec struct {
	level1   []string
	l2, l3   int
	perLeaf  int     // messages per level-3 class
	nameRate float64 // share of messages that name their level-3 class
}

// genNoise is the share of generated messages whose text names a random
// other class than their label (label noise, so that the models are not
// certain of everything and calibration has something to do).
const genNoise = 0.1

// generate returns templated messages labelled with their path (level-1
// name, level-2 code, level-3 code). The level-1 name is never in the
// text; the level-2 name is in 80 %, the level-3 name in nameRate of them.
func generate(t testing.TB, s genSpec, seed uint64) []Example {
	t.Helper()
	tax, err := category.Default()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	pick := func() string { return filler[rng.IntN(len(filler))] }
	type leaf struct{ l1, l2, l3 category.Category }
	var leaves []leaf
	for _, name := range s.level1 {
		l1, ok := tax.ByName(1, name)
		if !ok {
			t.Fatalf("no level-1 category %q", name)
		}
		kids := tax.Children(l1.Code)
		for _, l2 := range kids[:min(s.l2, len(kids))] {
			ls := tax.Children(l2.Code)
			for _, l3 := range ls[:min(s.l3, len(ls))] {
				leaves = append(leaves, leaf{l1, l2, l3})
			}
		}
	}
	var out []Example
	for _, lf := range leaves {
		for range s.perLeaf {
			text := lf
			if rng.Float64() < genNoise {
				text = leaves[rng.IntN(len(leaves))]
			}
			body := pick() + "，"
			if rng.Float64() < 0.8 {
				body += text.l2.Name + "方面的问题，"
			}
			if rng.Float64() < s.nameRate {
				body += "具体是" + text.l3.Name + "，"
			}
			body += pick() + "。"
			out = append(out, Example{Title: pick(), Body: body, Path: []string{lf.l1.Name, lf.l2.Code, lf.l3.Code}})
		}
	}
	return out
}

// trainRoot trains the level-1 model of the tests.
func trainRoot(ex []classify.Example) (*classify.Model, error) {
	return classify.Train(ex, classify.Options{Seed: 1})
}
