package classify

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"yiwang/internal/nlp/text"
)

// ErrNoData is returned when there is too little labelled data to train.
var ErrNoData = errors.New("not enough labelled examples")

// Example is one message with its label. Label is empty for unlabelled text.
type Example struct {
	Title, Body, Label string
}

// Options tune training. The zero value means the documented defaults.
type Options struct {
	TitleWeight  float64 // a title gram counts this many body grams (default 2)
	MinDF        int     // a gram must occur in this many training messages (default 2)
	Epochs       int     // SGD passes (default 30)
	LearningRate float64 // initial SGD step (default 0.5)
	L2           float64 // weight decay (default 1e-5)
	// CalibrationFolds is the number of held-out folds whose predictions fit
	// the temperature (default 5; 1 disables calibration).
	CalibrationFolds int
	// Unlabeled messages always count in the IDF statistics. With SelfTrain
	// > 0 those the model labels with calibrated confidence ≥ SelfTrain are
	// added as pseudo-labelled examples of weight PseudoWeight (default 0.3)
	// and the model is trained again.
	Unlabeled    []Example
	SelfTrain    float64
	PseudoWeight float64
	// Weak examples carry labels from another source (e.g. the category
	// implied by the unit that answered a message); they join every
	// training set with weight WeakWeight (default 0.3) but are never
	// evaluated. Their labels must be among the labelled examples' labels.
	Weak       []Example
	WeakWeight float64
	// Prior examples state what a class covers (e.g. the taxonomy's
	// category names under it); like weak examples they join every
	// training set, with weight PriorWeight (default 1), and are never
	// evaluated.
	Prior       []Example
	PriorWeight float64
	// Segmenter, when set, adds its words as features (the model then
	// cannot be written to a file: WriteModel refuses it); with NoChars
	// they are the only features.
	Segmenter Segmenter
	NoChars   bool
	// MinGram and MaxGram bound the length of the character grams in runes
	// (zero: 1 and 3, text.Grams; at most text.MaxGramLen).
	MinGram, MaxGram int
	// Dense > 0 adds that many dense features learnt without labels: the
	// latent semantic analysis of DenseText and the training messages
	// (see projection), fitted once per model from its training data,
	// each message's coordinates scaled to length DenseScale (default 1).
	// DenseText is unlabelled text; its labels, if any, are ignored.
	Dense      int
	DenseScale float64
	DenseText  []Example
	// DenseMaxFeatures bounds the projection's vocabulary to the most
	// frequent grams (default 50,000).
	DenseMaxFeatures int
	denseRaw         bool        // experiment: coordinates not normalised
	proj             *projection // fitted projection, passed to inner fits
	average          int         // experiment: SGD runs averaged (ExpAverage)
	// SelectL2 chooses L2 among 1e-5, 1e-4 and 1e-3 by 3-fold
	// cross-validation (macro-F1) inside the training data of each model,
	// so that a test fold never takes part in the choice.
	SelectL2 bool
	// FitBias shifts each class's bias to maximise macro-F1 on the
	// held-out predictions the calibration already makes (CalibrationFolds
	// folds inside the training data), before the temperature is fitted.
	FitBias bool
	// Unbalanced trains with every class weighing by its examples (more
	// accurate on the frequent classes) instead of the default balanced
	// weights N / (C · n_c) (better macro-F1).
	Unbalanced bool
	Seed       uint64 // shuffling seed
}

func (o Options) features() featurizer {
	fz := featurizer{seg: o.Segmenter, noChars: o.NoChars}
	if (o.MinGram > 0 || o.MaxGram > 0) && (o.MinGram > 1 || o.MaxGram != 3 && o.MaxGram != 0) {
		fz.minN, fz.maxN = max(o.MinGram, 1), o.MaxGram
		if fz.maxN == 0 {
			fz.maxN = 3
		}
		fz.maxN = min(max(fz.maxN, fz.minN), text.MaxGramLen)
	}
	return fz
}

