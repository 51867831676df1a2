package dispatch

import (
	"slices"
	"strings"
	"time"
)

// Query is what Decide needs to know about a case.
type Query struct {
	Category string    // category code, e.g. "010202"
	Chain    []string  // area codes: district, street, community, grid (the longest is used)
	Severity Severity  // "normal", "urgent" or "critical"; anything else matches only rules without severity
	At       time.Time // the case's creation time
}

// Decision is the outcome of Decide.
type Decision struct {
	Lead   string   // 主办 unit code; "" when Manual
	Co     []string // 协办 unit codes; shared with the engine, do not modify
	RuleID string   // the winning rule; "" when Manual
	// Manual is set when no rule covers the case: it goes to the
	// dispatchers' manual queue.
	Manual bool
	// Explanation is set by DecideExplained only.
	Explanation *Explanation
}

// Engine decides cases against a validated rule list. It is immutable and
// safe for concurrent use; build a new one to change rules.
type Engine struct {
	dir   *Directory
	rules []parsedRule
	// byCat indexes rules by category code, then by area key; each bucket
	// is sorted most specific first (severity, then window).
	byCat map[string]*catNode
	// byArea lists the rules of each area key (for explanations).
	byArea map[string][]int32
	// idRank is each rule's rank in id order; byIDRank inverts it.
	idRank   []uint32
	byIDRank []int32
}

type catNode struct {
	byArea map[string][]int32
	all    []int32
}

// NewEngine validates rules against the directory (see the package
// comment) and builds the engine. All problems are reported, joined; each
// wraps one of the package's sentinel errors.
func NewEngine(dir *Directory, rules []Rule) (*Engine, error) {
	parsed, err := validateRules(dir, rules)
	if err != nil {
		return nil, err
	}
	e := &Engine{dir: dir, rules: parsed, byCat: map[string]*catNode{}, byArea: map[string][]int32{}}
	for i, r := range parsed {
		n := e.byCat[r.Category]
		if n == nil {
			n = &catNode{byArea: map[string][]int32{}}
			e.byCat[r.Category] = n
		}
		n.byArea[r.areaKey] = append(n.byArea[r.areaKey], int32(i))
		n.all = append(n.all, int32(i))
		e.byArea[r.areaKey] = append(e.byArea[r.areaKey], int32(i))
	}
	e.byIDRank = make([]int32, len(parsed))
	for i := range e.byIDRank {
		e.byIDRank[i] = int32(i)
	}
	slices.SortFunc(e.byIDRank, func(a, b int32) int { return strings.Compare(parsed[a].ID, parsed[b].ID) })
	e.idRank = make([]uint32, len(parsed))
	for rank, ri := range e.byIDRank {
		e.idRank[ri] = uint32(rank)
	}
	for _, n := range e.byCat {
		for k, b := range n.byArea {
			slices.SortStableFunc(b, func(x, y int32) int {
				return parsed[y].spec.Compare(parsed[x].spec)
			})
			n.byArea[k] = slices.Clip(b)
		}
	}
	return e, nil
}

// Directory returns the engine's units.
func (e *Engine) Directory() *Directory { return e.dir }

// Rules returns a copy of the engine's rules in their given order.
func (e *Engine) Rules() []Rule {
	out := make([]Rule, len(e.rules))
	for i, r := range e.rules {
		out[i] = r.Rule
		out[i].Co = slices.Clone(r.Co)
	}
	return out
}

// Decide returns the lead and co units for q, or Manual when no rule
// covers it. It does not allocate.
func (e *Engine) Decide(q Query) Decision {
	i := e.winner(q.Category, deepestArea(q.Chain), q.Severity, q.At)
	if i < 0 {
		return Decision{Manual: true}
	}
	r := &e.rules[i]
	return Decision{Lead: r.Lead, Co: r.Co, RuleID: r.ID}
}

// winner walks categories deepest first, then areas deepest first; the
// first rule that matches in a bucket is the most specific match.
func (e *Engine) winner(cat, area string, sev Severity, at time.Time) int {
	wd, minute := chinaClock(at)
	for d := min(len(cat)/2, 3); d >= 0; d-- {
		key := "*"
		if d > 0 {
			key = cat[:2*d]
		}
		n := e.byCat[key]
		if n == nil {
			continue
		}
		for l := AreaGrid; l >= AreaCity; l-- {
			kl := areaKeyLens[l]
			if len(area) < kl {
				continue
			}
			for _, ri := range n.byArea[area[:kl]] {
				r := &e.rules[ri]
				if r.severityOK(sev) && r.windowOK(wd, minute) {
					return int(ri)
				}
			}
		}
	}
	return -1
}

func (r *parsedRule) severityOK(s Severity) bool {
	return r.Severity == SeverityAny || r.Severity == s
}

func (r *parsedRule) windowOK(wd, minute int) bool {
	return !r.spec.Window || r.win.contains(wd, minute)
}
