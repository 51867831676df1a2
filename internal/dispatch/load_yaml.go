package dispatch

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"gopkg.in/yaml.v3"
)

type unitsFile struct {
	Units []Unit `yaml:"units"`
}

type rulesFile struct {
	Rules []Rule `yaml:"rules"`
}

// ReadUnitsYAML reads a YAML document with a top-level "units" list (see
// data/units.yaml), strictly: unknown fields are errors. Each unit's fields
// are checked; errors name the file, line, unit code and field. The tree
// itself (parents, cycles) is checked by NewDirectory. file only labels
// errors and Sources.
func ReadUnitsYAML(r io.Reader, file string) ([]Unit, error) {
	var f unitsFile
	lines, err := decodeYAML(r, file, "units", &f)
	if err != nil {
		return nil, err
	}
	var errs []error
	for i := range f.Units {
		f.Units[i].Source = Source{File: file, Line: lineAt(lines, i)}
		errs = append(errs, checkUnit(f.Units[i])...)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return f.Units, nil
}

// ReadRulesYAML reads a YAML document with a top-level "rules" list (see
// data/rules.yaml), strictly, and checks each rule with CheckRule; errors
// name the file, line, rule id and field. Units and conflicts are checked
// by NewEngine. file only labels errors and Sources. An empty document
// holds no rules.
func ReadRulesYAML(r io.Reader, file string) ([]Rule, error) {
	var f rulesFile
	lines, err := decodeYAML(r, file, "rules", &f)
	if err != nil {
		return nil, err
	}
	var errs []error
	for i := range f.Rules {
		f.Rules[i].Source = Source{File: file, Line: lineAt(lines, i)}
		if len(f.Rules[i].Co) == 0 {
			f.Rules[i].Co = nil
		}
		if err := CheckRule(f.Rules[i]); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return f.Rules, nil
}

// decodeYAML decodes one document strictly into out and returns the line
// of each item of the top-level list under key.
func decodeYAML(r io.Reader, file, key string, out any) ([]int, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	fail := func(err error) error {
		return &FieldError{Source: Source{File: file}, Err: fmt.Errorf("%w: %w", ErrMalformed, err)}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(out); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil // an empty document is an empty list
		}
		return nil, fail(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fail(errors.New("want exactly one YAML document"))
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fail(err)
	}
	var lines []int
	if len(doc.Content) == 1 && doc.Content[0].Kind == yaml.MappingNode {
		m := doc.Content[0]
		for i := 0; i+1 < len(m.Content); i += 2 {
			v := m.Content[i+1]
			if v.Kind == yaml.AliasNode && v.Alias != nil {
				v = v.Alias
			}
			if m.Content[i].Value == key && v.Kind == yaml.SequenceNode {
				for _, item := range v.Content {
					lines = append(lines, item.Line)
				}
			}
		}
	}
	return lines, nil
}

// lineAt returns the line of list item i, or 0 when unknown.
func lineAt(lines []int, i int) int {
	if i < len(lines) {
		return lines[i]
	}
	return 0
}
