package dispatch

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Sentinel errors; every error this package returns wraps one of them.
var (
	// ErrMalformed reports a value that does not parse: a code, a
	// severity, a window, a schedule, an identifier.
	ErrMalformed = errors.New("malformed value")
	// ErrUnknownUnit reports a unit code that is not in the directory.
	ErrUnknownUnit = errors.New("unknown unit")
	// ErrDuplicate reports a unit code or rule id given twice.
	ErrDuplicate = errors.New("duplicate")
	// ErrCycle reports a cycle in the units' parent links.
	ErrCycle = errors.New("cycle in unit tree")
	// ErrJurisdiction reports a unit asked to act outside its areas: a
	// rule's lead that does not cover the rule's area, or a unit whose
	// areas are not inside its parent's.
	ErrJurisdiction = errors.New("outside jurisdiction")
	// ErrConflict reports two rules of equal specificity that can match
	// the same case.
	ErrConflict = errors.New("conflicting rules")
)

// Source is where a unit or rule was read from. The zero Source means
// "built in code".
type Source struct {
	File string
	Line int
}

// String renders "file:line", "file", "line N" or "".
func (s Source) String() string {
	switch {
	case s.File != "" && s.Line > 0:
		return s.File + ":" + strconv.Itoa(s.Line)
	case s.File != "":
		return s.File
	case s.Line > 0:
		return "line " + strconv.Itoa(s.Line)
	}
	return ""
}

// FieldError locates an error: the source, the subject ("rule r1",
// "unit chengguan.420106") and the field.
type FieldError struct {
	Source  Source
	Subject string
	Field   string
	Err     error
}

func (e *FieldError) Error() string {
	var b strings.Builder
	if s := e.Source.String(); s != "" {
		b.WriteString(s)
		b.WriteString(": ")
	}
	if e.Subject != "" {
		b.WriteString(e.Subject)
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString("field ")
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *FieldError) Unwrap() error { return e.Err }

// ConflictError names two rules of equal specificity that can match the
// same case. It wraps ErrConflict.
type ConflictError struct {
	A, B Rule
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("rules %s and %s: equal specificity (category %s, area %s, severity %s, window %q vs %q) and can match the same case",
		ruleRef(e.A), ruleRef(e.B), e.A.Category, e.A.Area, severityText(e.A.Severity), e.A.Window, e.B.Window)
}

func (e *ConflictError) Unwrap() error { return ErrConflict }

func ruleRef(r Rule) string {
	if s := r.Source.String(); s != "" {
		return strconv.Quote(r.ID) + " (" + s + ")"
	}
	return strconv.Quote(r.ID)
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}
