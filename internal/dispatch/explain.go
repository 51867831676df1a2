package dispatch

import (
	"slices"
	"strings"
	"time"
)

// Explanation says why a decision was made.
type Explanation struct {
	Query    Query  // the query, its chain copied
	Area     string // the chain code the rules were matched against
	Winner   *Match // nil when the decision is Manual
	LeadName string
	CoNames  []string
	// Outranked are the other rules that matched, most specific first,
	// each with the criterion on which the winner beat it.
	Outranked []Outranked
	// NearMisses are the rules that failed on exactly one criterion,
	// closest first: failures on severity or window (category and area
	// matched), then on area, then on category (longest shared category
	// prefix first); then most specific first, then by id. At most
	// MaxNearMisses are kept; NearMissCount counts them all.
	NearMisses    []NearMiss
	NearMissCount int
}

// MaxNearMisses caps Explanation.NearMisses.
const MaxNearMisses = 50

// Match is a rule with how it compares with the case, criterion by
// criterion (indexed by Criterion).
type Match struct {
	Rule        Rule
	Specificity Specificity
	Reasons     [4]Reason
}

// Outranked is a rule that matched but lost on specificity.
type Outranked struct {
	Match
	LostOn Criterion // the first criterion on which the winner is more specific
}

// NearMiss is a rule that failed on exactly one criterion.
type NearMiss struct {
	Match
	Failed Criterion
}

// Reason compares one criterion of a rule with the case.
type Reason struct {
	Criterion Criterion
	OK        bool
	Rule      string // the rule's value; "" for any severity or any time
	Case      string // the case's value (for the window, its time in CST)
}

var cst = time.FixedZone("CST", chinaOffset)

// DecideExplained is Decide with an Explanation. It allocates and may
// look at many rules (near misses on category or area): use it for the
// case record and for people, not for bulk routing.
func (e *Engine) DecideExplained(q Query) Decision {
	area := deepestArea(q.Chain)
	wd, minute := chinaClock(q.At)
	at := q.At.In(cst).Format("2006-01-02 15:04 Mon")
	q.Chain = slices.Clone(q.Chain)
	x := &Explanation{Query: q, Area: area}
	var matched []int32
	near := make([]uint64, 0, 64)
	nodes := e.categoryNodes(q.Category)
	for _, n := range nodes {
		for l := AreaGrid; l >= AreaCity; l-- {
			if len(area) < areaKeyLens[l] {
				continue
			}
			for _, ri := range n.byArea[area[:areaKeyLens[l]]] {
				r := &e.rules[ri]
				sevOK, winOK := r.severityOK(q.Severity), r.windowOK(wd, minute)
				switch {
				case sevOK && winOK:
					matched = append(matched, ri)
				case !sevOK && winOK:
					near = append(near, e.nearCand(ri, CriterionSeverity, q.Category))
				case sevOK && !winOK:
					near = append(near, e.nearCand(ri, CriterionWindow, q.Category))
				}
			}
		}
	}
	// Rules on a covering category whose area does not cover the case.
	for _, n := range nodes {
		for _, ri := range n.all {
			r := &e.rules[ri]
			if !strings.HasPrefix(area, r.areaKey) && r.severityOK(q.Severity) && r.windowOK(wd, minute) {
				near = append(near, e.nearCand(ri, CriterionArea, q.Category))
			}
		}
	}
	// Rules on a covering area whose category does not cover the case.
	for l := AreaGrid; l >= AreaCity; l-- {
		if len(area) < areaKeyLens[l] {
			continue
		}
		for _, ri := range e.byArea[area[:areaKeyLens[l]]] {
			r := &e.rules[ri]
			if !CoversCategory(r.Category, q.Category) && r.severityOK(q.Severity) && r.windowOK(wd, minute) {
				near = append(near, e.nearCand(ri, CriterionCategory, q.Category))
			}
		}
	}
	slices.Sort(near)
	x.NearMissCount = len(near)
	for _, c := range near[:min(len(near), MaxNearMisses)] {
		ri, failed := e.byIDRank[uint32(c>>4)], Criterion(c&0xf)
		x.NearMisses = append(x.NearMisses, NearMiss{e.match(&e.rules[ri], q, area, at), failed})
	}
	if len(matched) == 0 {
		return Decision{Manual: true, Explanation: x}
	}
	w := e.match(&e.rules[matched[0]], q, area, at)
	x.Winner = &w
	x.LeadName = e.dir.Name(w.Rule.Lead)
	for _, c := range w.Rule.Co {
		x.CoNames = append(x.CoNames, e.dir.Name(c))
	}
	for _, ri := range matched[1:] {
		m := e.match(&e.rules[ri], q, area, at)
		lost, _ := w.Specificity.Decisive(m.Specificity)
		x.Outranked = append(x.Outranked, Outranked{m, lost})
	}
	r := &e.rules[matched[0]]
	return Decision{Lead: r.Lead, Co: r.Co, RuleID: r.ID, Explanation: x}
}

// categoryNodes returns the index nodes of the categories covering cat,
// deepest first.
func (e *Engine) categoryNodes(cat string) []*catNode {
	var out []*catNode
	for d := min(len(cat)/2, 3); d >= 0; d-- {
		key := "*"
		if d > 0 {
			key = cat[:2*d]
		}
		if n := e.byCat[key]; n != nil {
			out = append(out, n)
		}
	}
	return out
}

func (e *Engine) match(r *parsedRule, q Query, area, at string) Match {
	wd, minute := chinaClock(q.At)
	rule := r.Rule
	rule.Co = slices.Clone(r.Co)
	return Match{
		Rule:        rule,
		Specificity: r.spec,
		Reasons: [4]Reason{
			{CriterionCategory, CoversCategory(r.Category, q.Category), r.Category, q.Category},
			{CriterionArea, CoversArea(r.Area, area), r.Area, area},
			{CriterionSeverity, r.severityOK(q.Severity), string(r.Severity), string(q.Severity)},
			{CriterionWindow, r.windowOK(wd, minute), r.Window, at},
		},
	}
}

// nearCand packs a near miss into a sortable key: closeness (smaller
// first), then the rule's rank by id, then the failed criterion. Closeness
// puts failures on severity or window first, then on area, then on
// category (longest shared category prefix first); then the most specific.
func (e *Engine) nearCand(ri int32, failed Criterion, cat string) uint64 {
	r := &e.rules[ri]
	var rank, unshared uint64
	switch failed {
	case CriterionCategory:
		rank, unshared = 2, uint64(8-min(sharedPrefix(r.Category, cat), 8))
	case CriterionArea:
		rank = 1
	}
	spec := uint64(r.spec.Category)<<5 | uint64(r.spec.Area)<<2 | uint64(b2u(r.spec.Severity))<<1 | uint64(b2u(r.spec.Window))
	closeness := rank<<16 | unshared<<8 | (255 - spec)
	return closeness<<36 | uint64(e.idRank[ri])<<4 | uint64(failed)
}

func b2u(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

func sharedPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}
