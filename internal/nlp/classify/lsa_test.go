package classify

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestFitProjection checks the randomised SVD against an exact one on a
// small random corpus: the columns of V are orthonormal and span the top
// right singular vectors of the TF-IDF matrix (each exact vector of the
// top k lies in the span up to a small residual).
func TestFitProjection(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	var docs []map[uint64]float64
	for range 200 {
		d := map[uint64]float64{}
		topic := uint64(rng.IntN(4))
		for range 12 {
			h := topic*100 + uint64(rng.IntN(30)) // topic words
			if rng.IntN(3) == 0 {
				h = 1000 + uint64(rng.IntN(60)) // noise
			}
			d[h]++
		}
		docs = append(docs, d)
	}
	const k = 6
	p := fitProjection(docs, k, 2, 0, 1, true, 1)
	F := len(p.hashes)
	if p.k != k || len(p.v) != F*k {
		t.Fatalf("k %d, %d coordinates for %d grams", p.k, len(p.v), F)
	}
	for a := range k {
		for b := range k {
			var dot float64
			for f := range F {
				dot += float64(p.v[f*k+a]) * float64(p.v[f*k+b])
			}
			want := 0.0
			if a == b {
				want = 1
			}
			if math.Abs(dot-want) > 1e-4 {
				t.Errorf("vᵀv[%d][%d] = %.5f, want %v", a, b, dot, want)
			}
		}
	}
	// Exact: eigenvectors of XᵀX.
	G := make([]float64, F*F)
	for _, d := range docs {
		x := weigh(d, p.vocab, p.idf)
		for i, f := range x.idx {
			for j, g := range x.idx {
				G[int(f)*F+int(g)] += float64(x.val[i]) * float64(x.val[j])
			}
		}
	}
	vals, vecs := symEigen(G, F)
	// The energy V captures, ‖XV‖², is close to the sum of the top k
	// eigenvalues (its maximum; with one power iteration within 3 % on
	// this flat spectrum).
	var captured, exact float64
	for _, d := range docs {
		x := weigh(d, p.vocab, p.idf)
		for j := range k {
			var s float64
			for i, f := range x.idx {
				s += float64(x.val[i]) * float64(p.v[int(f)*k+j])
			}
			captured += s * s
		}
	}
	sorted := slices.Clone(vals)
	slices.Sort(sorted)
	for _, v := range sorted[F-k:] {
		exact += v
	}
	if captured < 0.97*exact || captured > exact*(1+1e-6) {
		t.Errorf("captured energy %.4f, top-%d eigenvalues sum %.4f", captured, k, exact)
	}
	// The 4 well-separated leading vectors (the mean and the topic
	// contrasts; the rest is a flat noise spectrum) lie in span(V).
	for range 4 { // the largest, one at a time
		best := 0
		for e := range vals {
			if vals[e] > vals[best] {
				best = e
			}
		}
		// Residual of exact vector best outside span(V).
		var res float64
		proj := make([]float64, k)
		for j := range k {
			for f := range F {
				proj[j] += vecs[f*F+best] * float64(p.v[f*k+j])
			}
			res += proj[j] * proj[j]
		}
		if res < 0.98 {
			t.Errorf("exact singular vector (λ %.3f) is %.3f inside the span, want ≈ 1", vals[best], res)
		}
		vals[best] = math.Inf(-1)
	}
	// Normalised coordinates have length scale.
	p.raw, p.scale = false, 2
	z := p.project(docs[0], nil)
	var n float64
	for _, v := range z {
		n += float64(v) * float64(v)
	}
	if math.Abs(math.Sqrt(n)-2) > 1e-5 {
		t.Errorf("|z| = %.5f, want 2", math.Sqrt(n))
	}
}

// ExpRawOptions sets the unexported denseRaw option (tests and the
// experiment only).
func ExpRawOptions(o Options) Options { o.denseRaw = true; return o }
