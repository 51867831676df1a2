package nlp

import (
	"fmt"

	"yiwang/internal/demo"
	"yiwang/internal/nlp/classify"
	"yiwang/internal/nlp/unit"
)

// WeakWeight is the weight of a weakly labelled example (a replied message
// labelled by its answering unit) in TrainCategory: chosen by 5-fold
// cross-validation on three fold seeds (0.05–0.15 all gain 1.6–3.9 macro-F1
// points over labelled data alone; 1.0 loses 5).
const WeakWeight = 0.1

// TrainCategory trains the first-level category classifier on the 299
// real labelled messages embedded with the demo data (see
// internal/demo/data/NOTICE), plus, as weak examples of weight WeakWeight,
// the embedded replied messages whose answering unit implies a category
// (unit.WeakCategories); it takes about a second. Labels are
// first-level category names of the default taxonomy (category.ByName(1, …)
// gives their codes). Nothing is downloaded.
func TrainCategory(seed uint64) (*classify.Model, error) {
	return TrainCategoryWith(seed, nil)
}

// TrainCategoryWith is TrainCategory with extra labelled examples joining
// the embedded ones: the platform's own closed cases, labelled by their
// final first-level category name (workflow.ClosedCases, Level1Examples).
func TrainCategoryWith(seed uint64, extra []classify.Example) (*classify.Model, error) {
	msgs, err := demo.Messages()
	if err != nil {
		return nil, fmt.Errorf("loading embedded messages: %w", err)
	}
	ex, weak := CategoryData(msgs)
	return classify.Train(append(ex, extra...), classify.Options{Seed: seed, Weak: weak, WeakWeight: WeakWeight})
}

// CategoryData splits demo messages into the labelled examples and the weak
// examples (replied messages labelled by their answering unit's category,
// restricted to the labelled examples' categories).
func CategoryData(msgs []demo.Message) (labeled, weak []classify.Example) {
	keep := map[string]bool{}
	var replies []unit.Reply
	for _, m := range msgs {
		switch m.Set {
		case demo.SetLabeled:
			labeled = append(labeled, classify.Example{Title: m.Title, Body: m.Body, Label: m.Level1})
			keep[m.Level1] = true
		case demo.SetReplies:
			replies = append(replies, unit.Reply{Title: m.Title, Body: m.Body, Reply: m.Reply})
		}
	}
	return labeled, unit.WeakCategories(replies, keep)
}
