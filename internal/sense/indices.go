package sense

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"yiwang/internal/sense/registry"
)

// Aggregates of an index term.
const (
	AggShare = "share_at_or_above"
	AggMean  = "mean"
	AggMax   = "max"
	AggMin   = "min"
)

// Area levels of an index.
const (
	LevelDistrict = "district"
	LevelStreet   = "street"
)

// Limits of an index document.
const (
	MaxIndices      = 200
	MaxIndexTerms   = 32
	MaxIndexAreas   = 5000
	DefaultIndexAge = time.Hour
)

// IndicesDocument is the store document holding the index definitions.
const IndicesDocument = "sense/indices"

// ErrInvalidIndices is wrapped by every validation error of index
// definitions (see IndicesError).
var ErrInvalidIndices = errors.New("invalid index definitions")

// IndicesError lists every problem of an index document that does not
// validate. It wraps ErrInvalidIndices.
type IndicesError struct {
	Errors []string `json:"errors"`
}

func (e *IndicesError) Error() string {
	return "invalid index definitions: " + strings.Join(e.Errors, "; ")
}

// Unwrap returns ErrInvalidIndices.
func (e *IndicesError) Unwrap() error { return ErrInvalidIndices }

// IndexDoc is an index document.
type IndexDoc struct {
	Indices []IndexDef `yaml:"indices" json:"indices"`
}

// IndexDef is the definition of one index.
type IndexDef struct {
	ID          string      `yaml:"id" json:"id"`
	Name        string      `yaml:"name" json:"name"`
	Description string      `yaml:"description,omitempty" json:"description,omitempty"`
	Level       string      `yaml:"level,omitempty" json:"level,omitempty"`
	Areas       []string    `yaml:"areas,omitempty" json:"areas,omitempty"`
	Combine     string      `yaml:"combine,omitempty" json:"combine,omitempty"`
	Scale       float64     `yaml:"scale,omitempty" json:"scale,omitempty"`
	MaxAge      string      `yaml:"max_age,omitempty" json:"max_age,omitempty"`
	Generated   bool        `yaml:"generated,omitempty" json:"generated,omitempty"`
	Terms       []IndexTerm `yaml:"terms" json:"terms"`
}

// IndexTerm is one term of an index.
type IndexTerm struct {
	Aggregate string   `yaml:"aggregate" json:"aggregate"`
	Kind      string   `yaml:"kind" json:"kind"`
	Threshold *float64 `yaml:"threshold,omitempty" json:"threshold,omitempty"`
	Scale     float64  `yaml:"scale,omitempty" json:"scale,omitempty"`
	Invert    bool     `yaml:"invert,omitempty" json:"invert,omitempty"`
	Weight    *float64 `yaml:"weight,omitempty" json:"weight,omitempty"`
	Offset    float64  `yaml:"offset,omitempty" json:"offset,omitempty"`
	IfMissing *float64 `yaml:"if_missing,omitempty" json:"if_missing,omitempty"`
}

// Index is a validated index definition.
type Index struct {
	Def    IndexDef
	maxAge time.Duration
	scale  float64
	prod   bool
	terms  []term
}

type term struct {
	agg, kind        string
	threshold, scale float64
	invert           bool
	weight, offset   float64
	missing          *float64
}

// IndexOptions are the checks of index definitions.
type IndexOptions struct {
	// KnownArea reports whether an area code listed in areas exists
	// (geo); nil accepts any code of 6, 9, 12 or 15 digits.
	KnownArea func(code string) bool
}

