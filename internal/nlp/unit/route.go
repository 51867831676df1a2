package unit

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"yiwang/internal/nlp/classify"
)

// A cue is a routing hint read in the message itself: the level of the
// place it names (a village, a community, a town, a district) or the kind
// of thing it names (a school, a hospital, a road, a company). The
// classifier sees each cue as one extra word (a Latin token, so it never
// mixes with the character grams of the text) besides the text's own
// grams: "any named village" then weighs as one feature however the
// village is called.
type cue struct {
	token string // the feature word, lower case Latin
	label string // what people read ("村组")
	re    *regexp.Regexp
}

// cues are fixed by design, not fitted: each is a place level or a kind of
// named place that tells a territorial government from a department.
var cues = []cue{
	{"cuevillage", "村组", regexp.MustCompile(`\p{Han}{2}(?:村|组)(?:委|民)?`)},
	{"cuecommunity", "社区小区", regexp.MustCompile(`社区|小区|居委会|业委会`)},
	{"cuetown", "街道乡镇", regexp.MustCompile(`\p{Han}{2}(?:街道|镇|乡)`)},
	{"cuedistrict", "区县", regexp.MustCompile(`[A-Z]\d{1,2}[区县]|\p{Han}{2}县`)},
	{"cueschool", "学校", regexp.MustCompile(`\p{Han}{2}(?:小学|中学|幼儿园|学校|大学|学院)`)},
	{"cuehospital", "医院", regexp.MustCompile(`\p{Han}{2}(?:医院|卫生院|诊所)`)},
	{"cueroad", "道路", regexp.MustCompile(`\p{Han}{2}(?:路|大道|大街|公路|高速)`)},
	{"cuecompany", "企业", regexp.MustCompile(`\p{Han}{2}(?:公司|集团|厂)`)},
	{"cueestate", "楼盘", regexp.MustCompile(`楼盘|开发商|业主|物业`)},
}

// areaCode is an anonymised area code in a message ("A7县", "B市").
var areaCode = regexp.MustCompile(`([A-Z])(\d{0,2})([市区县])`)

