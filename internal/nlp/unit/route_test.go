package unit

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"yiwang/internal/nlp/classify"
)

func TestCues(t *testing.T) {
	tests := []struct {
		title, body string
		want        []string
	}{
		{"", "", nil},
		{"路灯不亮", "晚上很黑", nil},
		{"柳湖村修路", "A7县安沙镇柳湖村的村道坏了", []string{"cuevillage", "cuetown", "cuedistrict", "cueroad", "cuearea" + "ahx", "cuecitya"}},
		{"小区噪音", "万家丽小区物业不管", []string{"cuecommunity", "cueestate"}},
		{"A市第一中学乱收费", "", []string{"cueschool", "cueareaas", "cuecitya"}},
		{"", "K10县人民医院和J11市华天公司", []string{"cuedistrict", "cuehospital", "cuecompany", "cueareakbax", "cuecityk", "cueareajbbs", "cuecityj"}},
		// Two codes of one city give one city token.
		{"", "A3区和A5区", []string{"cuedistrict", "cueareaadq", "cuecitya", "cueareaafq"}},
	}
	for _, tt := range tests {
		if got := Cues(tt.title, tt.body); !slices.Equal(got, tt.want) {
			t.Errorf("Cues(%q, %q) = %v, want %v", tt.title, tt.body, got, tt.want)
		}
	}
}

