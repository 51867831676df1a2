package unit

import (
	"fmt"

	"yiwang/internal/demo"
	"yiwang/internal/nlp/classify"
)

// DemoReplies returns the embedded replied messages (demo.SetReplies, the
// real messages_with_replies.csv) with their official replies.
func DemoReplies() ([]Reply, error) {
	msgs, err := demo.Messages()
	if err != nil {
		return nil, fmt.Errorf("loading embedded messages: %w", err)
	}
	var out []Reply
	for _, m := range msgs {
		if m.Set == demo.SetReplies {
			out = append(out, Reply{Title: m.Title, Body: m.Body, Reply: m.Reply})
		}
	}
	return out, nil
}

// Figures are the headline figures of a held-out evaluation.
type Figures struct {
	Accuracy float64 `json:"accuracy"`
	Top3     float64 `json:"top3"`
	MacroF1  float64 `json:"macro_f1"`
	ECE      float64 `json:"ece"`
}

func figures(r classify.Report) Figures {
	return Figures{Accuracy: r.Accuracy, Top3: r.Top3, MacroF1: r.MacroF1, ECE: r.ECE}
}

// SeedResult compares, on one fold seed's folds, the text-only classifier
// (the router before cues: classify.CrossValidate with the same options)
// with the router (CrossValidateRouter).
type SeedResult struct {
	Seed       uint64          `json:"seed"`
	Baseline   Figures         `json:"baseline"`
	Router     Figures         `json:"router"`
	CueWeights []int           `json:"cue_weights"` // chosen in each fold
	Report     classify.Report `json:"-"`           // the router's full report
}

// Comparison is SeedResults over several fold seeds and their means.
type Comparison struct {
	Seeds    []SeedResult `json:"seeds"`
	Baseline Figures      `json:"baseline_mean"`
	Router   Figures      `json:"router_mean"`
}

// Compare evaluates the text-only classifier and the router by k-fold
// cross-validation on the same folds for each seed (o.Classify.Seed is set
// to the fold seed), and averages over the seeds.
func Compare(ex []classify.Example, k int, seeds []uint64, o RouterOptions) (Comparison, error) {
	var c Comparison
	for _, seed := range seeds {
		folds := classify.Folds(ex, k, seed)
		so := o
		so.Classify.Seed = seed
		base, _, err := classify.CrossValidate(ex, folds, so.Classify)
		if err != nil {
			return c, err
		}
		r, weights, err := CrossValidateRouter(ex, folds, so)
		if err != nil {
			return c, err
		}
		c.Seeds = append(c.Seeds, SeedResult{Seed: seed, Baseline: figures(base), Router: figures(r), CueWeights: weights, Report: r})
	}
	n := float64(len(c.Seeds))
	for _, s := range c.Seeds {
		c.Baseline = add(c.Baseline, s.Baseline, 1/n)
		c.Router = add(c.Router, s.Router, 1/n)
	}
	return c, nil
}

func add(a, b Figures, w float64) Figures {
	return Figures{a.Accuracy + w*b.Accuracy, a.Top3 + w*b.Top3, a.MacroF1 + w*b.MacroF1, a.ECE + w*b.ECE}
}
