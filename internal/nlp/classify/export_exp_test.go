package classify

// Experimental training variants (issue 5), visible to the external test
// package only: NBSVM-style one-vs-rest logistic regression over features
// scaled by the naive-Bayes log-count ratio (Wang & Manning 2012), the
// same scaling under the product's softmax loss, and the product's softmax
// regression with the logits of a complement naive Bayes (Rennie et al.
// 2003) added. All remain linear in the TF-IDF vector, so they fold into
// Model.W and would cost nothing at prediction time. Settings are chosen
// by 3-fold cross-validation inside each training set only. None was
// adopted: see TestExperimentVariants and docs/BENCHMARKS.md.

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
)

// ExpVariant names an experimental training method.
type ExpVariant string

// The variants.
const (
	ExpBase  ExpVariant = "base"  // the product (c.train)
	ExpNBSVM ExpVariant = "nbsvm" // NB-scaled one-vs-rest logistic regression
	// ExpNBSoft scales the features of each class by its NB log-count
	// ratio like ExpNBSVM but trains them jointly with the product's
	// softmax loss and balanced class weights.
	ExpNBSoft ExpVariant = "nbsoft"
	ExpCNB    ExpVariant = "cnb" // softmax regression + λ · complement NB logits
	// ExpCNBOnly is the complement NB alone (a diagnostic: how good is
	// the part the mixture adds).
	ExpCNBOnly ExpVariant = "cnbonly"
)

// ExpChoice is a setting chosen inside one training set.
type ExpChoice struct {
	L2, Param float64
}

