package classify

import (
	"math"
	"sync"

	"yiwang/internal/nlp/text"
)

// Segmenter splits normalised text into words: it calls fn with the rune
// offsets of each word. It must be safe for concurrent use.
type Segmenter interface {
	Words(norm []rune, fn func(start, end int))
}

// wordSalt sets word features apart from the character grams of the same
// runes.
const wordSalt = 0x5bd1e9955bd1e995

// featurizer extracts the features of normalised text: character grams
// unless noChars — 1- to 3-grams (text.Grams) when minN and maxN are zero,
// else minN- to maxN-grams (text.GramsRange) — and the words of seg when
// set.
type featurizer struct {
	seg        Segmenter
	noChars    bool
	minN, maxN int
}

func (fz featurizer) each(norm []rune, fn func(h uint64, start, end int)) {
	if !fz.noChars || fz.seg == nil {
		if fz.minN == 0 && fz.maxN == 0 {
			text.Grams(norm, fn)
		} else {
			text.GramsRange(norm, fz.minN, fz.maxN, fn)
		}
	}
	if fz.seg != nil {
		if len(norm) > text.MaxGramRunes {
			norm = norm[:text.MaxGramRunes]
		}
		fz.seg.Words(norm, func(start, end int) {
			if start >= 0 && start < end && end <= len(norm) && end-start <= 16 {
				fn(text.Hash(norm[start:end])^wordSalt, start, end)
			}
		})
	}
}

// termCounts returns the weighted counts of the features of a message:
// title features count titleWeight each, body features one.
func termCounts(fz featurizer, title, body string, titleWeight float64) map[uint64]float64 {
	counts := make(map[uint64]float64, 256)
	buf := text.AppendNormalized(nil, title)
	fz.each(buf, func(h uint64, _, _ int) { counts[h] += titleWeight })
	buf = text.AppendNormalized(buf[:0], body)
	fz.each(buf, func(h uint64, _, _ int) { counts[h]++ })
	return counts
}

// vector is a sparse, L2-normalised feature vector.
type vector struct {
	idx []int32
	val []float32
}

// weigh turns raw counts into a TF-IDF vector over the vocabulary:
// (1 + ln tf) · idf, L2-normalised. Unknown grams are dropped.
func weigh(counts map[uint64]float64, vocab map[uint64]int32, idf []float32) vector {
	var v vector
	var norm float64
	for h, tf := range counts {
		f, ok := vocab[h]
		if !ok {
			continue
		}
		x := float32((1 + math.Log(tf)) * float64(idf[f]))
		v.idx = append(v.idx, f)
		v.val = append(v.val, x)
		norm += float64(x) * float64(x)
	}
	if norm > 0 {
		inv := float32(1 / math.Sqrt(norm))
		for i := range v.val {
			v.val[i] *= inv
		}
	}
	return v
}

// vec returns the model's feature vector of a message with gram counts
// counts: its TF-IDF vector, then the dense coordinates (features
// len(hashes) onwards) when the model has a projection.
func (m *Model) vec(counts map[uint64]float64) vector {
	v := weigh(counts, m.vocab, m.IDF)
	if m.proj != nil {
		F := int32(len(m.hashes))
		for j, z := range m.proj.project(counts, nil) {
			v.idx = append(v.idx, F+int32(j))
			v.val = append(v.val, z)
		}
	}
	return v
}

// rows is the number of weight rows: one per gram, one per dense
// coordinate.
func (m *Model) rows() int {
	if m.proj != nil {
		return len(m.hashes) + m.proj.k
	}
	return len(m.hashes)
}

// scratch is the per-call working memory of Predict, pooled.
type scratch struct {
	runes   []rune
	counts  []float32 // by feature, zero outside touched
	first   []int32   // by feature: rune offset of its first occurrence in runes
	length  []int8    // by feature: its length in runes
	touched []int32
	val     []float32
	logits  []float64
	// The dense projection's counts (by its feature), touched features,
	// TF-IDF vector and coordinates.
	pcounts  []float32
	ptouched []int32
	pvec     vector
	z        []float32
}

type scratchPool struct{ p sync.Pool }

func (sp *scratchPool) get(features, classes int) *scratch {
	if s, ok := sp.p.Get().(*scratch); ok && len(s.counts) == features {
		return s
	}
	return &scratch{
		counts: make([]float32, features), first: make([]int32, features), length: make([]int8, features),
		logits: make([]float64, classes),
	}
}

func (sp *scratchPool) put(s *scratch) {
	for _, f := range s.touched {
		s.counts[f] = 0
	}
	s.touched = s.touched[:0]
	s.runes = s.runes[:0]
	s.val = s.val[:0]
	for _, f := range s.ptouched {
		s.pcounts[f] = 0
	}
	s.ptouched = s.ptouched[:0]
	sp.p.Put(s)
}

// vectorize fills s.touched and s.val with the message's TF-IDF vector
// (same weighting as weigh) and remembers where each feature first occurs.
func (m *Model) vectorize(s *scratch, title, body string) {
	s.runes = text.AppendNormalized(s.runes[:0], title)
	titleEnd := len(s.runes)
	s.runes = append(s.runes, ' ')
	s.runes = text.AppendNormalized(s.runes, body)
	p := m.proj
	if p != nil && len(s.pcounts) != len(p.hashes) {
		s.pcounts, s.ptouched = make([]float32, len(p.hashes)), s.ptouched[:0]
	}
	add := func(w float32) func(h uint64, start, end int) {
		return func(h uint64, start, end int) {
			if p != nil {
				if f, ok := p.vocab[h]; ok {
					if s.pcounts[f] == 0 {
						s.ptouched = append(s.ptouched, f)
					}
					s.pcounts[f] += w
				}
			}
			f, ok := m.vocab[h]
			if !ok {
				return
			}
			if s.counts[f] == 0 {
				s.touched = append(s.touched, f)
				s.first[f] = int32(start)
				s.length[f] = int8(end - start)
			}
			s.counts[f] += w
		}
	}
	m.feat.each(s.runes[:titleEnd], add(float32(m.TitleWeight)))
	off := titleEnd + 1
	bodyAdd := add(1)
	m.feat.each(s.runes[off:], func(h uint64, start, end int) { bodyAdd(h, start+off, end+off) })
	var norm float64
	for _, f := range s.touched {
		x := float32((1 + math.Log(float64(s.counts[f]))) * float64(m.IDF[f]))
		s.val = append(s.val, x)
		norm += float64(x) * float64(x)
	}
	if norm > 0 {
		inv := float32(1 / math.Sqrt(norm))
		for i := range s.val {
			s.val[i] *= inv
		}
	}
	if p != nil {
		s.pvec.idx, s.pvec.val, norm = s.pvec.idx[:0], s.pvec.val[:0], 0
		for _, f := range s.ptouched {
			x := float32((1 + math.Log(float64(s.pcounts[f]))) * float64(p.idf[f]))
			s.pvec.idx = append(s.pvec.idx, f)
			s.pvec.val = append(s.pvec.val, x)
			norm += float64(x) * float64(x)
		}
		if norm > 0 {
			inv := float32(1 / math.Sqrt(norm))
			for i := range s.pvec.val {
				s.pvec.val[i] *= inv
			}
		}
		s.z = p.coords(s.pvec, s.z)
	}
}
