package classify

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
)

// projection is a dense representation of messages learnt without labels:
// latent semantic analysis, the top singular vectors of the TF-IDF
// message × gram matrix of unlabelled and training messages (randomised
// SVD, Halko, Martinsson & Tropp 2011). A message's coordinates are
// z = Vᵀx for its TF-IDF vector x over the projection's own vocabulary
// (L2-normalised), then scaled to length scale (or multiplied by scale when
// raw). They join the sparse features as K extra features, so grams never
// seen with a label still move the prediction through the grams they
// co-occur with in the unlabelled messages.
type projection struct {
	hashes []uint64
	vocab  map[uint64]int32
	idf    []float32
	v      []float32 // len(hashes) × k, gram-major: row f is gram f's coordinates
	k      int
	scale  float64
	raw    bool // z not normalised to unit length
}

// lsaOversample and lsaPower are the randomised SVD's extra dimensions and
// power iterations.
const (
	lsaOversample = 16
	lsaPower      = 1
)

// fitProjection learns a k-dimensional projection from the gram counts of
// docs: the vocabulary is the grams in at least minDF docs (the maxF most
// frequent when more), IDF as fit computes it.
func fitProjection(docs []map[uint64]float64, k, minDF, maxF int, scale float64, raw bool, seed uint64) *projection {
	df := map[uint64]int{}
	for _, d := range docs {
		for h := range d {
			df[h]++
		}
	}
	type gram struct {
		h  uint64
		df int
	}
	var grams []gram
	for h, n := range df {
		if n >= minDF {
			grams = append(grams, gram{h, n})
		}
	}
	slices.SortFunc(grams, func(a, b gram) int {
		if c := cmp.Compare(b.df, a.df); c != 0 {
			return c
		}
		return cmp.Compare(a.h, b.h)
	})
	if maxF > 0 && len(grams) > maxF {
		grams = grams[:maxF]
	}
	slices.SortFunc(grams, func(a, b gram) int { return cmp.Compare(a.h, b.h) })
	p := &projection{scale: scale, raw: raw}
	p.hashes = make([]uint64, len(grams))
	p.idf = make([]float32, len(grams))
	n := float64(len(docs))
	for f, g := range grams {
		p.hashes[f] = g.h
		p.idf[f] = float32(math.Log((1+n)/(1+float64(g.df))) + 1)
	}
	p.index()
	F := len(grams)
	k = min(k, F, len(docs))
	l := min(k+lsaOversample, F, len(docs))
	if k <= 0 {
		p.k = 0
		return p
	}
	X := make([]vector, len(docs))
	for i, d := range docs {
		X[i] = weigh(d, p.vocab, p.idf)
	}
	rng := rand.New(rand.NewPCG(seed, 0x853c49e6748fea9b))
	omega := make([]float64, F*l)
	for i := range omega {
		omega[i] = rng.NormFloat64()
	}
	// Subspace iteration on X Xᵀ, orthonormalising on the message side
	// (the smaller one) only.
	Y := mulX(X, omega, l)
	orthonormalize(Y, len(X), l)
	for range lsaPower {
		Y = mulX(X, mulXt(X, Y, F, l), l)
		orthonormalize(Y, len(X), l)
	}
	Bt := mulXt(X, Y, F, l) // Bᵀ = Xᵀ Q, F × l
	// B Bᵀ = U Λ Uᵀ; the right singular vectors are V = Bᵀ U Λ^(-1/2).
	M := make([]float64, l*l)
	for f := range F {
		row := Bt[f*l : f*l+l]
		for a, x := range row {
			if x == 0 {
				continue
			}
			ma := M[a*l : a*l+l]
			for b := a; b < l; b++ {
				ma[b] += x * row[b]
			}
		}
	}
	for a := range l {
		for b := range a {
			M[a*l+b] = M[b*l+a]
		}
	}
	vals, vecs := symEigen(M, l)
	order := make([]int, l)
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(vals[b], vals[a]) })
	// U' = the top k eigenvectors scaled by Λ^(-1/2), l × k row-major.
	U := make([]float64, l*k)
	for j, e := range order[:k] {
		if vals[e] <= 1e-12 {
			continue
		}
		inv := 1 / math.Sqrt(vals[e])
		for a := range l {
			U[a*k+j] = vecs[a*l+e] * inv
		}
	}
	p.k = k
	p.v = make([]float32, F*k)
	acc := make([]float64, k)
	for f := range F {
		clear(acc)
		for a, x := range Bt[f*l : f*l+l] {
			if x == 0 {
				continue
			}
			for j, u := range U[a*k : a*k+k] {
				acc[j] += x * u
			}
		}
		for j, v := range acc {
			p.v[f*k+j] = float32(v)
		}
	}
	return p
}

func (p *projection) index() {
	p.vocab = make(map[uint64]int32, len(p.hashes))
	for f, h := range p.hashes {
		p.vocab[h] = int32(f)
	}
}

