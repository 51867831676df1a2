package classify_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"yiwang/internal/demo"
	"yiwang/internal/nlp"
	"yiwang/internal/nlp/classify"
)

// TestExperimentVariants (issue 5) cross-validates the product's
// classifier and two untried variants on the bench's data and folds, for
// fold seeds 1, 2 and 3 (the bench uses 1). It trains a few hundred
// models: run it with YIWANG_NLP_EXPERIMENT=1, e.g.
//
//	YIWANG_NLP_EXPERIMENT=1 go test -run TestExperimentVariants -v -timeout 60m ./internal/nlp/classify/
//
// YIWANG_NLP_EXPERIMENT may also name one variant (base, nbsvm, nbsoft,
// cnb, cnbonly). Figures (2026-11-23), macro-F1 on fold seeds 1/2/3:
// base 0.845/0.832/0.838 (mean 0.838), nbsvm 0.845/0.847/0.850 (0.847),
// nbsoft 0.847/0.839/0.832 (0.839), cnb 0.845/0.832/0.831 (λ = 0 chosen
// in 14 of 15 folds), cnbonly 0.631/0.639/0.647; on seeds 4-10 nbsvm lost
// (base 0.846/0.843/0.848/0.840/0.828/0.862/0.825, nbsvm
// 0.832/0.829/0.843/0.843/0.815/0.841/0.816): over ten seeds base 0.841,
// nbsvm 0.836, so nbsvm was not adopted.
//
// Session 4 (2026-11-23, weak labels from the stricter reply extractor:
// 920 weak examples), mean over fold seeds 1–10 (the hooks of the 3
// repeats and the halved offsets were removed after commit e2a6ca5):
// base 0.8386; bias (Options.FitBias) 0.8493, 2 seeds lost (4, 6) — adopted (rule: mean ≥
// base + 0.005, at most 3 seeds lost); bias with 3 held-out repeats
// 0.8454, bias + avg3 0.8483, bias + prior weight 3 0.8430, bias + weak
// weight 0.2 0.8403, bias offsets halved 0.8425, bias + LSA (lsa100q)
// 0.8417 — none better than bias alone.
func TestExperimentVariants(t *testing.T) {
	which := os.Getenv("YIWANG_NLP_EXPERIMENT")
	if which == "" {
		t.Skip("set YIWANG_NLP_EXPERIMENT=1 to run the classifier experiment")
	}
	labeled, weak, unlabeled, prior := experimentData(t)
	t.Logf("%d labelled, %d weak, %d unlabelled messages", len(labeled), len(weak), len(unlabeled))
	variants := []classify.ExpVariant{classify.ExpBase, classify.ExpNBSVM, classify.ExpCNB}
	if which != "1" {
		variants = nil
		for _, v := range strings.Split(which, ",") {
			variants = append(variants, classify.ExpVariant(strings.TrimSpace(v)))
		}
	}
	// YIWANG_NLP_EXPERIMENT_SEEDS=4,5,… checks beyond the three fold seeds
	// of the adoption rule.
	seeds := []uint64{1, 2, 3}
	if list := os.Getenv("YIWANG_NLP_EXPERIMENT_SEEDS"); list != "" {
		seeds = nil
		for _, f := range strings.Split(list, ",") {
			n, err := strconv.ParseUint(strings.TrimSpace(f), 10, 64)
			if err != nil || n == 0 {
				t.Fatalf("YIWANG_NLP_EXPERIMENT_SEEDS: %q is not a positive seed", f)
			}
			seeds = append(seeds, n)
		}
	}
	for _, v := range variants {
		var sum float64
		line := ""
		for _, seed := range seeds {
			o := classify.Options{Seed: seed, Weak: weak, WeakWeight: nlp.WeakWeight, Prior: prior, SelectL2: true}
			method := v
			if ov, ok := optionVariants[string(v)]; ok {
				o, method = ov(o), classify.ExpBase
				if o.Dense > 0 {
					o.DenseText = unlabeled
				}
			}
			r, choices, err := classify.ExpCrossValidate(labeled, classify.Folds(labeled, 5, seed), o, method)
			if err != nil {
				t.Fatal(err)
			}
			sum += r.MacroF1
			// What the workflow's auto-application threshold (0.8) sees.
			var n, ok float64
			for _, b := range r.Reliability {
				if b.Lo >= 0.8-1e-9 {
					n += float64(b.N)
					ok += b.Accuracy * float64(b.N)
				}
			}
			if n > 0 {
				t.Logf("%s seed %d: confidence ≥ 0.8 on %.1f%% of messages, accuracy there %.3f", v, seed, 100*n/float64(r.N), ok/n)
			}
			line += fmt.Sprintf("  seed %d: macro-F1 %.3f acc %.3f ECE %.3f chosen %v", seed, r.MacroF1, r.Accuracy, r.ECE, choices)
			t.Logf("%s seed %d: macro-F1 %.4f accuracy %.4f ECE %.3f chosen (L2, param) per fold %v", v, seed, r.MacroF1, r.Accuracy, r.ECE, choices)
		}
		t.Logf("%s: mean macro-F1 %.4f over seeds %v;%s", v, sum/float64(len(seeds)), seeds, line)
	}
}