// Cues returns the tokens of the cues the message shows, in table order,
// each once, then one token per area code it names ("A7县" → "cueareaahx")
// and per city letter ("cuecitya"): the text's own grams lose the digits
// of a code (numbers become one class mark), and the area tells which
// portal and which governments answer there.
func Cues(title, body string) []string {
	var out []string
	for _, c := range cues {
		if c.re.MatchString(title) || c.re.MatchString(body) {
			out = append(out, c.token)
		}
	}
	for _, m := range areaCode.FindAllStringSubmatch(title+"\n"+body, -1) {
		letter := strings.ToLower(m[1])
		code := "cuearea" + letter + strings.Map(func(r rune) rune { return 'a' + r - '0' }, m[2]) + map[string]string{"市": "s", "区": "q", "县": "x"}[m[3]]
		for _, t := range []string{code, "cuecity" + letter} {
			if !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	return out
}

// CueLabel returns what people read for a cue token ("村组"), or "" when
// the token is not a cue.
func CueLabel(token string) string {
	for _, c := range cues {
		if c.token == token {
			return c.label
		}
	}
	if rest, ok := strings.CutPrefix(token, "cuecity"); ok && len(rest) == 1 {
		return strings.ToUpper(rest) + "市"
	}
	if rest, ok := strings.CutPrefix(token, "cuearea"); ok && len(rest) >= 2 {
		kind := map[byte]string{'s': "市", 'q': "区", 'x': "县"}[rest[len(rest)-1]]
		digits := rest[1 : len(rest)-1]
		if kind != "" && rest[0] >= 'a' && rest[0] <= 'z' && len(digits) <= 2 && strings.Trim(digits, "abcdefghij") == "" {
			return strings.ToUpper(rest[:1]) + strings.Map(func(r rune) rune { return '0' + r - 'a' }, digits) + kind
		}
	}
	return ""
}

// withCues returns the body with the message's cue tokens appended weight
// times each (weight 0: the body unchanged).
func withCues(title, body string, weight int) string {
	if weight <= 0 {
		return body
	}
	cs := Cues(title, body)
	if len(cs) == 0 {
		return body
	}
	var b strings.Builder
	b.WriteString(body)
	for range weight {
		for _, c := range cs {
			b.WriteString(" ")
			b.WriteString(c)
		}
	}
	return b.String()
}

func cued(ex []classify.Example, weight int) []classify.Example {
	out := make([]classify.Example, len(ex))
	for i, e := range ex {
		out[i] = classify.Example{Title: e.Title, Body: withCues(e.Title, e.Body, weight), Label: e.Label}
	}
	return out
}

// RouterOptions tune TrainRouter.
type RouterOptions struct {
	// Classify are the classifier's options (Prior examples are used as
	// they are, without cues).
	Classify classify.Options
	// CueWeights are the candidate weights of the cue words (0 = no cues);
	// with more than one, the weight is chosen by InnerFolds-fold
	// cross-validation (accuracy) inside the training data. Empty means
	// {0}: no cues.
	CueWeights []int
	InnerFolds int // default 3
}

// Router predicts the types of the units likely to handle a message.
type Router struct {
	model     *classify.Model
	cueWeight int
}

// Route is a predicted unit type.
type Route struct {
	Type       string  `json:"type"`
	Confidence float64 `json:"confidence"`
	// Terms are the features that drove the prediction: text grams as
	// written, cues by their label ("村组").
	Terms []string `json:"terms,omitempty"`
}

// CueWeight is the cue weight the router was trained with.
func (r *Router) CueWeight() int { return r.cueWeight }

// Types lists the unit types the router can predict.
func (r *Router) Types() []string { return slices.Clone(r.model.Labels) }

// Route returns the k most probable unit types of a message (k ≤ 0: all).
func (r *Router) Route(title, body string, k int) []Route {
	preds := r.model.Predict(title, withCues(title, body, r.cueWeight), k)
	out := make([]Route, len(preds))
	for i, p := range preds {
		out[i] = Route{Type: p.Label, Confidence: p.Confidence}
		for _, t := range p.Terms {
			if t.Weight <= 0 {
				continue
			}
			if l := CueLabel(t.Text); l != "" {
				out[i].Terms = append(out[i].Terms, l)
			} else if !slices.Contains(out[i].Terms, t.Text) {
				out[i].Terms = append(out[i].Terms, t.Text)
			}
		}
	}
	return out
}

// TrainRouter trains a router on messages labelled by unit type, choosing
// the cue weight among o.CueWeights by cross-validation inside ex.
func TrainRouter(ex []classify.Example, o RouterOptions) (*Router, error) {
	w, err := chooseCueWeight(ex, o)
	if err != nil {
		return nil, err
	}
	m, err := classify.Train(cued(ex, w), o.Classify)
	if err != nil {
		return nil, fmt.Errorf("training the unit router: %w", err)
	}
	return &Router{model: m, cueWeight: w}, nil
}

func chooseCueWeight(ex []classify.Example, o RouterOptions) (int, error) {
	if len(o.CueWeights) == 0 {
		return 0, nil
	}
	if len(o.CueWeights) == 1 {
		return o.CueWeights[0], nil
	}
	k := o.InnerFolds
	if k < 2 {
		k = 3
	}
	inner := o.Classify
	inner.CalibrationFolds = 1 // the ranking, hence accuracy, does not depend on the temperature
	folds := classify.Folds(ex, k, o.Classify.Seed+1)
	best, bestAcc := o.CueWeights[0], -1.0
	for _, w := range o.CueWeights {
		r, _, err := classify.CrossValidate(cued(ex, w), folds, inner)
		if err != nil {
			return 0, fmt.Errorf("choosing the cue weight: %w", err)
		}
		if r.Accuracy > bestAcc {
			best, bestAcc = w, r.Accuracy
		}
	}
	return best, nil
}

// CrossValidateRouter trains a router (TrainRouter, its cue weight chosen
// inside each training part) on all folds but one and predicts that one,
// for each fold, and scores all held-out predictions together. It returns
// the cue weight chosen in each fold too.
func CrossValidateRouter(ex []classify.Example, folds []int, o RouterOptions) (classify.Report, []int, error) {
	if len(folds) != len(ex) {
		return classify.Report{}, nil, fmt.Errorf("%d fold numbers for %d examples: %w", len(folds), len(ex), classify.ErrNoData)
	}
	k := slices.Max(folds) + 1
	preds := make([][]classify.Prediction, len(ex))
	truth := make([]string, len(ex))
	var weights []int
	for f := range k {
		var train []classify.Example
		var test []int
		for i, g := range folds {
			if g == f {
				test = append(test, i)
			} else {
				train = append(train, ex[i])
			}
		}
		if len(test) == 0 {
			continue
		}
		r, err := TrainRouter(train, o)
		if err != nil {
			return classify.Report{}, nil, err
		}
		weights = append(weights, r.cueWeight)
		for _, i := range test {
			preds[i] = r.model.Predict(ex[i].Title, withCues(ex[i].Title, ex[i].Body, r.cueWeight), 0)
		}
	}
	for i, e := range ex {
		truth[i] = e.Label
	}
	return classify.Score(truth, preds), weights, nil
}

// MinPerType is how many examples a unit type needs to be learnt by
// TrainDefault: rarer types can neither be learnt nor evaluated by folds
// (yiwang nlp units --min).
const MinPerType = 20

// DefaultCueWeights are the cue weights TrainDefault chooses among.
var DefaultCueWeights = []int{0, 2}

// TrainDefault trains the product's router on the embedded replied
// messages labelled by their answering unit's type (DemoReplies, Extract)
// plus extra examples — the platform's closed cases labelled by the type
// of the unit that handled them. Types with fewer than MinPerType examples
// in all are left out; each kept type's name keywords are a prior example;
// the cue weight is chosen among DefaultCueWeights inside the data. It
// returns how many examples of each type it learnt from.
func TrainDefault(seed uint64, extra []classify.Example) (*Router, map[string]int, error) {
	replies, err := DemoReplies()
	if err != nil {
		return nil, nil, err
	}
	all, _ := Examples(replies, 1)
	all = append(all, extra...)
	count := map[string]int{}
	for _, e := range all {
		count[e.Label]++
	}
	var ex []classify.Example
	keep := map[string]bool{}
	for _, e := range all {
		if e.Label != "" && count[e.Label] >= MinPerType {
			ex = append(ex, e)
			keep[e.Label] = true
		}
	}
	learnt := map[string]int{}
	for t := range keep {
		learnt[t] = count[t]
	}
	r, err := TrainRouter(ex, RouterOptions{Classify: classify.Options{Seed: seed, Prior: PriorExamples(keep)}, CueWeights: DefaultCueWeights})
	if err != nil {
		return nil, nil, err
	}
	return r, learnt, nil
}
