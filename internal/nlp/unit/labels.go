package unit

import (
	"slices"
	"strings"

	"yiwang/internal/nlp/classify"
)

// Reply is a message with its official reply.
type Reply struct {
	Title, Body, Reply string
}

// Coverage says how many replies yielded a unit, by type.
type Coverage struct {
	Replies int            `json:"replies"`
	Found   int            `json:"found"`
	ByType  map[string]int `json:"by_type"`
	// Kept is how many examples Examples returned (types with at least
	// minPerType examples).
	Kept  int      `json:"kept"`
	Types []string `json:"types"`
}

// Examples labels each message with the type of the unit that answered it,
// for training a unit-type classifier. Replies without a unit are dropped,
// and so are types with fewer than minPerType examples (too rare to learn
// or to evaluate by folds).
func Examples(replies []Reply, minPerType int) ([]classify.Example, Coverage) {
	return examplesWith(replies, minPerType, Extract)
}

// examplesWith is Examples with another extractor (the experiment test
// compares the previous one).
func examplesWith(replies []Reply, minPerType int, extract func(string) (Unit, error)) ([]classify.Example, Coverage) {
	cov := Coverage{Replies: len(replies), ByType: map[string]int{}}
	var all []classify.Example
	for _, r := range replies {
		u, err := extract(r.Reply)
		if err != nil {
			continue
		}
		cov.Found++
		cov.ByType[u.Type]++
		all = append(all, classify.Example{Title: r.Title, Body: r.Body, Label: u.Type})
	}
	var out []classify.Example
	for _, e := range all {
		if cov.ByType[e.Label] >= minPerType {
			out = append(out, e)
			if !slices.Contains(cov.Types, e.Label) {
				cov.Types = append(cov.Types, e.Label)
			}
		}
	}
	slices.Sort(cov.Types)
	cov.Kept = len(out)
	return out, cov
}

// PriorExamples returns one prior example per unit type in keep (all when
// keep is nil) whose text is the type's name keywords ("教育 学校 中学 …"):
// what each type covers, for classify.Options.Prior.
func PriorExamples(keep map[string]bool) []classify.Example {
	var out []classify.Example
	for _, t := range types {
		if keep != nil && !keep[t.typ] {
			continue
		}
		out = append(out, classify.Example{Body: strings.Join(t.keys, " "), Label: t.typ})
	}
	return out
}

// Local is the merged type of territorial governments (MergeLocal).
const Local = "属地政府"

// MergeLocal relabels the examples of the territorial types 街道乡镇 and
// 区县政府 as Local: both answer for any matter in their territory, so the
// text tells a department type apart from a territorial government, and the
// place tells which government. The coverage's types follow.
func MergeLocal(ex []classify.Example, cov Coverage) ([]classify.Example, Coverage) {
	out := make([]classify.Example, len(ex))
	cov.Types = nil
	for i, e := range ex {
		if e.Label == "街道乡镇" || e.Label == "区县政府" {
			e.Label = Local
		}
		out[i] = e
		if !slices.Contains(cov.Types, e.Label) {
			cov.Types = append(cov.Types, e.Label)
		}
	}
	slices.Sort(cov.Types)
	return out, cov
}
