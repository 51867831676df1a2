package platform

import (
	"context"
	"strings"
	"time"

	"yiwang/internal/demo"
	"yiwang/internal/dispatch"
	"yiwang/internal/nlp/classify"
	"yiwang/internal/nlp/text"
	"yiwang/internal/nlp/unit"
	"yiwang/internal/workflow"
)

// maxClosedForUnits bounds how many closed cases the unit router learns
// from at start.
const maxClosedForUnits = 20000

// unitRouter adapts unit.Router to workflow.UnitRouter.
type unitRouter struct{ r *unit.Router }

// RouteUnits routes a message; its terms are spans of the message
// (unitTerms).
func (u unitRouter) RouteUnits(title, body string) []workflow.UnitSuggestion {
	routes := u.r.Route(title, body, 3)
	out := make([]workflow.UnitSuggestion, len(routes))
	norm := workflow.MessageText(title, body)
	shown := text.Term(norm, 0, len(norm))
	for i, r := range routes {
		out[i] = workflow.UnitSuggestion{Type: r.Type, Confidence: r.Confidence, Terms: unitTerms(norm, shown, r.Terms)}
	}
	return out
}

// unitTerms shows the router's terms (strongest first, without their
// weights) as the category suggestions show theirs: the grams found in
// the message become at most workflow.MaxShownTerms spans of its
// normalised text norm (text.Spans, each gram weighted by its rank), and
// the cues the text does not hold ("A7县"; shown is norm as text.Term
// renders it) follow as they are.
func unitTerms(norm []rune, shown string, terms []string) []string {
	var grams []text.Weighted
	var cues []string
	for i, t := range terms {
		if strings.Contains(shown, t) {
			grams = append(grams, text.Weighted{Text: t, Weight: float64(len(terms) - i)})
		} else {
			cues = append(cues, t)
		}
	}
	var out []string
	for _, s := range text.Spans(norm, grams, workflow.MaxShownTerms) {
		out = append(out, s.Text)
	}
	return append(out, cues...)
}

// kindTypes maps the directory's unit kinds to unit types (unit.KindTypes,
// nlp/unit/kinds.csv); kinds without a type are left out.
func kindTypes() (map[dispatch.Kind]string, error) {
	kt, err := unit.KindTypes()
	if err != nil {
		return nil, err
	}
	out := map[dispatch.Kind]string{}
	for k, t := range kt {
		if t != "" {
			out[dispatch.Kind(k)] = t
		}
	}
	return out, nil
}

// closedUnitExamples labels the node's closed cases (not the demo's seeded
// ones) by the type of the unit that handled them; cases whose unit kind
// has no type are left out.
func closedUnitExamples(ctx context.Context, wf *workflow.Workflow, types map[dispatch.Kind]string) ([]classify.Example, error) {
	cs, err := wf.ClosedUnitCases(ctx, maxClosedForUnits, demo.TagDemo)
	if err != nil {
		return nil, err
	}
	var out []classify.Example
	for _, c := range cs {
		if t := types[c.Kind]; t != "" {
			out = append(out, classify.Example{Title: c.Title, Body: c.Description, Label: t})
		}
	}
	return out, nil
}

// trainUnitRouter trains the unit router in the background at start (like
// the category classifier: the node serves meanwhile, /suggest answering
// unit_router_ready false) from the embedded replies and the node's closed
// cases, and puts it in force (workflow.SetUnitRouter). A node whose
// category trainer is replaced (o.Trainer, as tests do) trains none: that
// costs no CPU where nobody asks for units.
func (n *Node) trainUnitRouter(o Options) {
	if o.Trainer != nil {
		return
	}
	start := time.Now()
	types, err := kindTypes()
	if err != nil {
		n.log.Error("unit router not trained", "err", err)
		return
	}
	closed, err := closedUnitExamples(context.Background(), n.Workflow, types)
	if err != nil {
		n.log.Warn("unit router learns without the closed cases", "err", err)
	}
	r, learnt, err := unit.TrainDefault(1, closed)
	if err != nil {
		n.log.Error("unit router not trained; suggestions name no units", "err", err)
		return
	}
	n.Workflow.SetUnitRouter(unitRouter{r}, types)
	n.log.Info("unit router ready", "took", time.Since(start).Round(time.Millisecond), "closed_cases", len(closed),
		"types", len(learnt), "cue_weight", r.CueWeight())
}
