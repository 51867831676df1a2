package bench

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"time"

	"yiwang/internal/demo"
	"yiwang/internal/nlp"
	"yiwang/internal/nlp/classify"
	"yiwang/internal/nlp/unit"
)

// NLPOptions configure `yiwang bench nlp`. Zero fields take the defaults
// named.
type NLPOptions struct {
	// Data is a labelled CSV (title, body, level1); empty means the 299
	// labelled messages embedded with the demo.
	Data  string
	Folds int    // stratified folds (default 5)
	Seed  uint64 // fold and training seed (default 1)
	// Python and Script run the classical baseline (defaults
	// /usr/bin/python3 and scripts/nlp_baseline.py).
	Python, Script string
	// Classify is how many messages are classified one by one for
	// throughput and latency (default 20,000, cycling through the
	// embedded messages).
	Classify int
	// SkipUnlabeled skips the with-unlabelled-data cross-validation.
	SkipUnlabeled bool
	// DupItems GENERATED near-duplicates are indexed (default 1,000,000)
	// and DupQueries looked up (default 1,000); negative skips.
	DupItems, DupQueries int
	// HotItems GENERATED messages are clustered into hot issues (default
	// 100,000); negative skips.
	HotItems int
}

// NLPResult is what `yiwang bench nlp --json` prints.
type NLPResult struct {
	N       int `json:"n"`
	Folds   int `json:"folds"`
	Classes int `json:"classes"`
	// MacroF1 and Accuracy: the Go classifier as the product trains it
	// (nlp.TrainCategory: labelled data plus weak labels from the answering
	// units of the embedded replies and the taxonomy's category names as
	// prior examples, neither ever in a test fold; weight decay chosen by
	// cross-validation inside each training set, class biases shifted for
	// macro-F1 on held-out predictions inside each training set:
	// nlp.CategoryOptions), k-fold on the labelled data.
	MacroF1  float64 `json:"macro_f1"`
	Accuracy float64 `json:"accuracy"`
	ECE      float64 `json:"ece"`
	Weak     int     `json:"weak_examples"`
	// MacroF1LabeledOnly: the same folds without the weak labels and the
	// taxonomy's prior examples; MacroF1NoPrior without the latter only.
	MacroF1LabeledOnly float64 `json:"macro_f1_labeled_only"`
	MacroF1NoPrior     float64 `json:"macro_f1_without_taxonomy"`
	Prior              int     `json:"taxonomy_examples"`
	// MacroF1FixedL2: the product with the default weight decay instead of
	// the one chosen inside each training set (SelectL2).
	MacroF1FixedL2 float64 `json:"macro_f1_fixed_l2"`
	// MacroF1NoBias: the product without the class-bias shift (FitBias).
	MacroF1NoBias float64 `json:"macro_f1_without_bias_shift"`
	// MacroF1Unlabeled: the same folds, labelled data only, with the
	// embedded unlabelled messages in the IDF statistics (nil when skipped).
	MacroF1Unlabeled *float64 `json:"macro_f1_with_unlabeled"`
	// BaselineMacroF1: TF-IDF over jieba words + linear SVM
	// (scripts/nlp_baseline.py) on the same folds; nil when it could not
	// run, and BaselineError says why.
	BaselineMacroF1  *float64 `json:"baseline_macro_f1"`
	BaselineAccuracy *float64 `json:"baseline_accuracy"`
	BaselineError    string   `json:"baseline_error,omitempty"`
	// MsgsPerS and P50Ms/P99Ms: Predict (top-3 with terms) of one message at
	// a time on one goroutine with GOMAXPROCS=1.
	Classified int     `json:"classified"`
	MsgsPerS   float64 `json:"msgs_per_s"`
	P50Ms      float64 `json:"p50_ms"`
	P99Ms      float64 `json:"p99_ms"`
	TrainS     float64 `json:"train_s"` // training one model on all the labelled data

	// Duplicates: DupItems GENERATED perturbations of the real messages
	// indexed, Similar timed per query (see benchDedup); nil when skipped.
	DupItems      int      `json:"dup_items,omitempty"`
	DupP50Ms      *float64 `json:"dup_p50_ms"`
	DupP99Ms      *float64 `json:"dup_p99_ms"`
	DupRecall     *float64 `json:"dup_recall,omitempty"`
	DupFalseMatch *float64 `json:"dup_false_match,omitempty"`
	// Hot issues: seconds hot.Cluster takes for HotItems GENERATED
	// messages (see benchHot); nil when skipped.
	HotItems  int      `json:"hot_items,omitempty"`
	Hot100kS  *float64 `json:"hot_100k_s"`
	HotIssues int      `json:"hot_issues,omitempty"`
	// HotCPUS is the CPU time (user + system, all threads) the process
	// spent during that clustering and HotAllocMB what it allocated:
	// figures the load of other processes does not change.
	HotCPUS    *float64 `json:"hot_cpu_s,omitempty"`
	HotAllocMB *float64 `json:"hot_alloc_mb,omitempty"`
}

