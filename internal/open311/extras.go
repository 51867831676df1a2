package open311

import (
	"bytes"
	"cmp"
	_ "embed"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"yiwang/internal/category"
)

//go:embed data/services.yaml
var defaultExtras []byte

// DefaultExtras returns the embedded services document (data/services.yaml).
func DefaultExtras() []byte { return bytes.Clone(defaultExtras) }

// ErrInvalidExtras is wrapped by every problem of a services document.
var ErrInvalidExtras = errors.New("invalid open311 services document")

type extrasFile struct {
	Notice   string         `yaml:"notice"`
	Services []extrasSource `yaml:"services"`
}

type extrasSource struct {
	Path       string            `yaml:"path"`
	Keywords   []string          `yaml:"keywords"`
	Notice     string            `yaml:"notice"`
	Attributes []attributeSource `yaml:"attributes"`
}

type attributeSource struct {
	Code                string   `yaml:"code"`
	Variable            *bool    `yaml:"variable"`
	Datatype            Datatype `yaml:"datatype"`
	Required            bool     `yaml:"required"`
	DatatypeDescription string   `yaml:"datatype_description"`
	Order               int      `yaml:"order"`
	Description         string   `yaml:"description"`
	Values              []Value  `yaml:"values"`
}

type extras struct {
	notice string
	byPath map[string]serviceExtras
}

type serviceExtras struct {
	keywords   []string
	notice     string
	attributes []Attribute
}

var attrCode = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,39}$`)

// parseExtras reads and validates a services document strictly (unknown
// fields refused) and reports every problem found, each wrapping
// ErrInvalidExtras.
func parseExtras(body []byte, tax *category.Taxonomy) (extras, error) {
	var f extrasFile
	dec := yaml.NewDecoder(bytes.NewReader(body))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return extras{}, fmt.Errorf("%w: %w", ErrInvalidExtras, err)
	}
	var errs []error
	bad := func(where, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: %s: %s", ErrInvalidExtras, where, fmt.Sprintf(format, args...)))
	}
	if strings.TrimSpace(f.Notice) == "" {
		bad("notice", "the default service notice is required")
	}
	paths := map[string]bool{}
	for _, c := range tax.All() {
		paths[c.Path] = c.Level == 3
	}
	ex := extras{notice: strings.TrimSpace(f.Notice), byPath: map[string]serviceExtras{}}
	for i, s := range f.Services {
		where := fmt.Sprintf("services[%d] (%s)", i, s.Path)
		if !paths[s.Path] {
			bad(where, "path is not a level-3 category of the taxonomy (write it as level 1 / level 2 / level 3)")
			continue
		}
		if _, dup := ex.byPath[s.Path]; dup {
			bad(where, "the service appears twice")
			continue
		}
		se := serviceExtras{notice: strings.TrimSpace(s.Notice)}
		for _, k := range s.Keywords {
			k = strings.TrimSpace(k)
			if k == "" || strings.Contains(k, ",") {
				bad(where, "keyword %q must be non-empty and without commas", k)
				continue
			}
			se.keywords = append(se.keywords, k)
		}
		codes, orders := map[string]bool{}, map[int]bool{}
		for j, a := range s.Attributes {
			aw := fmt.Sprintf("%s attributes[%d] (%s)", where, j, a.Code)
			if !attrCode.MatchString(a.Code) {
				bad(aw, "code must be a letter then up to 39 letters, digits or underscores")
			}
			if codes[a.Code] {
				bad(aw, "code appears twice in the service")
			}
			codes[a.Code] = true
			if !a.Datatype.valid() {
				bad(aw, "datatype %q must be one of %v", a.Datatype, Datatypes)
			}
			if strings.TrimSpace(a.Description) == "" || !utf8.ValidString(a.Description) {
				bad(aw, "description is required")
			}
			out := Attribute{Variable: a.Variable == nil || *a.Variable, Code: a.Code, Datatype: a.Datatype, Required: a.Required,
				DatatypeDescription: a.DatatypeDescription, Order: a.Order, Description: a.Description, Values: a.Values}
			if out.Order == 0 {
				out.Order = j + 1
			}
			if out.Order < 1 || orders[out.Order] {
				bad(aw, "order %d must be ≥ 1 and unique in the service", out.Order)
			}
			orders[out.Order] = true
			if !out.Variable && out.Required {
				bad(aw, "an informational attribute (variable: false) cannot be required")
			}
			switch {
			case a.Datatype.isList() && len(a.Values) == 0:
				bad(aw, "a %s needs values", a.Datatype)
			case !a.Datatype.isList() && len(a.Values) > 0:
				bad(aw, "only list datatypes take values, not %s", a.Datatype)
			}
			keys := map[string]bool{}
			for _, v := range a.Values {
				if v.Key == "" || v.Name == "" || strings.Contains(v.Key, ",") || keys[v.Key] {
					bad(aw, "value %q/%q: key and name are required, keys unique and without commas", v.Key, v.Name)
				}
				keys[v.Key] = true
			}
			se.attributes = append(se.attributes, out)
		}
		slices.SortStableFunc(se.attributes, func(a, b Attribute) int { return cmp.Compare(a.Order, b.Order) })
		ex.byPath[s.Path] = se
	}
	if len(errs) > 0 {
		return extras{}, errors.Join(errs...)
	}
	return ex, nil
}