var indexID = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// ParseIndices reads an index document (YAML, or JSON, which YAML
// includes) and validates it; every problem is listed in an
// *IndicesError. Unknown fields are errors.
//
// The definitions of the vital-sign indices (城市体征指数), composite
// indicators computed per area from the latest values of the area's
// sensors, are a YAML (or JSON) document:
//
//	indices:
//	  - id: waterlogging_risk        # [a-z0-9_], unique
//	    name: 内涝风险指数
//	    level: district              # district or street; or areas: ["420102", ...]
//	    combine: product             # sum (default) or product of the terms
//	    scale: 1                     # the value is reported in 0..scale (default 1)
//	    max_age: 1h                  # older readings do not count (default 1h)
//	    description: …               # optional; generated: true marks demo definitions
//	    terms:
//	      - {aggregate: share_at_or_above, kind: water_level, threshold: 2}
//	      - {aggregate: max, kind: rainfall, scale: 30, weight: 0.5, offset: 0.5, if_missing: 0}
//
// Each term aggregates the fresh latest readings of the area's sensors of
// one kind (share_at_or_above a threshold, mean, max or min), normalises
// the aggregate to n = min(1, max(0, aggregate/scale)) (1−n with invert)
// and gives offset + weight × n. The terms are summed or multiplied and the
// result, which validation checks stays within 0..1 for any input, is
// multiplied by the index's scale. An area where no sensor of a term's kind
// reports has no value (null) unless the term names if_missing, the
// aggregate then assumed.
func ParseIndices(body []byte, o IndexOptions) ([]*Index, error) {
	var doc IndexDoc
	dec := yaml.NewDecoder(bytes.NewReader(body))
	dec.KnownFields(true)
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, &IndicesError{Errors: []string{"parsing: " + strings.ReplaceAll(err.Error(), "\n", "; ")}}
	}
	return CompileIndices(doc, o)
}

// CompileIndices validates the definitions of doc.
func CompileIndices(doc IndexDoc, o IndexOptions) ([]*Index, error) {
	var errs []string
	add := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	if len(doc.Indices) > MaxIndices {
		add("indices: %d definitions, at most %d", len(doc.Indices), MaxIndices)
		return nil, &IndicesError{Errors: errs}
	}
	seen := map[string]bool{}
	out := make([]*Index, 0, len(doc.Indices))
	for i, d := range doc.Indices {
		at := fmt.Sprintf("indices[%d]", i)
		if d.ID != "" {
			at += " (" + clip(d.ID) + ")"
		}
		x := &Index{Def: d, scale: 1, maxAge: DefaultIndexAge}
		switch {
		case d.ID == "":
			add("%s: id is required", at)
		case !indexID.MatchString(d.ID):
			add("%s: id %q must be a lower-case letter then up to 63 of a-z, 0-9, _", at, clip(d.ID))
		case seen[d.ID]:
			add("%s: duplicate id %q", at, d.ID)
		}
		seen[d.ID] = true
		if strings.TrimSpace(d.Name) == "" {
			add("%s: name is required", at)
		} else if len(d.Name) > 200 {
			add("%s: name longer than 200 bytes", at)
		}
		switch {
		case d.Level != "" && len(d.Areas) > 0:
			add("%s: give level or areas, not both", at)
		case d.Level == "" && len(d.Areas) == 0:
			add("%s: level (district or street) or areas is required", at)
		case d.Level != "" && d.Level != LevelDistrict && d.Level != LevelStreet:
			add("%s: unknown area level %q (district or street)", at, clip(d.Level))
		case len(d.Areas) > MaxIndexAreas:
			add("%s: areas: %d codes, at most %d", at, len(d.Areas), MaxIndexAreas)
		}
		dup := map[string]bool{}
		for j, c := range d.Areas {
			switch {
			case !areaCode(c):
				add("%s: areas[%d]: %q is not an area code (6, 9, 12 or 15 digits)", at, j, clip(c))
			case dup[c]:
				add("%s: areas[%d]: duplicate area %s", at, j, c)
			case o.KnownArea != nil && !o.KnownArea(c):
				add("%s: areas[%d]: unknown area %s", at, j, c)
			}
			dup[c] = true
		}
		switch d.Combine {
		case "", "sum":
		case "product":
			x.prod = true
		default:
			add("%s: combine must be sum or product, not %q", at, clip(d.Combine))
		}
		if d.Scale != 0 {
			if !finite(d.Scale) || d.Scale <= 0 {
				add("%s: scale must be a positive number, not %g", at, d.Scale)
			}
			x.scale = d.Scale
		}
		if d.MaxAge != "" {
			a, err := time.ParseDuration(d.MaxAge)
			if err != nil || a <= 0 {
				add("%s: max_age %q must be a positive duration such as 30m", at, clip(d.MaxAge))
			}
			x.maxAge = a
		}
		switch n := len(d.Terms); {
		case n == 0:
			add("%s: terms: at least one term is required", at)
		case n > MaxIndexTerms:
			add("%s: terms: %d terms, at most %d", at, n, MaxIndexTerms)
		}
		ok := true
		for j, t := range d.Terms {
			tt, terrs := compileTerm(t)
			for _, e := range terrs {
				add("%s: terms[%d]: %s", at, j, e)
			}
			if len(terrs) > 0 {
				ok = false
			}
			x.terms = append(x.terms, tt)
		}
		if ok && len(x.terms) > 0 && len(x.terms) <= MaxIndexTerms {
			if lo, hi := x.bounds(); lo < -1e-9 || hi > 1+1e-9 {
				add("%s: the terms' %s ranges over %g..%g for some inputs, not within 0..1: adjust weights and offsets", at, d.combine(), lo, hi)
			}
		}
		out = append(out, x)
	}
	if len(errs) > 0 {
		return nil, &IndicesError{Errors: errs}
	}
	return out, nil
}

