package dispatch

import (
	"errors"
	"fmt"
	"strconv"
)

// Rule is one line of the responsibility list: cases of Category in Area,
// of Severity when set, at a time inside Window when set, are led by Lead
// with the assisting units Co.
type Rule struct {
	ID       string   `yaml:"id"`
	Category string   `yaml:"category"`           // "*", "01", "0103" or "010302"
	Area     string   `yaml:"area"`               // city, district, street, community or grid code
	Severity Severity `yaml:"severity,omitempty"` // "" = any
	Window   string   `yaml:"window,omitempty"`   // "" = any time, else see ParseWindow
	Lead     string   `yaml:"lead"`               // 主办 unit code
	Co       []string `yaml:"co,omitempty"`       // 协办 unit codes
	Note     string   `yaml:"note,omitempty"`
	Source   Source   `yaml:"-"`
}

// Criterion names one of the four things a rule tests.
type Criterion int

// Criteria, in precedence order.
const (
	CriterionCategory Criterion = iota
	CriterionArea
	CriterionSeverity
	CriterionWindow
)

var criterionNames = [...]string{"category", "area", "severity", "window"}
var criterionZH = [...]string{"类别", "区域", "紧急程度", "时段"}

func (c Criterion) String() string {
	if c < 0 || int(c) >= len(criterionNames) {
		return "Criterion(" + strconv.Itoa(int(c)) + ")"
	}
	return criterionNames[c]
}

// Specificity orders matching rules; see the package comment.
type Specificity struct {
	Category int       // 0 ("*") to 3
	Area     AreaLevel // AreaCity to AreaGrid
	Severity bool      // the rule names a severity
	Window   bool      // the rule has a time window
}

// Compare returns -1, 0 or +1 as s is less, equally or more specific
// than o, comparing category, area, severity, window in that order.
func (s Specificity) Compare(o Specificity) int {
	c, _ := s.decisive(o)
	return c
}

// Decisive returns the criterion on which s and o first differ, and false
// when they are equal.
func (s Specificity) Decisive(o Specificity) (Criterion, bool) {
	c, crit := s.decisive(o)
	return crit, c != 0
}

func (s Specificity) decisive(o Specificity) (int, Criterion) {
	switch {
	case s.Category != o.Category:
		return sign(s.Category - o.Category), CriterionCategory
	case s.Area != o.Area:
		return sign(int(s.Area - o.Area)), CriterionArea
	case s.Severity != o.Severity:
		return boolSign(s.Severity), CriterionSeverity
	case s.Window != o.Window:
		return boolSign(s.Window), CriterionWindow
	}
	return 0, 0
}

func sign(x int) int {
	switch {
	case x < 0:
		return -1
	case x > 0:
		return 1
	}
	return 0
}

func boolSign(b bool) int {
	if b {
		return 1
	}
	return -1
}

// String renders the tuple, e.g. "(2,street,severity,-)".
func (s Specificity) String() string {
	sev, win := "-", "-"
	if s.Severity {
		sev = "severity"
	}
	if s.Window {
		win = "window"
	}
	return fmt.Sprintf("(%d,%s,%s,%s)", s.Category, s.Area, sev, win)
}

// parsedRule is a rule whose fields are known to be well formed.
type parsedRule struct {
	Rule
	spec    Specificity
	areaKey string
	win     Window
}

// parseRule checks one rule's own fields (not the units' existence) and
// reports every malformed field.
func parseRule(r Rule) (parsedRule, []error) {
	p := parsedRule{Rule: r}
	var errs []error
	add := func(field string, err error) {
		errs = append(errs, &FieldError{Source: r.Source, Subject: "rule " + quote(r.ID), Field: field, Err: err})
	}
	if err := checkIdent(r.ID); err != nil {
		add("id", err)
	}
	var err error
	if p.spec.Category, err = CategoryDepth(r.Category); err != nil {
		add("category", err)
	}
	if p.spec.Area, err = AreaLevelOf(r.Area); err != nil {
		add("area", err)
	} else {
		p.areaKey = areaKey(r.Area, p.spec.Area)
	}
	if _, err = ParseSeverity(string(r.Severity)); err != nil {
		add("severity", err)
	}
	p.spec.Severity = r.Severity != SeverityAny
	if r.Window != "" {
		p.spec.Window = true
		if p.win, err = ParseWindow(r.Window); err != nil {
			add("window", err)
		}
	}
	if err := checkIdent(r.Lead); err != nil {
		add("lead", err)
	}
	for _, c := range r.Co {
		if err := checkIdent(c); err != nil {
			add("co", err)
		}
	}
	return p, errs
}

// CheckRule reports the malformed fields of one rule, joined, without
// looking at units or other rules. Loaders call it on every record.
func CheckRule(r Rule) error {
	_, errs := parseRule(r)
	return joinErrs(errs)
}

func joinErrs(errs []error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return errors.Join(errs...)
}