// experimentData returns the product's training data of the embedded
// messages: the labelled examples, the weak examples, the unlabelled text
// (the replies and support sets) and the taxonomy's prior examples.
func experimentData(t *testing.T) (labeled, weak, unlabeled, prior []classify.Example) {
	t.Helper()
	msgs, err := demo.Messages()
	if err != nil {
		t.Fatal(err)
	}
	labeled, weak = nlp.CategoryData(msgs)
	for _, m := range msgs {
		if m.Set != demo.SetLabeled {
			unlabeled = append(unlabeled, classify.Example{Title: m.Title, Body: m.Body})
		}
	}
	keep := map[string]bool{}
	for _, e := range labeled {
		keep[e.Label] = true
	}
	if prior, err = nlp.TaxonomyExamples(keep); err != nil {
		t.Fatal(err)
	}
	return labeled, weak, unlabeled, prior
}

// optionVariants are variants of the product that differ in its Options
// only (issue 5, item 2: longer character grams).
var optionVariants = map[string]func(classify.Options) classify.Options{
	// Character 1-4-grams.
	"g14": func(o classify.Options) classify.Options { o.MaxGram = 4; return o },
	// Character 2-4-grams (no unigrams).
	"g24": func(o classify.Options) classify.Options { o.MinGram, o.MaxGram = 2, 4; return o },
	// Character 2-3-grams (no unigrams), to separate the two changes.
	"g23": func(o classify.Options) classify.Options { o.MinGram, o.MaxGram = 2, 3; return o },
	// Latent semantic analysis of the unlabelled and training messages
	// (k dimensions), appended to the sparse vector at length 1, ½ or 2.
	"lsa100":  func(o classify.Options) classify.Options { o.Dense = 100; return o },
	"lsa200":  func(o classify.Options) classify.Options { o.Dense = 200; return o },
	"lsa100h": func(o classify.Options) classify.Options { o.Dense, o.DenseScale = 100, 0.5; return o },
	"lsa100q": func(o classify.Options) classify.Options { o.Dense, o.DenseScale = 100, 0.25; return o },
	"lsa100d": func(o classify.Options) classify.Options { o.Dense, o.DenseScale = 100, 2; return o },
	// Seed ensemble: the weights of 3 SGD runs (different shuffles)
	// averaged, in every fit (so also inside the L2 choice and the
	// calibration); prediction cost unchanged.
	"avg3": func(o classify.Options) classify.Options { return classify.ExpAverage(o, 3) },
	// Per-class bias shifts maximising macro-F1 on the calibration's
	// held-out predictions (Options.FitBias).
	"bias":     func(o classify.Options) classify.Options { o.FitBias = true; return o },
	"biasavg3": func(o classify.Options) classify.Options { o.FitBias = true; return classify.ExpAverage(o, 3) },
	"biaslsa": func(o classify.Options) classify.Options {
		o.FitBias, o.Dense, o.DenseScale = true, 100, 0.25
		return o
	},
	"biasp3": func(o classify.Options) classify.Options { o.FitBias, o.PriorWeight = true, 3; return o },
	"biasw2": func(o classify.Options) classify.Options { o.FitBias, o.WeakWeight = true, 0.2; return o },
	// The same coordinates not normalised (linear in the TF-IDF vector).
	"lsa100raw": func(o classify.Options) classify.Options { o.Dense = 100; return classify.ExpRaw(o) },
}

// TestExperimentUnseenProxy (issue 5) checks that the bias shift is not an
// artefact of the 299 labelled messages: models trained on them (with the
// taxonomy names, without weak examples) label the replied messages, which
// they never saw, scored against the category their answering unit implies
// (a noisy label: a unit does not always answer within its own category).
// Run it with YIWANG_NLP_EXPERIMENT=1. Figures (2026-11-23, 920 messages),
// seeds 1/2/3: without the shift macro-F1 0.563/0.565/0.587 (accuracy
// 0.665/0.667/0.676), with it 0.584/0.583/0.580 (0.682/0.680/0.651).
func TestExperimentUnseenProxy(t *testing.T) {
	if os.Getenv("YIWANG_NLP_EXPERIMENT") == "" {
		t.Skip("set YIWANG_NLP_EXPERIMENT=1 to run the classifier experiment")
	}
	labeled, weak, _, prior := experimentData(t)
	truth := make([]string, len(weak))
	for i, w := range weak {
		truth[i] = w.Label
	}
	for _, bias := range []bool{false, true} {
		for _, seed := range []uint64{1, 2, 3} {
			m, err := classify.Train(labeled, classify.Options{Seed: seed, Prior: prior, SelectL2: true, FitBias: bias})
			if err != nil {
				t.Fatal(err)
			}
			preds := make([][]classify.Prediction, len(weak))
			for i, w := range weak {
				preds[i] = m.Predict(w.Title, w.Body, 0)
			}
			r := classify.Score(truth, preds)
			t.Logf("bias shift %v, seed %d: %d unseen replied messages, macro-F1 %.4f accuracy %.4f ECE %.3f", bias, seed, r.N, r.MacroF1, r.Accuracy, r.ECE)
		}
	}
}
