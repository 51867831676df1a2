package workflow

import (
	"errors"
	"strconv"
	"strings"

	"yiwang/internal/dispatch"
)

// ErrInvalidRules is wrapped by every *RulesError.
var ErrInvalidRules = errors.New("invalid responsibility list")

// RuleProblem is one problem of a rules file.
type RuleProblem struct {
	// Rules are the ids of the rules concerned: one, two for a conflict,
	// none for a problem of the file itself.
	Rules []string `json:"rules,omitempty"`
	// Field is the rule's field at fault ("lead", "window", "header" …).
	Field string `json:"field,omitempty"`
	// Line is the line of the rule in the file, when known.
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
}

// RulesError lists every problem found in a rules file.
type RulesError struct {
	Problems []RuleProblem
}

func (e *RulesError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Message
	}
	return ErrInvalidRules.Error() + ": " + strings.Join(msgs, "; ")
}

// Unwrap returns ErrInvalidRules.
func (e *RulesError) Unwrap() error { return ErrInvalidRules }

// newRulesError lists the problems joined in err by the dispatch loaders
// and NewEngine.
func newRulesError(err error) *RulesError {
	var leaves []error
	flatten(err, &leaves)
	e := &RulesError{}
	for _, l := range leaves {
		p := RuleProblem{Message: l.Error()}
		var ce *dispatch.ConflictError
		var fe *dispatch.FieldError
		switch {
		case errors.As(l, &ce):
			p.Rules, p.Line = []string{ce.A.ID, ce.B.ID}, ce.A.Source.Line
		case errors.As(l, &fe):
			p.Field, p.Line = fe.Field, fe.Source.Line
			if id, ok := strings.CutPrefix(fe.Subject, "rule "); ok {
				if uq, err := strconv.Unquote(id); err == nil {
					id = uq
				}
				if id != "" {
					p.Rules = []string{id}
				}
			}
		}
		e.Problems = append(e.Problems, p)
	}
	return e
}

func flatten(err error, out *[]error) {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			flatten(e, out)
		}
		return
	}
	*out = append(*out, err)
}
