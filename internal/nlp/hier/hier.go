package hier

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"yiwang/internal/nlp/classify"
)

// ErrNoData is wrapped when the examples cannot train a model.
var ErrNoData = errors.New("not enough examples for the hierarchical classifier")

// Example is one message with its label path, level 1 first (at least one
// label). A message labelled only at level 1 trains only the level-1 model.
type Example struct {
	Title, Body string
	Path        []string
}

// The documented defaults of Options, fixed a priori (not tuned on data:
// there is no real labelled data below level 1 to tune them on).
const (
	// DefaultMinExamples: a class gets a child model only with at least
	// this many examples labelled below it (over the kept children).
	DefaultMinExamples = 30
	// DefaultMinChildren: … spread over at least this many children …
	DefaultMinChildren = 2
	// DefaultMinPerChild: … each kept child with at least this many
	// examples; children with fewer are left out of the child model (a
	// message of such a child stops at the parent unless the child model
	// is confident of a sibling).
	DefaultMinPerChild = 5
	// DefaultThreshold is the calibrated confidence a child model needs to
	// descend one level: the same bar as the workflow's automatic
	// application of a suggestion (workflow.DefaultThreshold).
	DefaultThreshold = 0.8
	// MaxDepth is the taxonomy's depth.
	MaxDepth = 3
)

// Options tune Build. The zero value means the defaults above.
type Options struct {
	MinExamples int
	MinChildren int
	MinPerChild int
	Threshold   float64
	// Child are the training options of every child model (classify's
	// defaults when zero).
	Child classify.Options
	// Prior, when set, gives prior examples (classify.Options.Prior) of
	// the child model of the class at path over children (e.g. their
	// names in the taxonomy); those labelled outside children are dropped.
	Prior func(path, children []string) []classify.Example
}

func (o Options) withDefaults() Options {
	if o.MinExamples <= 0 {
		o.MinExamples = DefaultMinExamples
	}
	if o.MinChildren <= 0 {
		o.MinChildren = DefaultMinChildren
	}
	if o.MinPerChild <= 0 {
		o.MinPerChild = DefaultMinPerChild
	}
	if o.Threshold <= 0 || o.Threshold > 1 {
		o.Threshold = DefaultThreshold
	}
	return o
}

// Model is a level-1 classifier with child models below some of its
// classes. It is immutable once built and safe for concurrent use.
type Model struct {
	Root *classify.Model
	// Children maps a class path (Key) to the model over its children.
	Children map[string]*classify.Model
	// Threshold is the child confidence needed to descend.
	Threshold float64
}

// Key is the Children key of a path.
func Key(path []string) string { return strings.Join(path, "\x1f") }

// Node describes one class with examples labelled below it, as Build saw
// it: whether it got a child model and, if not, why.
type Node struct {
	Path []string `json:"path"`
	// Examples labelled below the class; Kept of them in children with at
	// least MinPerChild examples.
	Examples int `json:"examples"`
	Kept     int `json:"kept"`
	// Children with examples, and those kept in the child model.
	Children     int      `json:"children"`
	KeptChildren []string `json:"kept_children,omitempty"`
	Trained      bool     `json:"trained"`
	// Reason a class has no child model.
	Reason string `json:"reason,omitempty"`
}

// Build returns the hierarchical model over root (the level-1 model,
// trained by the caller on the level-1 labels) with a child model for
// every class of examples labelled deeper that passes the Options'
// minimums, and the description of every class considered. Examples whose
// level-1 label root does not know are ignored.
func Build(root *classify.Model, examples []Example, o Options) (*Model, []Node, error) {
	if root == nil {
		return nil, nil, fmt.Errorf("no level-1 model: %w", ErrNoData)
	}
	o = o.withDefaults()
	m := &Model{Root: root, Children: map[string]*classify.Model{}, Threshold: o.Threshold}
	known := map[string]bool{}
	for _, l := range root.Labels {
		known[l] = true
	}
	var nodes []Node
	for depth := 1; depth < MaxDepth; depth++ {
		groups := map[string][]int{} // parent key → examples labelled below it
		var keys []string
		for i, e := range examples {
			if len(e.Path) <= depth || !known[e.Path[0]] || slices.Contains(e.Path[:depth+1], "") {
				continue
			}
			k := Key(e.Path[:depth])
			if _, ok := groups[k]; !ok {
				keys = append(keys, k)
			}
			groups[k] = append(groups[k], i)
		}
		slices.Sort(keys)
		for _, k := range keys {
			n, child, err := buildNode(examples, groups[k], depth, o)
			if err != nil {
				return nil, nil, err
			}
			if child != nil {
				m.Children[k] = child
			}
			nodes = append(nodes, n)
		}
	}
	return m, nodes, nil
}