func (o Options) withDefaults() Options {
	if o.TitleWeight <= 0 {
		o.TitleWeight = 2
	}
	if o.MinDF <= 0 {
		o.MinDF = 2
	}
	if o.Epochs <= 0 {
		o.Epochs = 30
	}
	if o.LearningRate <= 0 {
		o.LearningRate = 0.5
	}
	if o.L2 <= 0 {
		o.L2 = 1e-5
	}
	if o.CalibrationFolds == 0 {
		o.CalibrationFolds = 5
	}
	if o.PseudoWeight <= 0 {
		o.PseudoWeight = 0.3
	}
	if o.WeakWeight <= 0 {
		o.WeakWeight = 0.3
	}
	if o.PriorWeight <= 0 {
		o.PriorWeight = 1
	}
	if o.DenseScale <= 0 {
		o.DenseScale = 1
	}
	if o.DenseMaxFeatures <= 0 {
		o.DenseMaxFeatures = 50000
	}
	return o
}

// doc is a message prepared for training: its gram counts, class and weight.
type doc struct {
	counts map[uint64]float64
	class  int
	weight float64
}

// corpus is a data set prepared once and trained on many times (folds).
type corpus struct {
	labels    []string
	docs      []doc
	weak      []doc
	unlabeled []map[uint64]float64
	denseText []map[uint64]float64 // Options.DenseText
}

// prepare computes gram counts of every example once.
func prepare(examples []Example, o Options) (*corpus, error) {
	seen := map[string]bool{}
	for _, e := range examples {
		if e.Label == "" {
			return nil, fmt.Errorf("example %q has no label: %w", e.Title, ErrNoData)
		}
		seen[e.Label] = true
	}
	if len(seen) < 2 {
		return nil, fmt.Errorf("%d examples of %d labels, need at least 2 labels: %w", len(examples), len(seen), ErrNoData)
	}
	c := &corpus{}
	for l := range seen {
		c.labels = append(c.labels, l)
	}
	slices.Sort(c.labels)
	for _, e := range examples {
		c.docs = append(c.docs, doc{counts: termCounts(o.features(), e.Title, e.Body, o.TitleWeight), class: slices.Index(c.labels, e.Label), weight: 1})
	}
	for _, e := range o.Unlabeled {
		c.unlabeled = append(c.unlabeled, termCounts(o.features(), e.Title, e.Body, o.TitleWeight))
	}
	if o.Dense > 0 {
		for _, e := range o.DenseText {
			c.denseText = append(c.denseText, termCounts(o.features(), e.Title, e.Body, o.TitleWeight))
		}
	}
	for _, set := range []struct {
		ex []Example
		w  float64
	}{{o.Weak, o.WeakWeight}, {o.Prior, o.PriorWeight}} {
		for _, e := range set.ex {
			k := slices.Index(c.labels, e.Label)
			if k < 0 {
				return nil, fmt.Errorf("weak example %q has label %q unknown to the labelled data: %w", e.Title+e.Body, e.Label, ErrNoData)
			}
			c.weak = append(c.weak, doc{counts: termCounts(o.features(), e.Title, e.Body, o.TitleWeight), class: k, weight: set.w})
		}
	}
	return c, nil
}

// Train fits a calibrated model on labelled examples (at least two labels).
func Train(examples []Example, opts Options) (*Model, error) {
	o := opts.withDefaults()
	c, err := prepare(examples, o)
	if err != nil {
		return nil, err
	}
	all := make([]int, len(c.docs))
	for i := range all {
		all[i] = i
	}
	return c.train(all, o), nil
}

