package main

import (
	"context"
	"fmt"
	"io"

	"yiwang/internal/bench"
)

func benchNLP(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench nlp", "[--data FILE] [--folds 5] [--script scripts/nlp_baseline.py] [--json]", stderr)
	data := fs.String("data", "", "labelled CSV (title, body, level1); default: the embedded labelled messages")
	folds := fs.Int("folds", 5, "stratified folds shared with the baseline")
	script := fs.String("script", "scripts/nlp_baseline.py", "the classical baseline (TF-IDF over jieba words + linear SVM)")
	python := fs.String("python", "/usr/bin/python3", "Python with scikit-learn and jieba (Debian python3-sklearn, python3-jieba)")
	n := fs.Int("n", 20_000, "messages classified one by one for throughput and latency")
	dupItems := fs.Int("dup-items", 1_000_000, "GENERATED near-duplicates indexed for the lookup benchmark (0 skips)")
	hotItems := fs.Int("hot-items", 100_000, "GENERATED messages clustered into hot issues (0 skips)")
	skipUnl := fs.Bool("skip-unlabeled", false, "skip the cross-validation with the unlabelled messages in the IDF")
	asJSON := fs.Bool("json", false, "print one JSON object")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *folds < 2 || *n < 1 {
		return fmt.Errorf("%w: --folds must be at least 2 and -n at least 1", errUsage)
	}
	return benchAndPrint(stdout, "", *asJSON, func() (bench.NLPResult, error) {
		return bench.NLP(ctx, bench.NLPOptions{Data: *data, Folds: *folds, Script: *script, Python: *python, Classify: *n, SkipUnlabeled: *skipUnl, DupItems: dupOpt(*dupItems), HotItems: dupOpt(*hotItems)})
	}, func(res bench.NLPResult) {
		fmt.Fprintf(stdout, "nlp benchmark: %d labelled messages, %d classes, %d stratified folds\n", res.N, res.Classes, res.Folds)
		fmt.Fprintf(stdout, "  classifier (char 1-3-grams, softmax regression, + %d weak unit labels + %d taxonomy names): macro-F1 %.3f  accuracy %.3f  ECE %.3f\n", res.Weak, res.Prior, res.MacroF1, res.Accuracy, res.ECE)
		fmt.Fprintf(stdout, "    without the class-bias shift:                  macro-F1 %.3f\n", res.MacroF1NoBias)
		fmt.Fprintf(stdout, "    default weight decay (not chosen by inner CV): macro-F1 %.3f\n", res.MacroF1FixedL2)
		fmt.Fprintf(stdout, "    without the taxonomy names:                    macro-F1 %.3f\n", res.MacroF1NoPrior)
		fmt.Fprintf(stdout, "    labelled data only:                            macro-F1 %.3f\n", res.MacroF1LabeledOnly)
		if res.MacroF1Unlabeled != nil {
			fmt.Fprintf(stdout, "    labelled only, unlabelled messages in the IDF: macro-F1 %.3f\n", *res.MacroF1Unlabeled)
		}
		if res.BaselineMacroF1 != nil {
			fmt.Fprintf(stdout, "  baseline (jieba TF-IDF + linear SVM, same folds): macro-F1 %.3f  accuracy %.3f  difference %+.1f points\n",
				*res.BaselineMacroF1, *res.BaselineAccuracy, 100*(res.MacroF1-*res.BaselineMacroF1))
		} else {
			fmt.Fprintf(stdout, "  baseline: did not run (%s)\n", res.BaselineError)
		}
		fmt.Fprintf(stdout, "  classify one core: %8.0f msgs/s  p50 %.3f ms  p99 %.3f ms  (%d messages; training %.2f s)\n", res.MsgsPerS, res.P50Ms, res.P99Ms, res.Classified, res.TrainS)
		printOptMs(stdout, fmt.Sprintf("  duplicate lookup among %d GENERATED items:", res.DupItems), res.DupP50Ms, res.DupP99Ms)
		if res.DupRecall != nil {
			fmt.Fprintf(stdout, "    recall of the perturbed source item %.3f, matches from another message %.3f\n", *res.DupRecall, *res.DupFalseMatch)
		}
		if res.Hot100kS != nil {
			fmt.Fprintf(stdout, "  hot issues, clustering %d GENERATED messages: %.2f s (%d issues)", res.HotItems, *res.Hot100kS, res.HotIssues)
			if res.HotCPUS != nil && res.HotAllocMB != nil {
				fmt.Fprintf(stdout, "; CPU %.2f s, allocated %.0f MB", *res.HotCPUS, *res.HotAllocMB)
			}
			fmt.Fprintln(stdout)
		}
	})
}

func printOptMs(w io.Writer, label string, p50, p99 *float64) {
	if p50 == nil || p99 == nil {
		return
	}
	fmt.Fprintf(w, "%s p50 %.3f ms  p99 %.3f ms\n", label, *p50, *p99)
}

// dupOpt maps a size flag (0 = skip) to bench.NLPOptions (negative = skip).
func dupOpt(n int) int {
	if n <= 0 {
		return -1
	}
	return n
}
