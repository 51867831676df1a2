package unit

import (
	"slices"

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
	cov := Coverage{Replies: len(replies), ByType: map[string]int{}}
	var all []classify.Example
	for _, r := range replies {
		u, err := Extract(r.Reply)
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
