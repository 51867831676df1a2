package dispatch

import (
	"errors"
	"fmt"
	"slices"
)

// validateRules parses every rule and checks the list against the
// directory: unique ids, known lead and co units, the lead's jurisdiction
// over the area, and no two rules of equal specificity that can match the
// same case. All problems are reported, joined.
func validateRules(dir *Directory, rules []Rule) ([]parsedRule, error) {
	var errs []error
	out := make([]parsedRule, 0, len(rules))
	ids := make(map[string]Source, len(rules))
	for _, r := range rules {
		p, e := parseRule(r)
		if len(e) > 0 {
			errs = append(errs, e...)
			continue
		}
		subject := "rule " + quote(r.ID)
		if prev, dup := ids[r.ID]; dup {
			errs = append(errs, &FieldError{Source: r.Source, Subject: subject, Field: "id",
				Err: fmt.Errorf("%w: id also used at %s", ErrDuplicate, orRule(prev))})
			continue
		}
		ids[r.ID] = r.Source
		if e := checkRuleUnits(dir, r); len(e) > 0 {
			errs = append(errs, e...)
			continue
		}
		p.Co = slices.Clip(slices.Clone(r.Co))
		if len(p.Co) == 0 {
			p.Co = nil
		}
		out = append(out, p)
	}
	errs = append(errs, conflicts(out)...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

func orRule(s Source) string {
	if s == (Source{}) {
		return "another rule"
	}
	return s.String()
}

func checkRuleUnits(dir *Directory, r Rule) []error {
	var errs []error
	add := func(field string, err error) {
		errs = append(errs, &FieldError{Source: r.Source, Subject: "rule " + quote(r.ID), Field: field, Err: err})
	}
	lead, err := dir.Unit(r.Lead)
	switch {
	case err != nil:
		add("lead", err)
	case !lead.Covers(r.Area):
		add("lead", fmt.Errorf("%w: unit %q (areas %v) does not cover area %s", ErrJurisdiction, r.Lead, lead.Areas, r.Area))
	}
	for i, c := range r.Co {
		switch {
		case !dir.Has(c):
			add("co", fmt.Errorf("%w %q", ErrUnknownUnit, c))
		case c == r.Lead:
			add("co", fmt.Errorf("%w: %q is also the lead", ErrDuplicate, c))
		case slices.Contains(r.Co[:i], c):
			add("co", fmt.Errorf("%w: %q listed twice", ErrDuplicate, c))
		}
	}
	return errs
}

// conflicts finds pairs of rules with equal specificity that can match the
// same case: same category, same area, the same severity (or both any)
// and, when both have windows, overlapping windows.
func conflicts(rules []parsedRule) []error {
	type key struct {
		cat, area string
		sev       Severity
		hasWin    bool
	}
	groups := map[key][]int{}
	var order []key
	for i, r := range rules {
		k := key{r.Category, r.areaKey, r.Severity, r.spec.Window}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], i)
	}
	var errs []error
	for _, k := range order {
		g := groups[k]
		for i := 0; i < len(g); i++ {
			for j := i + 1; j < len(g); j++ {
				a, b := rules[g[i]], rules[g[j]]
				if !k.hasWin || a.win.Overlaps(b.win) {
					errs = append(errs, &ConflictError{A: a.Rule, B: b.Rule})
				}
			}
		}
	}
	return errs
}
