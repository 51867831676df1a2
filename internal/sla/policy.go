package sla

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed default_policies.yaml
var defaultPolicies []byte

// ErrInvalid reports a policy file that does not parse or validate.
var ErrInvalid = errors.New("invalid sla policies")

// DefaultYellowAt is the share of the budget after which a clock turns
// yellow when a policy file does not say otherwise.
const DefaultYellowAt = 0.8

// Severities a policy may match on, least urgent first.
var severities = []string{"normal", "urgent", "critical"}

var channelRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,31}$`)

// Match selects the cases a policy applies to; empty fields match anything.
type Match struct {
	Channel  string // e.g. "enterprise", "hotline"
	Category string // category code prefix: "01", "0103" or "010302"
	Severity string // "normal", "urgent" or "critical"
}

// Case is what a policy matches against.
type Case struct {
	Channel, Category, Severity string
}

// Matches reports whether m selects c.
func (m Match) Matches(c Case) bool {
	return (m.Channel == "" || m.Channel == c.Channel) &&
		(m.Severity == "" || m.Severity == c.Severity) &&
		strings.HasPrefix(c.Category, m.Category)
}

// specificity orders matches lexicographically: severity, then channel,
// then category depth (levels of two digits).
func (m Match) specificity() int {
	s := len(m.Category) / 2
	if m.Channel != "" {
		s += 10
	}
	if m.Severity != "" {
		s += 100
	}
	return s
}

// overlaps reports whether some case can match both m and o.
func (m Match) overlaps(o Match) bool {
	compatible := func(a, b string) bool { return a == "" || b == "" || a == b }
	return compatible(m.Channel, o.Channel) && compatible(m.Severity, o.Severity) &&
		(strings.HasPrefix(m.Category, o.Category) || strings.HasPrefix(o.Category, m.Category))
}

// Policy is one named rule of a policy set.
type Policy struct {
	Name        string
	Description string
	Match       Match
	YellowAt    float64 // share of the budget at which clocks turn yellow
	clocks      [numClocks]Clock
}

// Clock returns the policy's clock of kind k, if it defines one.
func (p *Policy) Clock(k ClockKind) (Clock, bool) {
	if k >= numClocks || p.clocks[k].Mode == 0 {
		return Clock{}, false
	}
	return p.clocks[k], true
}

// Rule is one clock as it applies to a case, with the policy that set it.
type Rule struct {
	Clock
	YellowAt float64
	Policy   string
}

// Terms are the clocks that apply to one case.
type Terms struct {
	rules [numClocks]Rule
}

// Rule returns the rule for clock k, if any policy defines it for the case.
func (t Terms) Rule(k ClockKind) (Rule, bool) {
	if k >= numClocks || t.rules[k].Mode == 0 {
		return Rule{}, false
	}
	return t.rules[k], true
}

// Set is a validated, immutable set of policies, safe for concurrent use.
type Set struct {
	policies []Policy // most specific first
}

// Policies returns the policies, most specific first.
func (s *Set) Policies() []Policy { return slices.Clone(s.policies) }

// Resolve returns the terms for case c: for each clock, the most specific
// matching policy that defines it.
func (s *Set) Resolve(c Case) Terms {
	var t Terms
	for i := range s.policies {
		p := &s.policies[i]
		if !p.Match.Matches(c) {
			continue
		}
		for k, ck := range p.clocks {
			if ck.Mode != 0 && t.rules[k].Mode == 0 {
				t.rules[k] = Rule{Clock: ck, YellowAt: p.YellowAt, Policy: p.Name}
			}
		}
	}
	return t
}

// Default returns the embedded default policies (default_policies.yaml).
func Default() (*Set, error) { return Load(bytes.NewReader(defaultPolicies)) }

// The YAML shape. Field names are the file's keys.
type fileYAML struct {
	YellowAt *float64     `yaml:"yellow_at"`
	Policies []policyYAML `yaml:"policies"`
}

type policyYAML struct {
	Name        string     `yaml:"name"`
	Description string     `yaml:"description"`
	Match       matchYAML  `yaml:"match"`
	YellowAt    *float64   `yaml:"yellow_at"`
	Clocks      clocksYAML `yaml:"clocks"`
}

type matchYAML struct {
	Channel  string `yaml:"channel"`
	Category string `yaml:"category"`
	Severity string `yaml:"severity"`
}

type clocksYAML struct {
	Dispatch string `yaml:"dispatch"`
	SignOff  string `yaml:"sign_off"`
	OnSite   string `yaml:"on_site"`
	Resolve  string `yaml:"resolve"`
	Reply    string `yaml:"reply"`
}

// Load reads and validates a YAML policy file. Unknown fields, invalid
// values and ambiguous precedence are errors wrapping ErrInvalid.
func Load(r io.Reader) (*Set, error) {
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	var f fileYAML
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: more than one YAML document", ErrInvalid)
	}
	yellow := DefaultYellowAt
	if f.YellowAt != nil {
		yellow = *f.YellowAt
		if !validShare(yellow) {
			return nil, fmt.Errorf("%w: yellow_at %v must be in (0, 1]", ErrInvalid, yellow)
		}
	}
	if len(f.Policies) == 0 {
		return nil, fmt.Errorf("%w: no policies", ErrInvalid)
	}
	s := &Set{policies: make([]Policy, 0, len(f.Policies))}
	for i, py := range f.Policies {
		p, err := py.policy(yellow)
		if err != nil {
			return nil, fmt.Errorf("%w: policy %d (%q): %w", ErrInvalid, i+1, py.Name, err)
		}
		for _, q := range s.policies {
			if q.Name == p.Name {
				return nil, fmt.Errorf("%w: policy name %q used twice", ErrInvalid, p.Name)
			}
			if q.Match.specificity() == p.Match.specificity() && q.Match.overlaps(p.Match) {
				return nil, fmt.Errorf("%w: policies %q and %q have equal specificity and can match the same case", ErrInvalid, q.Name, p.Name)
			}
		}
		s.policies = append(s.policies, p)
	}
	slices.SortStableFunc(s.policies, func(a, b Policy) int {
		return b.Match.specificity() - a.Match.specificity()
	})
	return s, nil
}

func (py policyYAML) policy(yellow float64) (Policy, error) {
	p := Policy{
		Name:        strings.TrimSpace(py.Name),
		Description: py.Description,
		Match:       Match(py.Match),
		YellowAt:    yellow,
	}
	if p.Name == "" {
		return p, errors.New("name is required")
	}
	if m := p.Match; m.Channel != "" && !channelRE.MatchString(m.Channel) {
		return p, fmt.Errorf("match.channel %q must be a lowercase identifier", m.Channel)
	}
	if c := p.Match.Category; c != "" && !validCategory(c) {
		return p, fmt.Errorf("match.category %q must be a code of 2, 4 or 6 digits", c)
	}
	if sv := p.Match.Severity; sv != "" && !slices.Contains(severities, sv) {
		return p, fmt.Errorf("match.severity %q must be one of %v", sv, severities)
	}
	if py.YellowAt != nil {
		if !validShare(*py.YellowAt) {
			return p, fmt.Errorf("yellow_at %v must be in (0, 1]", *py.YellowAt)
		}
		p.YellowAt = *py.YellowAt
	}
	texts := [numClocks]string{py.Clocks.Dispatch, py.Clocks.SignOff, py.Clocks.OnSite, py.Clocks.Resolve, py.Clocks.Reply}
	var defined bool
	for k, txt := range texts {
		if txt == "" {
			continue
		}
		c, err := ParseClock(txt)
		if err != nil {
			return p, fmt.Errorf("clocks.%s: %w", ClockKind(k), err)
		}
		p.clocks[k], defined = c, true
	}
	if !defined {
		return p, errors.New("defines no clocks")
	}
	return p, nil
}

func validShare(v float64) bool { return v > 0 && v <= 1 }

func validCategory(c string) bool {
	if len(c) != 2 && len(c) != 4 && len(c) != 6 {
		return false
	}
	for _, r := range c {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
