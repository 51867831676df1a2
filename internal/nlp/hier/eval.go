package hier

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"yiwang/internal/nlp/classify"
)

// LevelReport scores one level of the taxonomy over the examples labelled
// at least that deep.
type LevelReport struct {
	Level int `json:"level"`
	// N examples are labelled at least this deep; Answered of them were
	// predicted at least this deep; Correct of those with the right labels
	// down to this level.
	N        int `json:"n"`
	Answered int `json:"answered"`
	Correct  int `json:"correct"`
	// Accuracy is Correct/N (an answer that stops above the level counts
	// as wrong); AnsweredAccuracy is Correct/Answered.
	Accuracy         float64 `json:"accuracy"`
	AnsweredAccuracy float64 `json:"answered_accuracy"`
}

// Report is the evaluation of hierarchical predictions.
type Report struct {
	N      int           `json:"n"`
	Levels []LevelReport `json:"levels"`
	// Right counts final answers that are a prefix of the truth (right,
	// perhaps less deep); MeanConfidence is the mean reported (product)
	// confidence of the final answers, RightRate the share right: close
	// values mean the product confidence is calibrated.
	Right          int     `json:"right"`
	RightRate      float64 `json:"right_rate"`
	MeanConfidence float64 `json:"mean_confidence"`
	// Reliability bins the final answers by their confidence (Accuracy is
	// the share right).
	Reliability []classify.Bin `json:"reliability"`
	ECE         float64        `json:"ece"`
	// Level1 scores the level-1 answers alone as classify does (per-class
	// metrics, confusion, top-3, reliability of the level-1 confidence);
	// Accuracy and MacroF1 repeat its figures.
	Level1   classify.Report `json:"level1"`
	Accuracy float64         `json:"accuracy"`
	MacroF1  float64         `json:"macro_f1"`
}

// Score evaluates predictions (each most probable first, at least one)
// against truth paths: the first of each for the levels, all for the
// level-1 report.
func Score(truth [][]string, preds [][]Prediction) Report {
	r := Report{N: len(truth)}
	for l := 1; l <= MaxDepth; l++ {
		r.Levels = append(r.Levels, LevelReport{Level: l})
	}
	const bins = 10
	r.Reliability = make([]classify.Bin, bins)
	for i := range r.Reliability {
		r.Reliability[i].Lo, r.Reliability[i].Hi = float64(i)/bins, float64(i+1)/bins
	}
	var conf float64
	l1truth := make([]string, len(truth))
	l1preds := make([][]classify.Prediction, len(truth))
	for i, t := range truth {
		if len(t) > 0 {
			l1truth[i] = t[0]
		}
		for _, p := range preds[i] {
			l1preds[i] = append(l1preds[i], classify.Prediction{Label: p.Path[0], Confidence: p.Levels[0]})
		}
		if len(preds[i]) == 0 {
			continue
		}
		p := preds[i][0]
		for d := 1; d <= min(len(t), MaxDepth); d++ {
			lr := &r.Levels[d-1]
			lr.N++
			if len(p.Path) >= d {
				lr.Answered++
				if slices.Equal(p.Path[:d], t[:d]) {
					lr.Correct++
				}
			}
		}
		right := len(p.Path) <= len(t) && slices.Equal(p.Path, t[:len(p.Path)])
		if right {
			r.Right++
		}
		conf += p.Confidence
		b := &r.Reliability[min(bins-1, int(p.Confidence*bins))]
		b.N++
		b.MeanConfidence += p.Confidence
		if right {
			b.Accuracy++
		}
	}
	for i := range r.Levels {
		lr := &r.Levels[i]
		lr.Accuracy = ratio(lr.Correct, lr.N)
		lr.AnsweredAccuracy = ratio(lr.Correct, lr.Answered)
	}
	r.RightRate = ratio(r.Right, r.N)
	if r.N > 0 {
		r.MeanConfidence = conf / float64(r.N)
	}
	for i := range r.Reliability {
		b := &r.Reliability[i]
		if b.N == 0 {
			continue
		}
		b.MeanConfidence /= float64(b.N)
		b.Accuracy /= float64(b.N)
		d := b.Accuracy - b.MeanConfidence
		r.ECE += float64(b.N) / float64(r.N) * max(d, -d)
	}
	r.Level1 = classify.Score(l1truth, l1preds)
	r.Accuracy, r.MacroF1 = r.Level1.Accuracy, r.Level1.MacroF1
	return r
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Evaluate predicts the top 3 of every example with m (no floor) and
// scores them.
func Evaluate(m *Model, examples []Example) Report {
	truth := make([][]string, len(examples))
	preds := make([][]Prediction, len(examples))
	for i, e := range examples {
		truth[i] = e.Path
		preds[i] = m.Predict(e.Title, e.Body, 3, 0)
	}
	return Score(truth, preds)
}

// RootTrainer trains the level-1 model on examples labelled by their
// level-1 class.
type RootTrainer func([]classify.Example) (*classify.Model, error)

// Level1 returns examples labelled by their level-1 label.
func Level1(examples []Example) []classify.Example {
	out := make([]classify.Example, len(examples))
	for i, e := range examples {
		out[i] = classify.Example{Title: e.Title, Body: e.Body}
		if len(e.Path) > 0 {
			out[i].Label = e.Path[0]
		}
	}
	return out
}

// Folds returns a stratified assignment of examples to k folds by their
// whole path (classify.Folds).
func Folds(examples []Example, k int, seed uint64) []int {
	ex := make([]classify.Example, len(examples))
	for i, e := range examples {
		ex[i] = classify.Example{Label: Key(e.Path)}
	}
	return classify.Folds(ex, k, seed)
}

// CrossValidate builds a model (root by train, children by Build with o)
// on all folds but one and predicts that one, for each fold (folds[i] is
// example i's fold, 0..k-1), and scores all held-out predictions together.
func CrossValidate(examples []Example, folds []int, train RootTrainer, o Options) (Report, error) {
	if len(folds) != len(examples) || len(examples) == 0 {
		return Report{}, fmt.Errorf("%d fold numbers for %d examples: %w", len(folds), len(examples), ErrNoData)
	}
	for i, e := range examples {
		if len(e.Path) == 0 || e.Path[0] == "" {
			return Report{}, fmt.Errorf("example %d (%q) has no level-1 label: %w", i, e.Title, ErrNoData)
		}
	}
	k := slices.Max(folds) + 1
	preds := make([][]Prediction, len(examples))
	truth := make([][]string, len(examples))
	for f := range k {
		var tr, test []Example
		var at []int
		for i, g := range folds {
			if g == f {
				test = append(test, examples[i])
				at = append(at, i)
			} else {
				tr = append(tr, examples[i])
			}
		}
		if len(test) == 0 {
			continue
		}
		root, err := train(Level1(tr))
		if err != nil {
			return Report{}, fmt.Errorf("fold %d: %w", f, err)
		}
		m, _, err := Build(root, tr, o)
		if err != nil {
			return Report{}, fmt.Errorf("fold %d: %w", f, err)
		}
		for j, e := range test {
			preds[at[j]] = m.Predict(e.Title, e.Body, 3, 0)
		}
	}
	for i, e := range examples {
		truth[i] = e.Path
	}
	return Score(truth, preds), nil
}

// WriteText prints the report for people.
func (r Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "level 1: accuracy %.3f  top-3 %.3f  macro-F1 %.3f\n", r.Level1.Accuracy, r.Level1.Top3, r.Level1.MacroF1)
	fmt.Fprintf(&b, "%d messages; final answer right (a prefix of the truth) %.3f, mean confidence %.3f, ECE %.3f\n\n", r.N, r.RightRate, r.MeanConfidence, r.ECE)
	fmt.Fprintf(&b, "%-6s %6s %9s %8s %9s %18s\n", "level", "n", "answered", "correct", "accuracy", "answered accuracy")
	for _, l := range r.Levels {
		fmt.Fprintf(&b, "%-6d %6d %9d %8d %9.3f %18.3f\n", l.Level, l.N, l.Answered, l.Correct, l.Accuracy, l.AnsweredAccuracy)
	}
	b.WriteString("\nreliability (final answer, product confidence)\n  bin        n  mean conf  right\n")
	for _, bin := range r.Reliability {
		if bin.N > 0 {
			fmt.Fprintf(&b, "  %.1f-%.1f %5d  %9.3f  %5.3f\n", bin.Lo, bin.Hi, bin.N, bin.MeanConfidence, bin.Accuracy)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
