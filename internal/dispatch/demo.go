package dispatch

import (
	"bytes"
	"embed"
	"fmt"
)

// demoData holds the demo units and rules for Wuhan: generated for the
// demo, not an official 权责清单.
//
//go:embed data/units.yaml data/rules.yaml
var demoData embed.FS

// DemoUnits returns the generated demo units (data/units.yaml).
func DemoUnits() ([]Unit, error) {
	b, err := demoData.ReadFile("data/units.yaml")
	if err != nil {
		return nil, fmt.Errorf("reading demo units: %w", err)
	}
	return ReadUnitsYAML(bytes.NewReader(b), "data/units.yaml")
}

// DemoRules returns the generated demo rules (data/rules.yaml).
func DemoRules() ([]Rule, error) {
	b, err := demoData.ReadFile("data/rules.yaml")
	if err != nil {
		return nil, fmt.Errorf("reading demo rules: %w", err)
	}
	return ReadRulesYAML(bytes.NewReader(b), "data/rules.yaml")
}

// DemoEngine builds an engine from the demo units and rules.
func DemoEngine() (*Engine, error) {
	units, err := DemoUnits()
	if err != nil {
		return nil, err
	}
	dir, err := NewDirectory(units)
	if err != nil {
		return nil, fmt.Errorf("demo units: %w", err)
	}
	rules, err := DemoRules()
	if err != nil {
		return nil, err
	}
	e, err := NewEngine(dir, rules)
	if err != nil {
		return nil, fmt.Errorf("demo rules: %w", err)
	}
	return e, nil
}
