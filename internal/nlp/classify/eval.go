package classify

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// Report is the evaluation of predictions against true labels.
type Report struct {
	N        int            `json:"n"`
	Labels   []string       `json:"labels"`
	Accuracy float64        `json:"accuracy"`
	Top3     float64        `json:"top3_accuracy"` // truth among the three most probable
	MacroF1  float64        `json:"macro_f1"`
	PerClass []ClassMetrics `json:"per_class"`
	// Confusion[i][j] counts messages of Labels[i] predicted as Labels[j].
	Confusion   [][]int `json:"confusion"`
	Reliability []Bin   `json:"reliability"`
	// ECE is the expected calibration error: the count-weighted mean of
	// |accuracy − confidence| over the reliability bins.
	ECE float64 `json:"ece"`
}

// ClassMetrics are one label's precision, recall and F1.
type ClassMetrics struct {
	Label     string  `json:"label"`
	Support   int     `json:"support"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

// Bin is one row of the reliability table: top-1 predictions whose
// confidence lies in [Lo, Hi).
type Bin struct {
	Lo             float64 `json:"lo"`
	Hi             float64 `json:"hi"`
	N              int     `json:"n"`
	MeanConfidence float64 `json:"mean_confidence"`
	Accuracy       float64 `json:"accuracy"`
}

// reliabilityBins is the number of equal-width confidence bins.
const reliabilityBins = 10

// Score evaluates predictions (each most probable first, at least one)
// against truth.
func Score(truth []string, preds [][]Prediction) Report {
	labelSet := map[string]bool{}
	for i, t := range truth {
		labelSet[t] = true
		if len(preds[i]) > 0 {
			labelSet[preds[i][0].Label] = true
		}
	}
	r := Report{N: len(truth)}
	for l := range labelSet {
		r.Labels = append(r.Labels, l)
	}
	slices.Sort(r.Labels)
	L := len(r.Labels)
	r.Confusion = make([][]int, L)
	for i := range r.Confusion {
		r.Confusion[i] = make([]int, L)
	}
	bins := make([]Bin, reliabilityBins)
	var correct, top3 int
	for i, t := range truth {
		ti := slices.Index(r.Labels, t)
		if len(preds[i]) == 0 {
			continue
		}
		p := preds[i][0]
		r.Confusion[ti][slices.Index(r.Labels, p.Label)]++
		ok := p.Label == t
		if ok {
			correct++
		}
		for _, q := range preds[i][:min(3, len(preds[i]))] {
			if q.Label == t {
				top3++
				break
			}
		}
		b := min(int(p.Confidence*reliabilityBins), reliabilityBins-1)
		bins[b].N++
		bins[b].MeanConfidence += p.Confidence
		if ok {
			bins[b].Accuracy++
		}
	}
	if r.N > 0 {
		r.Accuracy = float64(correct) / float64(r.N)
		r.Top3 = float64(top3) / float64(r.N)
	}
	for b := range bins {
		bins[b].Lo, bins[b].Hi = float64(b)/reliabilityBins, float64(b+1)/reliabilityBins
		if bins[b].N > 0 {
			bins[b].MeanConfidence /= float64(bins[b].N)
			bins[b].Accuracy /= float64(bins[b].N)
			r.ECE += float64(bins[b].N) / float64(r.N) * math.Abs(bins[b].Accuracy-bins[b].MeanConfidence)
		}
	}
	r.Reliability = bins
	var f1Sum float64
	var classes int
	for i, l := range r.Labels {
		var tp, fn, fp int
		for j := range L {
			if j == i {
				tp = r.Confusion[i][i]
			} else {
				fn += r.Confusion[i][j]
				fp += r.Confusion[j][i]
			}
		}
		cm := ClassMetrics{Label: l, Support: tp + fn}
		if tp+fp > 0 {
			cm.Precision = float64(tp) / float64(tp+fp)
		}
		if tp+fn > 0 {
			cm.Recall = float64(tp) / float64(tp+fn)
		}
		if cm.Precision+cm.Recall > 0 {
			cm.F1 = 2 * cm.Precision * cm.Recall / (cm.Precision + cm.Recall)
		}
		r.PerClass = append(r.PerClass, cm)
		if cm.Support > 0 { // labels only ever predicted do not count in the macro average
			f1Sum += cm.F1
			classes++
		}
	}
	if classes > 0 {
		r.MacroF1 = f1Sum / float64(classes)
	}
	return r
}

// Evaluate predicts every example with c and scores the predictions.
func Evaluate(c Classifier, examples []Example) Report {
	truth := make([]string, len(examples))
	preds := make([][]Prediction, len(examples))
	for i, e := range examples {
		truth[i] = e.Label
		preds[i] = c.Predict(e.Title, e.Body, 3)
	}
	return Score(truth, preds)
}

// CrossValidate trains on all folds but one and predicts that one, for
// each fold (folds[i] is example i's fold, 0..k-1, as Folds returns), and
// scores all held-out predictions together. It returns the predictions
// too, in example order.
func CrossValidate(examples []Example, folds []int, opts Options) (Report, [][]Prediction, error) {
	if len(folds) != len(examples) {
		return Report{}, nil, fmt.Errorf("%d fold numbers for %d examples: %w", len(folds), len(examples), ErrNoData)
	}
	o := opts.withDefaults()
	c, err := prepare(examples, o)
	if err != nil {
		return Report{}, nil, err
	}
	k := slices.Max(folds) + 1
	preds := make([][]Prediction, len(examples))
	truth := make([]string, len(examples))
	for f := range k {
		var train, test []int
		for i, g := range folds {
			if g == f {
				test = append(test, i)
			} else {
				train = append(train, i)
			}
		}
		if len(test) == 0 {
			continue
		}
		m := c.train(train, o)
		for _, i := range test {
			preds[i] = m.Predict(examples[i].Title, examples[i].Body, 0)
		}
	}
	for i, e := range examples {
		truth[i] = e.Label
	}
	return Score(truth, preds), preds, nil
}

// WriteText prints the report for people: per-class metrics, the
// confusion matrix and the reliability table.
func (r Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%d messages  accuracy %.3f  top-3 %.3f  macro-F1 %.3f  ECE %.3f\n\n", r.N, r.Accuracy, r.Top3, r.MacroF1, r.ECE)
	fmt.Fprintf(&b, "%-4s %-16s %7s %9s %7s %7s\n", "", "label", "support", "precision", "recall", "F1")
	for i, c := range r.PerClass {
		fmt.Fprintf(&b, "%-4d %-16s %7d %9.3f %7.3f %7.3f\n", i, c.Label, c.Support, c.Precision, c.Recall, c.F1)
	}
	b.WriteString("\nconfusion (row = true, column = predicted, by number above)\n     ")
	for j := range r.Labels {
		fmt.Fprintf(&b, "%5d", j)
	}
	b.WriteByte('\n')
	for i, row := range r.Confusion {
		fmt.Fprintf(&b, "%5d", i)
		for _, v := range row {
			fmt.Fprintf(&b, "%5d", v)
		}
		b.WriteByte('\n')
	}
	b.WriteString("\nreliability (top-1 confidence)\n  bin        n  mean conf  accuracy\n")
	for _, bin := range r.Reliability {
		if bin.N == 0 {
			continue
		}
		fmt.Fprintf(&b, "  %.1f-%.1f %5d  %9.3f  %8.3f\n", bin.Lo, bin.Hi, bin.N, bin.MeanConfidence, bin.Accuracy)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