func (d IndexDef) combine() string {
	if d.Combine == "" {
		return "sum"
	}
	return d.Combine
}

func compileTerm(t IndexTerm) (term, []string) {
	var errs []string
	add := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	tt := term{agg: t.Aggregate, kind: t.Kind, scale: t.Scale, invert: t.Invert, weight: 1, offset: t.Offset, missing: t.IfMissing}
	switch t.Aggregate {
	case AggShare, AggMean, AggMax, AggMin:
	case "":
		add("aggregate is required (share_at_or_above, mean, max or min)")
	default:
		add("unknown aggregate %q (share_at_or_above, mean, max or min)", clip(t.Aggregate))
	}
	switch {
	case t.Kind == "":
		add("kind is required")
	case registry.Units(registry.Kind(t.Kind)) == nil:
		add("unknown sensor kind %q", clip(t.Kind))
	}
	if t.Aggregate == AggShare {
		if t.Threshold == nil {
			add("threshold is required for share_at_or_above")
		} else if !finite(*t.Threshold) {
			add("threshold must be a finite number")
		} else {
			tt.threshold = *t.Threshold
		}
		if t.Scale == 0 {
			tt.scale = 1 // a share is already 0..1
		}
	} else if t.Threshold != nil && t.Aggregate != "" {
		add("threshold applies to share_at_or_above only, not %s", clip(t.Aggregate))
	}
	switch {
	case t.Scale == 0 && t.Aggregate != AggShare && t.Aggregate != "":
		add("scale is required for %s (the value counted as 1)", clip(t.Aggregate))
	case t.Scale != 0 && (!finite(t.Scale) || t.Scale <= 0):
		add("scale must be a positive number, not %g", t.Scale)
	}
	if t.Weight != nil {
		switch w := *t.Weight; {
		case !finite(w):
			add("weight must be a finite number")
		case w == 0:
			add("weight 0 makes the term a constant: use offset, or drop the term")
		default:
			tt.weight = w
		}
	}
	if !finite(t.Offset) {
		add("offset must be a finite number")
	}
	if t.IfMissing != nil && !finite(*t.IfMissing) {
		add("if_missing must be a finite number")
	}
	return tt, errs
}

// bounds returns the least and greatest value the terms can combine to.
func (x *Index) bounds() (lo, hi float64) {
	if x.prod {
		lo, hi = 1, 1
	}
	for _, t := range x.terms {
		a, b := t.offset, t.offset+t.weight
		a, b = min(a, b), max(a, b)
		if x.prod {
			c := []float64{lo * a, lo * b, hi * a, hi * b}
			lo, hi = slices.Min(c), slices.Max(c)
		} else {
			lo, hi = lo+a, hi+b
		}
	}
	return lo, hi
}

func areaCode(c string) bool {
	switch len(c) {
	case 6, 9, 12, 15:
	default:
		return false
	}
	for i := 0; i < len(c); i++ {
		if c[i] < '0' || c[i] > '9' {
			return false
		}
	}
	return true
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }
