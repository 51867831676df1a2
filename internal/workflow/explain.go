package workflow

import (
	"context"

	"yiwang/internal/dispatch"
)

// Explanation says why a case went (or would go) to its unit: the rule
// recorded when it was dispatched, and the decision the rules in force
// make for it now, with the rules that nearly matched.
type Explanation struct {
	CaseID string `json:"case_id"`
	// Unit and RecordedRule are the case's unit and the rule that chose it
	// ("" when a person chose it, or the case waits for a unit).
	Unit         string `json:"unit,omitempty"`
	UnitName     string `json:"unit_name,omitempty"`
	RecordedRule string `json:"recorded_rule,omitempty"`
	// Decision is what the rules in force decide for the case now.
	Decision Decided `json:"decision"`
	// StillChosen reports whether the recorded rule would still be chosen.
	StillChosen bool `json:"still_chosen"`
	// NearMisses are the rules that failed on exactly one criterion,
	// closest first (at most dispatch.MaxNearMisses); NearMissCount counts
	// them all.
	NearMisses    []NearMiss `json:"near_misses"`
	NearMissCount int        `json:"near_miss_count"`
	// RulesVersion is the version of the rules that decided (0: built in).
	RulesVersion int `json:"rules_version"`
	// ZH and EN are the explanation for people, in Chinese and English.
	ZH string `json:"text_zh"`
	EN string `json:"text_en"`
	// Details is the dispatch engine's full explanation.
	Details *dispatch.Explanation `json:"-"`
}

// Decided is a routing decision.
type Decided struct {
	Lead     string   `json:"lead,omitempty"`
	LeadName string   `json:"lead_name,omitempty"`
	Co       []string `json:"co,omitempty"`
	RuleID   string   `json:"rule_id,omitempty"`
	// Manual is set when no rule covers the case.
	Manual bool `json:"manual"`
}

// NearMiss is a rule that failed on one criterion.
type NearMiss struct {
	RuleID string `json:"rule_id"`
	Lead   string `json:"lead"`
	// Failed is the criterion: category, area, severity or window.
	Failed string `json:"failed"`
	// Rule and Case are the rule's and the case's values of it.
	Rule string `json:"rule"`
	Case string `json:"case"`
}

// Explain re-runs the decision for the case as it is now (category,
// place, severity, creation time) against the rules in force.
func (w *Workflow) Explain(ctx context.Context, caseID string) (Explanation, error) {
	c, err := w.store.Get(ctx, caseID)
	if err != nil {
		return Explanation{}, err
	}
	rs := w.rules.Load()
	dec := rs.Engine.DecideExplained(Query(&c))
	x := dec.Explanation
	out := Explanation{
		CaseID: c.ID, Unit: c.Unit, UnitName: rs.Engine.Directory().Name(c.Unit), RecordedRule: c.RuleID,
		Decision:     Decided{Lead: dec.Lead, Co: append([]string(nil), dec.Co...), RuleID: dec.RuleID, Manual: dec.Manual},
		StillChosen:  c.RuleID != "" && c.RuleID == dec.RuleID,
		NearMisses:   []NearMiss{},
		RulesVersion: rs.Version,
		ZH:           dec.Explain(dispatch.LangZH),
		EN:           dec.Explain(dispatch.LangEN),
		Details:      x,
	}
	if x != nil {
		out.Decision.LeadName = x.LeadName
		out.NearMissCount = x.NearMissCount
		for _, n := range x.NearMisses {
			r := n.Reasons[n.Failed]
			out.NearMisses = append(out.NearMisses, NearMiss{RuleID: n.Rule.ID, Lead: n.Rule.Lead, Failed: n.Failed.String(), Rule: r.Rule, Case: r.Case})
		}
	}
	return out, nil
}