// train fits on the docs named by rows: a base model, its temperature from
// held-out folds of rows, then (with self-training) the final model.
func (c *corpus) train(rows []int, o Options) *Model {
	if o.Dense > 0 && o.proj == nil {
		o.proj = c.projection(rows, o)
	}
	if o.SelectL2 {
		o.L2 = c.selectL2(rows, o)
		o.SelectL2 = false
	}
	docs := c.subset(rows)
	m := c.fit(docs, o)
	if o.SelfTrain > 0 && len(c.unlabeled) > 0 {
		m.Temperature = c.temperature(rows, o, false)
		docs = append(docs, c.pseudo(m, o)...)
		m = c.fit(docs, o)
	}
	logits, truth := c.heldOut(rows, o, o.SelfTrain > 0)
	if o.FitBias && len(logits) > 0 {
		b := fitBias(logits, truth, len(c.labels))
		for k := range b {
			m.B[k] += float32(b[k])
		}
		for _, z := range logits {
			for k := range z {
				z[k] += b[k]
			}
		}
	}
	m.Temperature = 1
	if len(logits) > 0 {
		m.Temperature = fitTemperature(logits, truth)
	}
	return m
}

// projection fits the dense projection on the dense text and the
// messages of rows (their text only).
func (c *corpus) projection(rows []int, o Options) *projection {
	docs := slices.Clip(c.denseText)
	for _, r := range rows {
		docs = append(docs, c.docs[r].counts)
	}
	return fitProjection(docs, o.Dense, o.MinDF, o.DenseMaxFeatures, o.DenseScale, o.denseRaw, o.Seed)
}

// subset returns the docs of rows and every weak doc.
func (c *corpus) subset(rows []int) []doc {
	out := make([]doc, len(rows), len(rows)+len(c.weak))
	for i, r := range rows {
		out[i] = c.docs[r]
	}
	return append(out, c.weak...)
}

// pseudo labels the unlabelled messages with m and keeps the confident ones.
func (c *corpus) pseudo(m *Model, o Options) []doc {
	var out []doc
	for _, counts := range c.unlabeled {
		v := m.vec(counts)
		p := softmax(m.logits(v.idx, v.val, make([]float64, len(m.Labels))), m.Temperature)
		best := 0
		for k := range p {
			if p[k] > p[best] {
				best = k
			}
		}
		if p[best] >= o.SelfTrain {
			out = append(out, doc{counts: counts, class: best, weight: o.PseudoWeight})
		}
	}
	return out
}

// temperature fits the calibration temperature on out-of-fold logits of
// rows (1 when calibration is disabled or rows are too few).
func (c *corpus) temperature(rows []int, o Options, selfTrain bool) float64 {
	logits, truth := c.heldOut(rows, o, selfTrain)
	if len(logits) == 0 {
		return 1
	}
	return fitTemperature(logits, truth)
}

// heldOut returns the out-of-fold logits of rows and their classes, from
// o.CalibrationFolds folds (none when calibration is disabled or rows are
// too few).
func (c *corpus) heldOut(rows []int, o Options, selfTrain bool) ([][]float64, []int) {
	k := o.CalibrationFolds
	if k < 2 || len(rows) < 2*k {
		return nil, nil
	}
	inner := o
	inner.CalibrationFolds = 1
	if !selfTrain {
		inner.SelfTrain = 0
	}
	classes := make([]int, len(rows))
	for i, r := range rows {
		classes[i] = c.docs[r].class
	}
	var logits [][]float64
	var truth []int
	for _, fold := range stratifiedFolds(classes, k, o.Seed+1) {
		train, test := split(rows, fold)
		m := c.train(train, inner)
		for _, r := range test {
			v := m.vec(c.docs[r].counts)
			logits = append(logits, m.logits(v.idx, v.val, make([]float64, len(c.labels))))
			truth = append(truth, c.docs[r].class)
		}
	}
	return logits, truth
}

