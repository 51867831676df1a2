package classify

import (
	"errors"
	"math"
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
	feat   featurizer  // character grams (the zero value) and/or words
	proj   *projection // dense features, when trained with Options.Dense
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
	m.addDense(s.z, logits)
	probs := softmax(logits, m.Temperature)
	order := make([]int, C)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return probs[order[a]] > probs[order[b]] })
	out := make([]Prediction, k)
	terms := m.terms(s, order[:k])
	for i, c := range order[:k] {
		out[i] = Prediction{Label: m.Labels[c], Confidence: probs[c], Terms: terms[i]}
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

// addDense adds the dense coordinates' contribution to the logits (none
// without a projection).
func (m *Model) addDense(z []float32, dst []float64) {
	if m.proj == nil {
		return
	}
	C := len(m.Labels)
	F := len(m.hashes)
	for j, x := range z {
		row := m.W[(F+j)*C : (F+j)*C+C]
		for c, w := range row {
			dst[c] += float64(x) * float64(w)
		}
	}
}

// contrib is one feature's contribution to a class.
type contrib struct {
	f int32
	w float64
}

// terms lists, for each class of classes, the features with the largest
// positive contribution to it relative to the mean of the classes, in one
// pass over the message's features.
func (m *Model) terms(s *scratch, classes []int) [][]Term {
	C := len(m.Labels)
	top := make([][]contrib, len(classes))
	for i, f := range s.touched {
		row := m.W[int(f)*C : int(f)*C+C]
		var mean float64
		for _, w := range row {
			mean += float64(w)
		}
		mean /= float64(C)
		x := float64(s.val[i])
		for k, c := range classes {
			w := x * (float64(row[c]) - mean)
			t := top[k]
			if w <= 0 || len(t) == maxTerms && w <= t[maxTerms-1].w {
				continue
			}
			if len(t) < maxTerms {
				t = append(t, contrib{})
			}
			j := len(t) - 1
			for ; j > 0 && t[j-1].w < w; j-- {
				t[j] = t[j-1]
			}
			t[j] = contrib{f, w}
			top[k] = t
		}
	}
	out := make([][]Term, len(classes))
	for k, t := range top {
		out[k] = make([]Term, len(t))
		for i, c := range t {
			start := int(s.first[c.f])
			out[k][i] = Term{Text: text.Term(s.runes, start, start+int(s.length[c.f])), Weight: math.Round(c.w*1000) / 1000}
		}
	}
	return out
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
