package workflow

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"yiwang/internal/cases"
	"yiwang/internal/category"
	"yiwang/internal/nlp/classify"
	"yiwang/internal/store"
)

// redispatch runs the responsibility list again on a case a person has
// just recategorised while it waits in the dispatch queue (received or
// returned): when a rule covers the new category, an automatic dispatch
// follows (actor SystemActor, expected version c.Version, idempotency key
// "dispatch/<id>/<seq>"), as on create. When no rule covers it, or a
// returned case would go straight back to the unit that returned it, the
// case stays in the queue for the dispatcher and nothing is appended. A
// failed dispatch does not fail the recategorise: it is logged and the
// case is returned as recategorised.
func (w *Workflow) redispatch(ctx context.Context, c cases.Case) cases.Case {
	if c.State != cases.StateReceived && c.State != cases.StateReturned {
		return c
	}
	at := w.now()
	if at.Before(c.UpdatedAt) {
		at = c.UpdatedAt
	}
	cmd := w.dispatchCommand(&c, at)
	if cmd.Action != cases.ActionDispatch {
		return c
	}
	if c.State == cases.StateReturned {
		last, err := w.lastReturner(ctx, c.ID)
		if err != nil {
			w.log.ErrorContext(ctx, "no dispatch after recategorise; the case waits in the manual queue", "case", c.ID, "err", err)
			return c
		}
		if last == cmd.Payload.Unit {
			return c
		}
	}
	req := store.TransitionRequest{ID: c.ID, At: at, ExpectVersion: c.Version, Command: cmd,
		IdempotencyKey: fmt.Sprintf("dispatch/%s/%d", c.ID, c.Version+1)}
	d, _, err := w.store.Transition(ctx, req)
	if errors.Is(err, store.ErrVersionConflict) {
		// Someone acted on the case meanwhile: theirs stands.
		if cur, err := w.store.Get(ctx, c.ID); err == nil {
			return cur
		}
		return c
	}
	if err != nil {
		w.log.ErrorContext(ctx, "dispatch after recategorise failed; the case waits in the manual queue", "case", c.ID, "err", err)
		return c
	}
	return d
}

// lastReturner is the unit that returned case id last ("" if none).
func (w *Workflow) lastReturner(ctx context.Context, id string) (string, error) {
	hist, err := w.store.History(ctx, id)
	if err != nil {
		return "", fmt.Errorf("reading history of case %s: %w", id, err)
	}
	for i := len(hist) - 1; i >= 0; i-- {
		if hist[i].Action == cases.ActionReturn {
			return hist[i].Payload.Unit, nil
		}
	}
	return "", nil
}

// LabeledCase is a closed case as a training example: its text and its
// final category (after every recategorise).
type LabeledCase struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Category    string `json:"category"`
}

// closedPage is how many closed cases ClosedCases reads at a time.
const closedPage = 1000

// ClosedCases returns up to limit closed cases (结案) with their final
// category, newest first: the platform's own history as labelled data for
// the classifier. The category is the case's current one, so a
// dispatcher's recategorise, not the category filed at intake, is the
// label. Cases carrying any of skipTags are left out (the demo's seeded
// cases, whose categories are either the training set's own labels or a
// keyword guess), and so are the cases whose category the classifier
// applied without a person recategorising them afterwards (the model's
// own answer is no label).
func (w *Workflow) ClosedCases(ctx context.Context, limit int, skipTags ...string) ([]LabeledCase, error) {
	var out []LabeledCase
	if limit <= 0 {
		return nil, nil
	}
	auto, err := w.autoLabelled(ctx)
	if err != nil {
		return nil, fmt.Errorf("finding automatically categorised cases: %w", err)
	}
	err = w.eachClosed(ctx, skipTags, func(c cases.Case) bool {
		if !auto[c.ID] {
			out = append(out, LabeledCase{ID: c.ID, Title: c.Title, Description: c.Description, Category: c.Category})
		}
		return len(out) < limit
	})
	return out, err
}

// eachClosed calls fn with the closed cases, newest first, a page of
// closedPage at a time, leaving out those carrying any of skipTags, until
// fn returns false or none is left.
func (w *Workflow) eachClosed(ctx context.Context, skipTags []string, fn func(cases.Case) bool) error {
	f := store.Filter{States: []cases.State{cases.StateClosed}, Limit: closedPage}
	for {
		page, err := w.store.List(ctx, f)
		if err != nil {
			return fmt.Errorf("listing closed cases: %w", err)
		}
		for _, c := range page.Cases {
			if slices.ContainsFunc(c.Tags, func(t string) bool { return slices.Contains(skipTags, t) }) {
				continue
			}
			if !fn(c) {
				return nil
			}
		}
		if page.Next == "" || len(page.Cases) == 0 {
			return nil
		}
		f.Cursor = page.Next
	}
}

// Level1Examples turns labelled cases into classifier examples labelled by
// the name of their first-level category (what nlp.TrainCategory's labels
// are); cases whose category the taxonomy does not know are left out.
func Level1Examples(cs []LabeledCase, tax *category.Taxonomy) []classify.Example {
	out := make([]classify.Example, 0, len(cs))
	for _, c := range cs {
		cat, err := tax.Get(c.Category)
		for err == nil && cat.Level > 1 {
			cat, err = tax.Get(cat.Parent)
		}
		if err != nil {
			continue
		}
		out = append(out, classify.Example{Title: c.Title, Body: c.Description, Label: cat.Name})
	}
	return out
}