// fitBias returns per-class logit offsets that maximise the macro-F1 of
// the arg-max of logits + offsets against truth: coordinate ascent over a
// grid of ±1 standard deviation of the logits in tenths, three rounds,
// ties going to the smaller offset.
func fitBias(logits [][]float64, truth []int, C int) []float64 {
	var sum, sq float64
	var n int
	for _, z := range logits {
		for _, v := range z {
			sum += v
			sq += v * v
			n++
		}
	}
	mean := sum / float64(n)
	sd := math.Sqrt(max(sq/float64(n)-mean*mean, 1e-12))
	b := make([]float64, C)
	score := func() float64 { return macroF1(logits, truth, b, C) }
	best := score()
	for range 3 {
		changed := false
		for k := range C {
			keep := b[k]
			bk, bs := keep, best
			for i := -10; i <= 10; i++ {
				b[k] = sd * float64(i) / 10
				s := score()
				if s > bs+1e-12 || s > bs-1e-12 && math.Abs(b[k]) < math.Abs(bk) {
					bk, bs = b[k], s
				}
			}
			b[k] = bk
			if bk != keep {
				changed = true
			}
			best = bs
		}
		if !changed {
			break
		}
	}
	return b
}

// macroF1 is the macro-F1 of the arg-max of logits + b against truth.
func macroF1(logits [][]float64, truth []int, b []float64, C int) float64 {
	tp, fp, fn := make([]int, C), make([]int, C), make([]int, C)
	for i, z := range logits {
		top := 0
		for k := range z {
			if z[k]+b[k] > z[top]+b[top] {
				top = k
			}
		}
		if top == truth[i] {
			tp[top]++
		} else {
			fp[top]++
			fn[truth[i]]++
		}
	}
	var f1 float64
	for k := range C {
		if d := 2*tp[k] + fp[k] + fn[k]; d > 0 {
			f1 += 2 * float64(tp[k]) / float64(d)
		}
	}
	return f1 / float64(C)
}

// fitTemperature returns the temperature minimising the negative log
// likelihood of truth, searched on a log grid from 0.05 to 20.
func fitTemperature(logits [][]float64, truth []int) float64 {
	best, bestNLL := 1.0, math.Inf(1)
	for i := 0; i <= 200; i++ {
		t := math.Exp(math.Log(0.05) + float64(i)/200*math.Log(400))
		var nll float64
		for j, z := range logits {
			nll -= math.Log(max(softmax(z, t)[truth[j]], 1e-12))
		}
		if nll < bestNLL {
			best, bestNLL = t, nll
		}
	}
	return best
}

// fit builds the vocabulary and IDF from docs (and the unlabelled messages)
// and trains the weights by SGD on the softmax loss, classes weighted
// inversely to their frequency.
func (c *corpus) fit(docs []doc, o Options) *Model {
	C := len(c.labels)
	df := map[uint64]int{}
	for _, d := range docs {
		for h := range d.counts {
			df[h]++
		}
	}
	m := &Model{Labels: c.labels, TitleWeight: o.TitleWeight, Temperature: 1, feat: o.features(), proj: o.proj}
	for h, n := range df {
		if n >= o.MinDF {
			m.hashes = append(m.hashes, h)
		}
	}
	slices.Sort(m.hashes)
	m.index()
	// IDF over the training docs and the unlabelled messages.
	idfDF := make([]int, len(m.hashes))
	for _, d := range docs {
		for h := range d.counts {
			if f, ok := m.vocab[h]; ok {
				idfDF[f]++
			}
		}
	}
	for _, u := range c.unlabeled {
		for h := range u {
			if f, ok := m.vocab[h]; ok {
				idfDF[f]++
			}
		}
	}
	n := float64(len(docs) + len(c.unlabeled))
	m.IDF = make([]float32, len(m.hashes))
	for f, d := range idfDF {
		m.IDF[f] = float32(math.Log((1+n)/(1+float64(d))) + 1)
	}
	vecs := make([]vector, len(docs))
	for i, d := range docs {
		vecs[i] = m.vec(d.counts)
	}
	// Class weights: N / (C · n_c).
	perClass := make([]float64, C)
	for _, d := range docs {
		perClass[d.class] += d.weight
	}
	var total float64
	for _, v := range perClass {
		total += v
	}
	classW := make([]float64, C)
	for k, v := range perClass {
		switch {
		case o.Unbalanced:
			classW[k] = 1
		case v > 0:
			classW[k] = total / (float64(C) * v)
		}
	}
	m.W = make([]float32, m.rows()*C)
	m.B = make([]float32, C)
	runs := max(o.average, 1)
	if runs == 1 {
		sgd(m, vecs, docs, classW, o, o.Seed)
		return m
	}
	// Average the weights of runs SGD runs with different shuffles
	// (experiment: ExpAverage).
	W, B := make([]float64, len(m.W)), make([]float64, C)
	for r := range runs {
		clear(m.W)
		clear(m.B)
		sgd(m, vecs, docs, classW, o, o.Seed+uint64(r)*0x9e3779b9)
		for i, w := range m.W {
			W[i] += float64(w)
		}
		for i, b := range m.B {
			B[i] += float64(b)
		}
	}
	for i := range W {
		m.W[i] = float32(W[i] / float64(runs))
	}
	for i := range B {
		m.B[i] = float32(B[i] / float64(runs))
	}
	return m
}