func TestCueLabel(t *testing.T) {
	tests := map[string]string{
		"cuevillage": "村组", "cueschool": "学校", "cuecitya": "A市", "cueareaahx": "A7县",
		"cueareakbax": "K10县", "cueareaadq": "A3区", "cueareabs": "B市",
		"": "", "cue": "", "cuecity": "", "cuecityab": "", "cueareaa": "", "cueareaazz": "", "cueareaa!x": "", "路灯": "",
	}
	for in, want := range tests {
		if got := CueLabel(in); got != want {
			t.Errorf("CueLabel(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzCues(f *testing.F) {
	f.Add("A7县安沙镇柳湖村", "K10县人民医院")
	f.Add("", "\xff")
	f.Fuzz(func(t *testing.T, title, body string) {
		seen := map[string]bool{}
		for _, c := range Cues(title, body) {
			if seen[c] {
				t.Fatalf("Cues(%q, %q) repeats %q", title, body, c)
			}
			seen[c] = true
			if CueLabel(c) == "" {
				t.Fatalf("Cues(%q, %q) gives %q, which has no label", title, body, c)
			}
			if strings.Trim(c, "abcdefghijklmnopqrstuvwxyz") != "" {
				t.Fatalf("cue %q is not a lower-case Latin word", c)
			}
		}
	})
}

func TestRouterRoute(t *testing.T) {
	var ex []classify.Example
	for i := range 12 {
		ex = append(ex,
			classify.Example{Title: "学校乱收费", Body: fmt.Sprintf("A市第%d中学补课收费", i), Label: "教育"},
			classify.Example{Title: "村道破损", Body: fmt.Sprintf("安沙镇%d组村道坑洼", i), Label: "街道乡镇"})
	}
	r, err := TrainRouter(ex, RouterOptions{Classify: classify.Options{Seed: 1, CalibrationFolds: 1}, CueWeights: []int{0, 2}})
	if err != nil {
		t.Fatal(err)
	}
	if w := r.CueWeight(); w != 0 && w != 2 {
		t.Errorf("cue weight %d not among the candidates", w)
	}
	got := r.Route("中学收费", "学校补课乱收费", 3)
	if len(got) != 2 || got[0].Type != "教育" || got[0].Confidence <= got[1].Confidence || len(got[0].Terms) == 0 {
		t.Fatalf("Route = %+v", got)
	}
	for _, term := range got[0].Terms {
		if strings.HasPrefix(term, "cue") {
			t.Errorf("term %q is a cue token, not its label", term)
		}
	}
	if !slices.Equal(r.Types(), []string{"教育", "街道乡镇"}) {
		t.Errorf("Types = %v", r.Types())
	}
	if _, err := TrainRouter(ex[:1], RouterOptions{}); err == nil {
		t.Error("TrainRouter on one example: no error")
	}
}

// TestRouterCrossValidated measures the router on the embedded replies
// (5 folds, seed 1) and fails when it falls below floors set from the
// measured figures with a margin of about 0.03: accuracy 0.594, top-3
// 0.846, macro-F1 0.392 when written (docs/BENCHMARKS.md, "Unit router").
func TestRouterCrossValidated(t *testing.T) {
	if testing.Short() {
		t.Skip("trains 5 × 7 models")
	}
	replies, err := DemoReplies()
	if err != nil {
		t.Fatal(err)
	}
	ex, cov := Examples(replies, 20)
	keep := map[string]bool{}
	for _, ty := range cov.Types {
		keep[ty] = true
	}
	// The temperature does not change the ranking: no calibration folds,
	// to keep the test short.
	o := RouterOptions{Classify: classify.Options{Seed: 1, CalibrationFolds: 1, Prior: PriorExamples(keep)}, CueWeights: []int{0, 2}}
	r, weights, err := CrossValidateRouter(ex, classify.Folds(ex, 5, 1), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d messages, %d types: accuracy %.3f top-3 %.3f macro-F1 %.3f, cue weights %v", r.N, len(cov.Types), r.Accuracy, r.Top3, r.MacroF1, weights)
	if r.N != cov.Kept || len(weights) != 5 {
		t.Errorf("scored %d of %d messages over %d folds", r.N, cov.Kept, len(weights))
	}
	if r.Accuracy < 0.565 || r.Top3 < 0.815 || r.MacroF1 < 0.36 {
		t.Errorf("accuracy %.3f, top-3 %.3f, macro-F1 %.3f: below the floors 0.565, 0.815, 0.36", r.Accuracy, r.Top3, r.MacroF1)
	}
}

// TestRouterExperiment compares, in one run, the previous extractor
// (legacy_test.go) with the current one — coverage, then the text-only
// classifier on each one's labels — and the router on the current labels,
// over fold seeds 1..YIWANG_NLP_EXPERIMENT_SEEDS (default 5). Without
// calibration folds (the temperature changes no ranking, so accuracy,
// top-3 and macro-F1 are those of the calibrated models; ECE is not
// reported). Run with YIWANG_NLP_EXPERIMENT=1; figures in
// docs/BENCHMARKS.md, "Unit router".
func TestRouterExperiment(t *testing.T) {
	if os.Getenv("YIWANG_NLP_EXPERIMENT") == "" {
		t.Skip("set YIWANG_NLP_EXPERIMENT=1 to run the unit router experiment")
	}
	n := 5
	if v := os.Getenv("YIWANG_NLP_EXPERIMENT_SEEDS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			t.Fatalf("YIWANG_NLP_EXPERIMENT_SEEDS=%q", v)
		}
	}
	replies, err := DemoReplies()
	if err != nil {
		t.Fatal(err)
	}
	options := func(cov Coverage) RouterOptions {
		keep := map[string]bool{}
		for _, ty := range cov.Types {
			keep[ty] = true
		}
		return RouterOptions{Classify: classify.Options{CalibrationFolds: 1, Prior: PriorExamples(keep)}, CueWeights: DefaultCueWeights}
	}
	oldEx, oldCov := examplesWith(replies, 20, legacyExtract)
	newEx, newCov := Examples(replies, 20)
	fmt.Printf("before: %d of %d replies yield a unit; %d types with ≥ 20 (%d messages)\n", oldCov.Found, oldCov.Replies, len(oldCov.Types), oldCov.Kept)
	fmt.Printf("after:  %d of %d replies yield a unit; %d types with ≥ 20 (%d messages)\n", newCov.Found, newCov.Replies, len(newCov.Types), newCov.Kept)
	fmt.Println("seed  before: text only        after: text only         after: router            cue weights")
	var mean [3]Figures
	for s := range n {
		seed := uint64(s + 1)
		var figs [3]Figures
		for i, run := range []struct {
			ex     []classify.Example
			cov    Coverage
			router bool
		}{{oldEx, oldCov, false}, {newEx, newCov, false}, {newEx, newCov, true}} {
			o := options(run.cov)
			o.Classify.Seed = seed
			folds := classify.Folds(run.ex, 5, seed)
			var r classify.Report
			var weights []int
			if run.router {
				r, weights, err = CrossValidateRouter(run.ex, folds, o)
			} else {
				r, _, err = classify.CrossValidate(run.ex, folds, o.Classify)
			}
			if err != nil {
				t.Fatal(err)
			}
			figs[i] = figures(r)
			mean[i] = add(mean[i], figs[i], 1/float64(n))
			if run.router {
				fmt.Printf("%-5d %s  %s  %s  %v\n", seed, triple(figs[0]), triple(figs[1]), triple(figs[2]), weights)
			}
		}
	}
	fmt.Printf("mean  %s  %s  %s  (accuracy/top-3/macro-F1)\n", triple(mean[0]), triple(mean[1]), triple(mean[2]))
}

func triple(f Figures) string {
	return fmt.Sprintf("%.3f/%.3f/%.3f      ", f.Accuracy, f.Top3, f.MacroF1)
}
