package nlp

import (
	"fmt"

	"yiwang/internal/demo"
	"yiwang/internal/nlp/classify"
)

// TrainCategory trains the first-level category classifier on the 299
// real labelled messages embedded with the demo data (see
// internal/demo/data/NOTICE); it takes well under a second. Labels are
// first-level category names of the default taxonomy (category.ByName(1, …)
// gives their codes). Nothing is downloaded.
func TrainCategory(seed uint64) (*classify.Model, error) {
	msgs, err := demo.Messages()
	if err != nil {
		return nil, fmt.Errorf("loading embedded messages: %w", err)
	}
	var ex []classify.Example
	for _, m := range msgs {
		if m.Set == demo.SetLabeled {
			ex = append(ex, classify.Example{Title: m.Title, Body: m.Body, Label: m.Level1})
		}
	}
	return classify.Train(ex, classify.Options{Seed: seed})
}