// sgd trains m.W and m.B (zero on entry) by SGD on the class-weighted
// softmax loss, shuffling with seed.
func sgd(m *Model, vecs []vector, docs []doc, classW []float64, o Options, seed uint64) {
	C := len(m.Labels)
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	order := make([]int, len(docs))
	for i := range order {
		order[i] = i
	}
	z := make([]float64, C)
	for epoch := range o.Epochs {
		lr := o.LearningRate / (1 + 0.1*float64(epoch))
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			v, d := vecs[i], docs[i]
			p := softmax(m.logits(v.idx, v.val, z), 1)
			scale := lr * d.weight * classW[d.class]
			decay := float32(1 - lr*o.L2)
			for k := range p {
				g := p[k]
				if k == d.class {
					g--
				}
				p[k] = g * scale
				m.B[k] -= float32(p[k])
			}
			for j, f := range v.idx {
				row := m.W[int(f)*C : int(f)*C+C]
				x := float64(v.val[j])
				for k := range row {
					row[k] = row[k]*decay - float32(p[k]*x)
				}
			}
		}
	}
}

// l2Candidates are the weight decays SelectL2 chooses from.
func l2Candidates() []float64 { return []float64{1e-5, 1e-4, 1e-3} }

// selectL2 returns the candidate L2 with the best macro-F1 in a 3-fold
// cross-validation over rows (uncalibrated: the arg-max does not depend on
// the temperature); the first on ties.
func (c *corpus) selectL2(rows []int, o Options) float64 {
	const k = 3
	classes := make([]int, len(rows))
	for i, r := range rows {
		classes[i] = c.docs[r].class
	}
	if len(rows) < 2*k {
		return o.L2
	}
	folds := stratifiedFolds(classes, k, o.Seed+2)
	best, bestF1 := o.L2, -1.0
	for _, l2 := range l2Candidates() {
		inner := o
		inner.L2, inner.SelectL2, inner.CalibrationFolds, inner.SelfTrain = l2, false, 1, 0
		var truth []string
		var preds [][]Prediction
		for _, fold := range folds {
			train, test := split(rows, fold)
			m := c.train(train, inner)
			for _, r := range test {
				v := m.vec(c.docs[r].counts)
				z := m.logits(v.idx, v.val, make([]float64, len(c.labels)))
				top := 0
				for j := range z {
					if z[j] > z[top] {
						top = j
					}
				}
				truth = append(truth, c.labels[c.docs[r].class])
				preds = append(preds, []Prediction{{Label: c.labels[top], Confidence: 1}})
			}
		}
		if f1 := Score(truth, preds).MacroF1; f1 > bestF1 {
			best, bestF1 = l2, f1
		}
	}
	return best
}
