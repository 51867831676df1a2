package classify

import (
	"errors"
	"math"
	"slices"
	"sort"

	"yiwang/internal/nlp/text"
)

// ErrBadModel is wrapped by every error about an invalid model file.
var ErrBadModel = errors.New("bad classifier model")

// Classifier predicts the top-k labels of a message. *Model implements it;
// the dispatch workflow depends on this interface only.
type Classifier interface {
	Predict(title, body string, k int) []Prediction
}

// Prediction is one candidate label of a message.
type Prediction struct {
	Label string `json:"label"`
	// Confidence is the calibrated probability of Label (temperature-scaled
	// softmax); the confidences of all labels sum to 1.
	Confidence float64 `json:"confidence"`
	// Terms are the grams that pushed this label up the most, strongest
	// first (at most five), with their contribution to its logit. Phone and
	// identity numbers appear only as class marks ("<电话>").
	Terms []Term `json:"terms,omitempty"`
}

// Term is one gram's contribution to a prediction.
type Term struct {
	Text   string  `json:"text"`
	Weight float64 `json:"weight"`
}

// Model is a trained classifier. It is immutable after training and safe
// for concurrent use.
type Model struct {
	Labels      []string // class names, sorted
	TitleWeight float64  // a title gram counts this many body grams
	IDF         []float32
	// W holds the weights feature-major: W[f*len(Labels)+c].
	W []float32
	B []float32 // bias per class
	// Temperature divides the logits before the softmax (calibration).
	Temperature float64

	hashes []uint64         // feature → gram hash (kept for the model file)
	vocab  map[uint64]int32 // gram hash → feature
	pool   scratchPool
}

// maxTerms is how many driving terms a prediction lists.
const maxTerms = 5

// Predict returns the k most probable labels (k ≤ 0 or k > classes means
// all), most probable first. Empty or featureless text yields the class
// priors learnt in the biases. It never fails.
func (m *Model) Predict(title, body string, k int) []Prediction {
	C := len(m.Labels)
	if k <= 0 || k > C {
		k = C
	}
	s := m.pool.get(len(m.IDF), C)
	defer m.pool.put(s)
	m.vectorize(s, title, body)
	logits := m.logits(s.touched, s.val, s.logits)
	probs := softmax(logits, m.Temperature)
	order := make([]int, C)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return probs[order[a]] > probs[order[b]] })
	out := make([]Prediction, k)
	for i, c := range order[:k] {
		out[i] = Prediction{Label: m.Labels[c], Confidence: probs[c], Terms: m.terms(s, c)}
	}
	return out
}

// logits computes b + W·x into dst.
func (m *Model) logits(idx []int32, val []float32, dst []float64) []float64 {
	C := len(m.Labels)
	dst = dst[:C]
	for c := range dst {
		dst[c] = float64(m.B[c])
	}
	for i, f := range idx {
		row := m.W[int(f)*C : int(f)*C+C]
		x := float64(val[i])
		for c, w := range row {
			dst[c] += x * float64(w)
		}
	}
	return dst
}

// terms lists the features with the largest positive contribution to class
// c relative to the mean of the classes.
func (m *Model) terms(s *scratch, c int) []Term {
	C := len(m.Labels)
	type contrib struct {
		f int32
		w float64
	}
	var top []contrib
	for i, f := range s.touched {
		row := m.W[int(f)*C : int(f)*C+C]
		var mean float64
		for _, w := range row {
			mean += float64(w)
		}
		mean /= float64(C)
		w := float64(s.val[i]) * (float64(row[c]) - mean)
		if w <= 0 {
			continue
		}
		if len(top) < maxTerms {
			top = append(top, contrib{f, w})
			slices.SortFunc(top, func(a, b contrib) int { return cmpDesc(a.w, b.w) })
		} else if w > top[len(top)-1].w {
			top[len(top)-1] = contrib{f, w}
			slices.SortFunc(top, func(a, b contrib) int { return cmpDesc(a.w, b.w) })
		}
	}
	out := make([]Term, len(top))
	for i, t := range top {
		start := int(s.first[t.f])
		out[i] = Term{Text: text.Term(s.runes, start, start+int(s.length[t.f])), Weight: math.Round(t.w*1000) / 1000}
	}
	return out
}

func cmpDesc(a, b float64) int {
	switch {
	case a > b:
		return -1
	case a < b:
		return 1
	}
	return 0
}

// softmax returns exp(z/T) normalised.
func softmax(z []float64, temperature float64) []float64 {
	if temperature <= 0 {
		temperature = 1
	}
	out := make([]float64, len(z))
	hi := math.Inf(-1)
	for _, v := range z {
		hi = max(hi, v/temperature)
	}
	var sum float64
	for i, v := range z {
		out[i] = math.Exp(v/temperature - hi)
		sum += out[i]
	}
	for i := range out {
		out[i] /= sum
	}
	return out
}

// index builds the lookup from gram hash to feature.
func (m *Model) index() {
	m.vocab = make(map[uint64]int32, len(m.hashes))
	for f, h := range m.hashes {
		m.vocab[h] = int32(f)
	}
}

// Features returns the number of features (grams) the model knows.
func (m *Model) Features() int { return len(m.hashes) }