// project returns the coordinates of a message with gram counts counts.
func (p *projection) project(counts map[uint64]float64, dst []float32) []float32 {
	return p.coords(weigh(counts, p.vocab, p.idf), dst)
}

// coords returns the scaled coordinates of an L2-normalised TF-IDF vector
// over the projection's vocabulary, in dst (resized to k).
func (p *projection) coords(x vector, dst []float32) []float32 {
	k := p.k
	z := make([]float64, k)
	for i, f := range x.idx {
		xv := float64(x.val[i])
		row := p.v[int(f)*k : int(f)*k+k]
		for j, w := range row {
			z[j] += xv * float64(w)
		}
	}
	s := p.scale
	if !p.raw {
		var n float64
		for _, v := range z {
			n += v * v
		}
		if n > 0 {
			s /= math.Sqrt(n)
		}
	}
	dst = slices.Grow(dst[:0], k)[:k]
	for j, v := range z {
		dst[j] = float32(v * s)
	}
	return dst
}

// mulX returns X·A for sparse rows X and a dense (features × l) A.
func mulX(X []vector, A []float64, l int) []float64 {
	out := make([]float64, len(X)*l)
	for i, x := range X {
		o := out[i*l : i*l+l]
		for j, f := range x.idx {
			v := float64(x.val[j])
			a := A[int(f)*l : int(f)*l+l]
			for c := range o {
				o[c] += v * a[c]
			}
		}
	}
	return out
}

// mulXt returns Xᵀ·Y (F × l) for sparse rows X and a dense (rows × l) Y.
func mulXt(X []vector, Y []float64, F, l int) []float64 {
	out := make([]float64, F*l)
	for i, x := range X {
		y := Y[i*l : i*l+l]
		for j, f := range x.idx {
			v := float64(x.val[j])
			o := out[int(f)*l : int(f)*l+l]
			for c := range o {
				o[c] += v * y[c]
			}
		}
	}
	return out
}

// orthonormalize makes the l columns of the row-major (n × l) A orthonormal
// (modified Gram-Schmidt, twice for stability, on a column-major copy); a
// column that vanishes is left zero.
func orthonormalize(A []float64, n, l int) {
	cols := make([]float64, n*l)
	for i := range n {
		for c := range l {
			cols[c*n+i] = A[i*l+c]
		}
	}
	for c := range l {
		col := cols[c*n : c*n+n]
		for range 2 {
			for d := range c {
				other := cols[d*n : d*n+n]
				var dot float64
				for i, v := range col {
					dot += v * other[i]
				}
				for i, v := range other {
					col[i] -= dot * v
				}
			}
		}
		var norm float64
		for _, v := range col {
			norm += v * v
		}
		inv := 0.0
		if norm > 1e-24 {
			inv = 1 / math.Sqrt(norm)
		}
		for i := range col {
			col[i] *= inv
		}
	}
	for i := range n {
		for c := range l {
			A[i*l+c] = cols[c*n+i]
		}
	}
}

// symEigen returns the eigenvalues and eigenvectors (column e of the
// row-major vecs) of the symmetric n × n matrix a (destroyed), by cyclic
// Jacobi rotations.
func symEigen(a []float64, n int) (vals, vecs []float64) {
	vecs = make([]float64, n*n)
	for i := range n {
		vecs[i*n+i] = 1
	}
	for sweep := 0; sweep < 100; sweep++ {
		var off, diag float64
		for p := range n {
			diag += a[p*n+p] * a[p*n+p]
			for q := p + 1; q < n; q++ {
				off += a[p*n+q] * a[p*n+q]
			}
		}
		if off <= 1e-22*diag || off == 0 {
			break
		}
		for p := range n {
			for q := p + 1; q < n; q++ {
				apq := a[p*n+q]
				if math.Abs(apq) < 1e-300 {
					continue
				}
				theta := (a[q*n+q] - a[p*n+p]) / (2 * apq)
				t := math.Copysign(1, theta) / (math.Abs(theta) + math.Sqrt(theta*theta+1))
				c := 1 / math.Sqrt(t*t+1)
				s := t * c
				for r := range n {
					arp, arq := a[r*n+p], a[r*n+q]
					a[r*n+p] = c*arp - s*arq
					a[r*n+q] = s*arp + c*arq
				}
				for r := range n {
					apr, aqr := a[p*n+r], a[q*n+r]
					a[p*n+r] = c*apr - s*aqr
					a[q*n+r] = s*apr + c*aqr
				}
				for r := range n {
					vrp, vrq := vecs[r*n+p], vecs[r*n+q]
					vecs[r*n+p] = c*vrp - s*vrq
					vecs[r*n+q] = s*vrp + c*vrq
				}
			}
		}
	}
	vals = make([]float64, n)
	for i := range n {
		vals[i] = a[i*n+i]
	}
	return vals, vecs
}
