package workflow

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"yiwang/internal/cases"
)

// returnsPage is how many return events ReturnStats reads at a time.
const returnsPage = 1000

// ReturnStat counts the returns (退单) of one unit for cases one rule had
// sent it: a rule whose unit keeps returning its cases is probably wrong.
type ReturnStat struct {
	Unit     string `json:"unit"`
	UnitName string `json:"unit_name,omitempty"`
	// RuleID is "" for cases a person had dispatched.
	RuleID string `json:"rule_id,omitempty"`
	Count  int    `json:"count"`
}

// ReturnStats counts the returns at or after since per unit and rule,
// most returns first. It reads every return event (returns are rare
// compared with cases; the store has no time index on events).
func (w *Workflow) ReturnStats(ctx context.Context, since time.Time) ([]ReturnStat, error) {
	type key struct{ unit, rule string }
	counts := map[key]int{}
	var after int64
	for {
		evs, err := w.store.EventsByAction(ctx, cases.ActionReturn, after, returnsPage)
		if err != nil {
			return nil, fmt.Errorf("reading returns: %w", err)
		}
		for _, e := range evs {
			if !e.At.Before(since) {
				counts[key{e.Payload.Unit, e.Payload.RuleID}]++
			}
			after = e.Pos
		}
		if len(evs) < returnsPage {
			break
		}
	}
	dir := w.Engine().Directory()
	out := make([]ReturnStat, 0, len(counts))
	for k, n := range counts {
		out = append(out, ReturnStat{Unit: k.unit, UnitName: dir.Name(k.unit), RuleID: k.rule, Count: n})
	}
	slices.SortFunc(out, func(a, b ReturnStat) int {
		return cmp.Or(b.Count-a.Count, cmp.Compare(a.Unit, b.Unit), cmp.Compare(a.RuleID, b.RuleID))
	})
	return out, nil
}