// ExpCrossValidate is CrossValidate with a variant; folds run two at a
// time. It returns the report and the setting chosen in each fold.
func ExpCrossValidate(examples []Example, folds []int, opts Options, v ExpVariant) (Report, []ExpChoice, error) {
	o := opts.withDefaults()
	c, err := prepare(examples, o)
	if err != nil {
		return Report{}, nil, err
	}
	k := slices.Max(folds) + 1
	preds := make([][]Prediction, len(examples))
	choices := make([]ExpChoice, k)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for f := range k {
		var train, test []int
		for i, g := range folds {
			if g == f {
				test = append(test, i)
			} else {
				train = append(train, i)
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			m, ch := c.trainExp(train, o, v)
			choices[f] = ch
			for _, i := range test {
				preds[i] = m.Predict(examples[i].Title, examples[i].Body, 0)
			}
		}()
	}
	wg.Wait()
	truth := make([]string, len(examples))
	for i, e := range examples {
		truth[i] = e.Label
	}
	return Score(truth, preds), choices, nil
}

// expParams are the candidate second settings of a variant: β of NBSVM
// (interpolation towards the mean weight, Wang & Manning 2012), λ of the
// CNB mixture (in units of the ratio of the two models' logit spreads).
func expParams(v ExpVariant) []float64 {
	switch v {
	case ExpNBSVM, ExpNBSoft:
		return []float64{0.25, 0.5, 1}
	case ExpCNB:
		return []float64{0, 0.25, 0.5, 1, 2, 4}
	case ExpCNBOnly:
		return []float64{-1}
	}
	return []float64{0}
}

// trainExp chooses (L2, param) by 3-fold CV inside rows when SelectL2,
// then fits on rows and calibrates the temperature on 5 held-out folds.
func (c *corpus) trainExp(rows []int, o Options, v ExpVariant) (*Model, ExpChoice) {
	if v == ExpBase {
		// As c.train, with the projection fitted and the weight decay
		// chosen once here (so that the choice can be reported).
		if o.Dense > 0 && o.proj == nil {
			o.proj = c.projection(rows, o)
		}
		ch := ExpChoice{L2: o.L2}
		if o.SelectL2 {
			ch.L2 = c.selectL2(rows, o)
			o.L2, o.SelectL2 = ch.L2, false
		}
		return c.train(rows, o), ch
	}
	ch := ExpChoice{L2: o.L2, Param: expParams(v)[0]}
	if o.SelectL2 {
		ch = c.selectExp(rows, o, v)
	}
	o.L2, o.SelectL2 = ch.L2, false
	m := c.fitExp(c.subset(rows), o, v, ch.Param)
	// Temperature from out-of-fold logits of the same method.
	classes := make([]int, len(rows))
	for i, r := range rows {
		classes[i] = c.docs[r].class
	}
	var logits [][]float64
	var truth []int
	for _, fold := range stratifiedFolds(classes, o.CalibrationFolds, o.Seed+1) {
		train, test := split(rows, fold)
		im := c.fitExp(c.subset(train), o, v, ch.Param)
		for _, r := range test {
			vec := weigh(c.docs[r].counts, im.vocab, im.IDF)
			logits = append(logits, im.logits(vec.idx, vec.val, make([]float64, len(c.labels))))
			truth = append(truth, c.docs[r].class)
		}
	}
	m.Temperature = fitTemperature(logits, truth)
	return m, ch
}

// selectExp picks the (L2, param) with the best inner macro-F1; the first
// candidate on ties.
func (c *corpus) selectExp(rows []int, o Options, v ExpVariant) ExpChoice {
	classes := make([]int, len(rows))
	for i, r := range rows {
		classes[i] = c.docs[r].class
	}
	folds := stratifiedFolds(classes, 3, o.Seed+2)
	best, bestF1 := ExpChoice{L2: o.L2, Param: expParams(v)[0]}, -1.0
	for _, l2 := range l2Candidates() {
		inner := o
		inner.L2 = l2
		params := expParams(v)
		truth := []string{}
		preds := make([][][]Prediction, len(params))
		for _, fold := range folds {
			train, test := split(rows, fold)
			parts := c.partsExp(c.subset(train), inner, v)
			for pi, p := range params {
				m := parts.combine(p)
				for _, r := range test {
					vec := weigh(c.docs[r].counts, m.vocab, m.IDF)
					z := m.logits(vec.idx, vec.val, make([]float64, len(c.labels)))
					preds[pi] = append(preds[pi], []Prediction{{Label: c.labels[argmax(z)], Confidence: 1}})
				}
			}
			for _, r := range test {
				truth = append(truth, c.labels[c.docs[r].class])
			}
		}
		for pi, p := range params {
			if f1 := Score(truth, preds[pi]).MacroF1; f1 > bestF1 {
				best, bestF1 = ExpChoice{L2: l2, Param: p}, f1
			}
		}
	}
	return best
}

func argmax(z []float64) int {
	top := 0
	for j := range z {
		if z[j] > z[top] {
			top = j
		}
	}
	return top
}

func (c *corpus) fitExp(docs []doc, o Options, v ExpVariant, param float64) *Model {
	return c.partsExp(docs, o, v).combine(param)
}

// expParts is what a variant learns before its second setting applies.
type expParts struct {
	v     ExpVariant
	base  *Model    // vocabulary, IDF; for CNB the softmax weights
	r     []float32 // NBSVM: log-count ratios, feature-major like W
	extra []float32 // NBSVM: raw OvR weights; CNB: normalised CNB logit weights
	scale float64   // CNB: spread of the softmax logits / spread of the CNB logits
}

// combine folds the parts into one linear model for param.
func (p expParts) combine(param float64) *Model {
	b := p.base
	m := Model{Labels: b.Labels, TitleWeight: b.TitleWeight, IDF: b.IDF, B: b.B, Temperature: 1,
		hashes: b.hashes, vocab: b.vocab, feat: b.feat, W: make([]float32, len(b.W))}
	switch p.v {
	case ExpNBSVM, ExpNBSoft:
		C := len(m.Labels)
		for k := range C {
			var l1 float64
			for f := 0; f < len(m.hashes); f++ {
				l1 += math.Abs(float64(p.extra[f*C+k]))
			}
			mean := l1 / float64(len(m.hashes))
			for f := 0; f < len(m.hashes); f++ {
				i := f*C + k
				w := (1-param)*mean + param*float64(p.extra[i])
				m.W[i] = float32(w * float64(p.r[i]))
			}
		}
	case ExpCNB:
		if param < 0 { // CNB alone
			for i := range m.W {
				m.W[i] = float32(p.scale) * p.extra[i]
			}
			m.B = make([]float32, len(b.B))
			break
		}
		for i := range m.W {
			m.W[i] = p.base.W[i] + float32(param*p.scale)*p.extra[i]
		}
	}
	return &m
}

// partsExp fits the vocabulary and IDF as fit does, then the variant.
func (c *corpus) partsExp(docs []doc, o Options, v ExpVariant) expParts {
	switch v {
	case ExpCNB, ExpCNBOnly:
		m := c.fit(docs, o)
		return c.cnb(docs, m)
	case ExpNBSVM, ExpNBSoft:
		o2 := o
		o2.Epochs = 0 // vocabulary and IDF only
		m := c.fit(docs, o2)
		return c.nbsvm(docs, m, o, v == ExpNBSoft)
	}
	panic("variant " + string(v))
}

// cnb adds complement naive Bayes weights (Rennie et al. 2003: smoothed
// complement-class feature mass, log, L1-normalised per class) over the
// same TF-IDF vectors; the CNB logit of class k is −Σ x_f ŵ_kf, centred.
func (c *corpus) cnb(docs []doc, m *Model) expParts {
	C, F := len(m.Labels), len(m.hashes)
	vecs := make([]vector, len(docs))
	mass := make([]float64, F*C) // per class feature mass
	for i, d := range docs {
		vecs[i] = weigh(d.counts, m.vocab, m.IDF)
		for j, f := range vecs[i].idx {
			mass[int(f)*C+d.class] += d.weight * float64(vecs[i].val[j])
		}
	}
	total := make([]float64, F)
	var all float64
	for f := range F {
		for k := range C {
			total[f] += mass[f*C+k]
		}
		all += total[f]
	}
	classMass := make([]float64, C)
	for f := range F {
		for k := range C {
			classMass[k] += mass[f*C+k]
		}
	}
	const alpha = 1.0
	w := make([]float64, F*C)
	l1 := make([]float64, C)
	for f := range F {
		for k := range C {
			comp := total[f] - mass[f*C+k]
			w[f*C+k] = math.Log((alpha + comp) / (alpha*float64(F) + all - classMass[k]))
			l1[k] += math.Abs(w[f*C+k])
		}
	}
	extra := make([]float32, F*C)
	for f := range F {
		var mean float64
		for k := range C {
			mean += -w[f*C+k] / l1[k]
		}
		mean /= float64(C)
		for k := range C {
			extra[f*C+k] = float32(-w[f*C+k]/l1[k] - mean)
		}
	}
	// Spread of each model's centred logits over the training docs.
	var sLR, sNB float64
	z := make([]float64, C)
	for _, v := range vecs {
		m.logits(v.idx, v.val, z)
		sLR += centredVar(z)
		for k := range z {
			z[k] = 0
		}
		for j, f := range v.idx {
			for k := range C {
				z[k] += float64(v.val[j]) * float64(extra[int(f)*C+k])
			}
		}
		sNB += centredVar(z)
	}
	scale := 1.0
	if sNB > 0 {
		scale = math.Sqrt(sLR / sNB)
	}
	return expParts{v: ExpCNB, base: m, extra: extra, scale: scale}
}

func centredVar(z []float64) float64 {
	var mean, v float64
	for _, x := range z {
		mean += x
	}
	mean /= float64(len(z))
	for _, x := range z {
		v += (x - mean) * (x - mean)
	}
	return v / float64(len(z))
}

// nbsvm computes per class the log-count ratio r over binarised features
// (α = 1, docs weighted), then trains one binary logistic regression per
// class on x ∘ r_k by SGD, positives and negatives balanced.
func (c *corpus) nbsvm(docs []doc, m *Model, o Options, soft bool) expParts {
	C, F := len(m.Labels), len(m.hashes)
	vecs := make([]vector, len(docs))
	pos := make([]float64, F*C)
	classN := make([]float64, C)
	var total float64
	for i, d := range docs {
		vecs[i] = weigh(d.counts, m.vocab, m.IDF)
		for _, f := range vecs[i].idx {
			pos[int(f)*C+d.class] += d.weight
		}
		classN[d.class] += d.weight
		total += d.weight
	}
	const alpha = 1.0
	r := make([]float32, F*C)
	pl1 := make([]float64, C)
	ql1 := make([]float64, C)
	for f := range F {
		var all float64
		for k := range C {
			all += pos[f*C+k]
		}
		for k := range C {
			pl1[k] += alpha + pos[f*C+k]
			ql1[k] += alpha + all - pos[f*C+k]
		}
	}
	for f := range F {
		var all float64
		for k := range C {
			all += pos[f*C+k]
		}
		for k := range C {
			r[f*C+k] = float32(math.Log((alpha + pos[f*C+k]) / pl1[k] / ((alpha + all - pos[f*C+k]) / ql1[k])))
		}
	}
	W := make([]float32, F*C)
	B := make([]float32, C)
	posW := make([]float64, C)
	negW := make([]float64, C)
	for k := range C {
		if classN[k] > 0 {
			posW[k] = total / (2 * classN[k])
		}
		if total-classN[k] > 0 {
			negW[k] = total / (2 * (total - classN[k]))
		}
	}
	softW := make([]float64, C) // N / (C · n_c), as fit
	for k := range C {
		if classN[k] > 0 {
			softW[k] = total / (float64(C) * classN[k])
		}
	}
	order := make([]int, len(docs))
	for i := range order {
		order[i] = i
	}
	rng := rand.New(rand.NewPCG(o.Seed, 0x9e3779b97f4a7c15))
	g := make([]float64, C)
	for epoch := range o.Epochs {
		lr := o.LearningRate / (1 + 0.1*float64(epoch))
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		decay := float32(1 - lr*o.L2)
		for _, i := range order {
			v, d := vecs[i], docs[i]
			for k := range C {
				g[k] = float64(B[k])
			}
			for j, f := range v.idx {
				x := float64(v.val[j])
				for k := range C {
					g[k] += x * float64(r[int(f)*C+k]) * float64(W[int(f)*C+k])
				}
			}
			if soft {
				p := softmax(g, 1)
				scale := lr * d.weight * softW[d.class]
				for k := range C {
					if k == d.class {
						p[k]--
					}
					g[k] = p[k] * scale
					B[k] -= float32(g[k])
				}
			} else {
				for k := range C {
					p := 1 / (1 + math.Exp(-g[k]))
					y, cw := 0.0, negW[k]
					if k == d.class {
						y, cw = 1, posW[k]
					}
					g[k] = (p - y) * lr * d.weight * cw
					B[k] -= float32(g[k])
				}
			}
			for j, f := range v.idx {
				x := float64(v.val[j])
				row := W[int(f)*C : int(f)*C+C]
				rr := r[int(f)*C : int(f)*C+C]
				for k := range row {
					row[k] = row[k]*decay - float32(g[k]*x*float64(rr[k]))
				}
			}
		}
	}
	m.B = B
	return expParts{v: ExpNBSVM, base: m, r: r, extra: W} // combine folds both alike
}

// ExpRaw makes the dense coordinates of o unnormalised (z = Vᵀx times
// DenseScale): linear in the TF-IDF vector.
func ExpRaw(o Options) Options { return ExpRawOptions(o) }

// ExpAverage makes every fit average the weights of n SGD runs with
// different shuffles (a seed ensemble folded into one linear model).
func ExpAverage(o Options, n int) Options { o.average = n; return o }