func (o NLPOptions) withDefaults() NLPOptions {
	if o.Folds < 2 {
		o.Folds = 5
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Python == "" {
		o.Python = "/usr/bin/python3"
	}
	if o.Script == "" {
		o.Script = filepath.Join("scripts", "nlp_baseline.py")
	}
	if o.Classify <= 0 {
		o.Classify = 20_000
	}
	if o.DupItems == 0 {
		o.DupItems = 1_000_000
	}
	if o.HotItems == 0 {
		o.HotItems = 100_000
	}
	if o.DupQueries <= 0 {
		o.DupQueries = 1_000
	}
	return o
}

// NLP measures the message classifier against the classical baseline on
// the same folds, then its single-core throughput and latency.
func NLP(ctx context.Context, opts NLPOptions) (NLPResult, error) {
	o := opts.withDefaults()
	msgs, err := demo.Messages()
	if err != nil {
		return NLPResult{}, err
	}
	labeled, unlabeled, weak, err := nlpData(o.Data, msgs)
	if err != nil {
		return NLPResult{}, err
	}
	folds := classify.Folds(labeled, o.Folds, o.Seed)
	prior, err := nlp.TaxonomyExamples(labelsOf(labeled))
	if err != nil {
		return NLPResult{}, err
	}
	res := NLPResult{N: len(labeled), Folds: o.Folds, Weak: len(weak), Prior: len(prior)}
	product := nlp.CategoryOptions(o.Seed, weak, prior)
	rep, _, err := classify.CrossValidate(labeled, folds, product)
	if err != nil {
		return res, err
	}
	res.MacroF1, res.Accuracy, res.ECE, res.Classes = rep.MacroF1, rep.Accuracy, rep.ECE, len(rep.Labels)
	noBias := product
	noBias.FitBias = false
	if rep, _, err = classify.CrossValidate(labeled, folds, noBias); err != nil {
		return res, err
	}
	res.MacroF1NoBias = rep.MacroF1
	if rep, _, err = classify.CrossValidate(labeled, folds, classify.Options{Seed: o.Seed}); err != nil {
		return res, err
	}
	res.MacroF1LabeledOnly = rep.MacroF1
	if rep, _, err = classify.CrossValidate(labeled, folds, classify.Options{Seed: o.Seed, Weak: weak, WeakWeight: nlp.WeakWeight}); err != nil {
		return res, err
	}
	res.MacroF1NoPrior = rep.MacroF1
	fixedL2 := product
	fixedL2.SelectL2 = false
	if rep, _, err = classify.CrossValidate(labeled, folds, fixedL2); err != nil {
		return res, err
	}
	res.MacroF1FixedL2 = rep.MacroF1
	if !o.SkipUnlabeled {
		rep, _, err := classify.CrossValidate(labeled, folds, classify.Options{Seed: o.Seed, Unlabeled: unlabeled})
		if err != nil {
			return res, err
		}
		res.MacroF1Unlabeled = &rep.MacroF1
	}
	if f1, acc, err := runBaseline(ctx, o, labeled, folds); err != nil {
		res.BaselineError = err.Error()
	} else {
		res.BaselineMacroF1, res.BaselineAccuracy = &f1, &acc
	}

	start := time.Now()
	m, err := classify.Train(labeled, product)
	if err != nil {
		return res, err
	}
	res.TrainS = time.Since(start).Seconds()
	res.Classified = o.Classify
	prev := runtime.GOMAXPROCS(1)
	lat := make([]time.Duration, o.Classify)
	start = time.Now()
	for i := range lat {
		msg := msgs[i%len(msgs)]
		t0 := time.Now()
		m.Predict(msg.Title, msg.Body, 3)
		lat[i] = time.Since(t0)
	}
	res.MsgsPerS = float64(o.Classify) / time.Since(start).Seconds()
	runtime.GOMAXPROCS(prev)
	res.P50Ms, res.P99Ms = percentileMs(lat, 50), percentileMs(lat, 99)
	if o.DupItems > 0 {
		d := benchDedup(msgs, o.DupItems, o.DupQueries, o.Seed)
		res.DupItems, res.DupP50Ms, res.DupP99Ms, res.DupRecall, res.DupFalseMatch = d.items, &d.p50, &d.p99, &d.recall, &d.falseMatch
	}
	if o.HotItems > 0 {
		h := benchHot(msgs, o.HotItems, o.Seed)
		res.HotItems, res.Hot100kS, res.HotIssues, res.HotCPUS, res.HotAllocMB = o.HotItems, &h.wallS, h.issues, &h.cpuS, &h.allocMB
	}
	return res, nil
}

// labelsOf returns the set of labels of examples.
func labelsOf(examples []classify.Example) map[string]bool {
	out := map[string]bool{}
	for _, e := range examples {
		out[e.Label] = true
	}
	return out
}

// nlpData returns the labelled examples (from path, or the embedded ones),
// the embedded unlabelled messages, and the weak examples (embedded
// replies labelled by their answering unit, within the labelled
// categories).
func nlpData(path string, msgs []demo.Message) (labeled, unlabeled, weak []classify.Example, err error) {
	labeled, _ = nlp.CategoryData(msgs)
	for _, m := range msgs {
		if m.Set != demo.SetLabeled {
			unlabeled = append(unlabeled, classify.Example{Title: m.Title, Body: m.Body})
		}
	}
	if path != "" {
		f, err := os.Open(path)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("opening labelled data: %w", err)
		}
		defer f.Close()
		if labeled, err = classify.ReadCSV(f, "level1"); err != nil {
			return nil, nil, nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	keep := map[string]bool{}
	for _, e := range labeled {
		keep[e.Label] = true
	}
	var replies []unit.Reply
	for _, m := range msgs {
		if m.Set == demo.SetReplies {
			replies = append(replies, unit.Reply{Title: m.Title, Body: m.Body, Reply: m.Reply})
		}
	}
	return labeled, unlabeled, unit.WeakCategories(replies, keep), nil
}

// runBaseline writes the fold assignment to a temporary CSV and runs the
// Python baseline on it.
func runBaseline(ctx context.Context, o NLPOptions, ex []classify.Example, folds []int) (f1, acc float64, err error) {
	if _, err := os.Stat(o.Script); err != nil {
		return 0, 0, fmt.Errorf("baseline script: %w", err)
	}
	tmp, err := os.CreateTemp("", "yiwang-nlp-folds-*.csv")
	if err != nil {
		return 0, 0, fmt.Errorf("fold file: %w", err)
	}
	defer os.Remove(tmp.Name())
	w := csv.NewWriter(tmp)
	w.Write([]string{"fold", "title", "body", "label"})
	for i, e := range ex {
		w.Write([]string{strconv.Itoa(folds[i]), e.Title, e.Body, e.Label})
	}
	w.Flush()
	if err := w.Error(); err != nil {
		tmp.Close()
		return 0, 0, fmt.Errorf("writing fold file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return 0, 0, fmt.Errorf("writing fold file: %w", err)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, o.Python, o.Script, tmp.Name())
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := stderr.String()
		if len(msg) > 300 {
			msg = msg[len(msg)-300:]
		}
		return 0, 0, fmt.Errorf("running %s %s: %w: %s", o.Python, o.Script, err, msg)
	}
	var out struct {
		MacroF1  float64 `json:"macro_f1"`
		Accuracy float64 `json:"accuracy"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		return 0, 0, fmt.Errorf("reading baseline output: %w", err)
	}
	return out.MacroF1, out.Accuracy, nil
}