// buildNode trains the child model of one class (the examples idx share
// their first depth labels), or says why not.
func buildNode(examples []Example, idx []int, depth int, o Options) (Node, *classify.Model, error) {
	n := Node{Path: slices.Clone(examples[idx[0]].Path[:depth]), Examples: len(idx)}
	count := map[string]int{}
	for _, i := range idx {
		count[examples[i].Path[depth]]++
	}
	n.Children = len(count)
	for c, k := range count {
		if k >= o.MinPerChild {
			n.KeptChildren = append(n.KeptChildren, c)
			n.Kept += k
		}
	}
	slices.Sort(n.KeptChildren)
	switch {
	case len(n.KeptChildren) < o.MinChildren:
		n.Reason = fmt.Sprintf("%d children with at least %d examples, need %d", len(n.KeptChildren), o.MinPerChild, o.MinChildren)
		return n, nil, nil
	case n.Kept < o.MinExamples:
		n.Reason = fmt.Sprintf("%d examples in children with at least %d, need %d", n.Kept, o.MinPerChild, o.MinExamples)
		return n, nil, nil
	}
	var ex []classify.Example
	for _, i := range idx {
		e := examples[i]
		if slices.Contains(n.KeptChildren, e.Path[depth]) {
			ex = append(ex, classify.Example{Title: e.Title, Body: e.Body, Label: e.Path[depth]})
		}
	}
	co := o.Child
	if o.Prior != nil {
		co.Prior = nil
		for _, e := range o.Prior(n.Path, n.KeptChildren) {
			if slices.Contains(n.KeptChildren, e.Label) {
				co.Prior = append(co.Prior, e)
			}
		}
	}
	child, err := classify.Train(ex, co)
	if errors.Is(err, classify.ErrNoData) {
		n.Reason = err.Error()
		return n, nil, nil
	}
	if err != nil {
		return n, nil, fmt.Errorf("training the child model of %q: %w", strings.Join(n.Path, " / "), err)
	}
	n.Trained = true
	return n, child, nil
}

// Prediction is one candidate path of a message.
type Prediction struct {
	// Path is the labels from level 1 down to the deepest confident level.
	Path []string `json:"path"`
	// Confidence is the product of Levels: the calibrated probability of
	// the level-1 class times each descent's calibrated probability.
	Confidence float64 `json:"confidence"`
	// Levels holds each level's calibrated confidence (given its parent).
	Levels []float64 `json:"levels"`
	// Terms drove the deepest level's choice (the level-1 model's terms
	// when that model gives none).
	Terms []classify.Term `json:"terms,omitempty"`
}

// Predict returns the k most probable level-1 classes (k ≤ 0: all), most
// probable first, each carried down while the child model's top label has
// confidence ≥ m.Threshold — and, when floor > 0, while the descent does
// not take a path confidence that reached floor below it (so a caller that
// applies suggestions from floor never loses a confident level-1 answer to
// a less certain deeper one). It never fails.
func (m *Model) Predict(title, body string, k int, floor float64) []Prediction {
	top := m.Root.Predict(title, body, k)
	out := make([]Prediction, len(top))
	for i, p := range top {
		out[i] = m.descend(title, body, p, floor)
	}
	return out
}

func (m *Model) descend(title, body string, p classify.Prediction, floor float64) Prediction {
	out := Prediction{Path: []string{p.Label}, Confidence: p.Confidence, Levels: []float64{p.Confidence}, Terms: p.Terms}
	for len(out.Path) < MaxDepth {
		child := m.Children[Key(out.Path)]
		if child == nil {
			break
		}
		c := child.Predict(title, body, 1)
		if len(c) == 0 || c[0].Confidence < m.Threshold {
			break
		}
		next := out.Confidence * c[0].Confidence
		if floor > 0 && out.Confidence >= floor && next < floor {
			break
		}
		out.Path = append(out.Path, c[0].Label)
		out.Levels = append(out.Levels, c[0].Confidence)
		out.Confidence = next
		if len(c[0].Terms) > 0 {
			out.Terms = c[0].Terms
		}
	}
	return out
}

// Depth is the number of levels below level 1 that have a child model
// somewhere (0: the model answers level 1 only).
func (m *Model) Depth() int {
	d := 0
	for k := range m.Children {
		d = max(d, strings.Count(k, "\x1f")+1)
	}
	return d
}
