package workflow

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"yiwang/internal/cases"
	"yiwang/internal/category"
	"yiwang/internal/nlp/hier"
)

// CategoryPath is the label path of a category code for the hierarchical
// classifier (nlp/hier): the first-level category's name (the label of the
// level-1 model, as in the labelled CSV), then the codes of the deeper
// levels down to code ("0102" → ["城乡建设", "0102"]). False when the
// taxonomy does not know code.
func CategoryPath(tax *category.Taxonomy, code string) ([]string, bool) {
	cat, err := tax.Get(code)
	if err != nil {
		return nil, false
	}
	path := make([]string, cat.Level)
	for {
		if cat.Level == 1 {
			path[0] = cat.Name
			return path, true
		}
		path[cat.Level-1] = cat.Code
		if cat, err = tax.Get(cat.Parent); err != nil || cat.Level < 1 || cat.Level > len(path) {
			return nil, false
		}
	}
}

// PathExamples turns labelled cases into hierarchical examples labelled by
// the path of their final category (CategoryPath), as deep as the category
// is; cases whose category the taxonomy does not know are left out.
func PathExamples(cs []LabeledCase, tax *category.Taxonomy) []hier.Example {
	out := make([]hier.Example, 0, len(cs))
	for _, c := range cs {
		if p, ok := CategoryPath(tax, c.Category); ok {
			out = append(out, hier.Example{Title: c.Title, Body: c.Description, Path: p})
		}
	}
	return out
}

// HierSuggester adapts a hierarchical classifier whose labels follow
// CategoryPath to a CoarseSuggester: each of the three most probable
// first-level categories, carried down to the deepest level its child
// models are confident of (hier.Model.Predict). Its confidence is the
// product along the path (the probability of that category); the three
// are ordered by it, most probable first, as every Suggester's.
type HierSuggester struct {
	Model    *hier.Model
	Taxonomy *category.Taxonomy
	// Floor is passed to hier.Model.Predict: a descent never takes a
	// suggestion that reached Floor below it. Set it to the workflow's
	// threshold, so that a level-1 suggestion confident enough to be
	// applied is not replaced by a deeper one that is not.
	Floor float64
}

// Suggest returns the top three paths the taxonomy knows, as the code of
// their deepest level, with spans of the message as terms (shownTerms).
func (h HierSuggester) Suggest(title, body string) []Suggestion {
	preds := h.Model.Predict(title, body, 3, h.Floor)
	out := make([]Suggestion, 0, len(preds))
	norm := MessageText(title, body)
	for _, p := range preds {
		code, ok := h.code(p.Path)
		if !ok {
			continue
		}
		out = append(out, Suggestion{Category: code, Confidence: p.Confidence, Terms: shownTerms(norm, p.Terms)})
	}
	slices.SortStableFunc(out, func(a, b Suggestion) int { return cmp.Compare(b.Confidence, a.Confidence) })
	return out
}

// code is the category code of a CategoryPath; a path whose deeper codes
// do not descend from its first-level name is unknown.
func (h HierSuggester) code(path []string) (string, bool) {
	l1, ok := h.Taxonomy.ByName(1, path[0])
	if !ok {
		return "", false
	}
	code := l1.Code
	for _, c := range path[1:] {
		cat, err := h.Taxonomy.Get(c)
		if err != nil || cat.Parent != code {
			return "", false
		}
		code = c
	}
	return code, true
}

// Coarse reports whether code is a first-level category: a person's
// coarse choice that a confident suggestion may replace or refine. A
// deeper category filed by a person is kept.
func (h HierSuggester) Coarse(code string) bool {
	c, err := h.Taxonomy.Get(code)
	return err == nil && c.Level == 1
}

// autoLabelled returns the cases whose category the classifier applied
// (an applied suggestion note by SystemActor) and no person recategorised
// afterwards: their category is the model's own answer, not a label.
func (w *Workflow) autoLabelled(ctx context.Context) (map[string]bool, error) {
	applied := map[string]int{} // case → seq of the applied suggestion note
	if err := w.eachEvent(ctx, cases.ActionNote, func(e cases.Event) {
		if r, ok := parseSuggestion(e.Note); ok && r.Applied && e.Actor == SystemActor {
			applied[e.CaseID] = e.Seq
		}
	}); err != nil {
		return nil, err
	}
	if len(applied) == 0 {
		return nil, nil
	}
	if err := w.eachEvent(ctx, cases.ActionRecategorise, func(e cases.Event) {
		if seq, ok := applied[e.CaseID]; ok && e.Actor != SystemActor && e.Seq > seq {
			delete(applied, e.CaseID)
		}
	}); err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(applied))
	for id := range applied {
		out[id] = true
	}
	return out, nil
}

// eachEvent calls fn on every event of one action, in log order.
func (w *Workflow) eachEvent(ctx context.Context, action cases.Action, fn func(cases.Event)) error {
	var after int64
	for {
		evs, err := w.store.EventsByAction(ctx, action, after, correctionsPage)
		if err != nil {
			return fmt.Errorf("reading %s events after %d: %w", action, after, err)
		}
		for _, e := range evs {
			after = e.Pos
			fn(e)
		}
		if len(evs) < correctionsPage {
			return nil
		}
	}
}
