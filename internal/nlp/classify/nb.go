package classify

import (
	"math"
	"math/rand/v2"
)

// nbBetaCandidates are the NBBeta values SelectL2 chooses from.
func nbBetaCandidates() []float64 { return []float64{0.25, 0.5, 1} }

// fitEach fits docs once for each NBBeta of betas (without NBScale betas
// must hold one value): the NBSVM weights are learnt once and folded per
// β.
func (c *corpus) fitEach(docs []doc, o Options, betas []float64) []*Model {
	if !o.NBScale {
		return []*Model{c.fit(docs, o)}
	}
	m, vecs := c.vocabulary(docs, o)
	p := c.fitNB(m, vecs, docs, o)
	out := make([]*Model, len(betas))
	for i, b := range betas {
		out[i] = p.fold(b)
	}
	return out
}

// nbParts is an NBSVM model before the interpolation β is applied.
type nbParts struct {
	m *Model    // vocabulary, IDF and biases
	r []float32 // log-count ratios, feature-major like W
	w []float32 // the binary classifiers' weights over x ∘ r
}

// fold returns the linear model of β: W[f,k] = r[f,k] · ((1−β)·mean_k + β·w[f,k])
// with mean_k the mean magnitude of class k's weights.
func (p nbParts) fold(beta float64) *Model {
	b := p.m
	m := &Model{Labels: b.Labels, TitleWeight: b.TitleWeight, IDF: b.IDF, B: b.B, Temperature: 1,
		hashes: b.hashes, vocab: b.vocab, feat: b.feat, W: make([]float32, len(p.w))}
	C, F := len(m.Labels), len(m.hashes)
	for k := range C {
		var l1 float64
		for f := range F {
			l1 += math.Abs(float64(p.w[f*C+k]))
		}
		mean := l1 / float64(F)
		for f := range F {
			i := f*C + k
			m.W[i] = float32(((1-beta)*mean + beta*float64(p.w[i])) * float64(p.r[i]))
		}
	}
	return m
}

// fitNB computes per class the naive-Bayes log-count ratio r over
// binarised features, r = log((α+p)/‖α+p‖₁ / ((α+q)/‖α+q‖₁)) with p and q
// the weighted document counts in and outside the class (α = 1), then
// trains one binary logistic regression per class on x ∘ r by SGD (same
// schedule, decay and seed as the softmax regression), positives and
// negatives each weighing half unless o.Unbalanced. m holds the
// vocabulary and IDF, vecs the docs' vectors.
func (c *corpus) fitNB(m *Model, vecs []vector, docs []doc, o Options) nbParts {
	C, F := len(c.labels), len(m.hashes)
	pos := make([]float64, F*C)
	classN := make([]float64, C)
	var total float64
	for i, d := range docs {
		for _, f := range vecs[i].idx {
			pos[int(f)*C+d.class] += d.weight
		}
		classN[d.class] += d.weight
		total += d.weight
	}
	const alpha = 1.0
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
	r := make([]float32, F*C)
	for f := range F {
		var all float64
		for k := range C {
			all += pos[f*C+k]
		}
		for k := range C {
			r[f*C+k] = float32(math.Log((alpha + pos[f*C+k]) / pl1[k] / ((alpha + all - pos[f*C+k]) / ql1[k])))
		}
	}
	posW := make([]float64, C)
	negW := make([]float64, C)
	for k := range C {
		switch {
		case o.Unbalanced:
			posW[k], negW[k] = 1, 1
		default:
			if classN[k] > 0 {
				posW[k] = total / (2 * classN[k])
			}
			if total-classN[k] > 0 {
				negW[k] = total / (2 * (total - classN[k]))
			}
		}
	}
	W := make([]float32, F*C)
	B := make([]float32, C)
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
			for k := range C {
				p := 1 / (1 + math.Exp(-g[k]))
				y, cw := 0.0, negW[k]
				if k == d.class {
					y, cw = 1, posW[k]
				}
				g[k] = (p - y) * lr * d.weight * cw
				B[k] -= float32(g[k])
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
	return nbParts{m: m, r: r, w: W}
}
