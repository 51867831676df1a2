package rules

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"yiwang/internal/cases"
	"yiwang/internal/sense/registry"
)

// Kind is the kind of a rule.
type Kind string

// The kinds of rule.
const (
	Threshold Kind = "threshold"
	Duration  Kind = "duration"
	Rate      Kind = "rate"
	Stale     Kind = "stale"
	Composite Kind = "composite"
	Area      Kind = "area"
)

// ErrInvalid is wrapped by every validation error.
var ErrInvalid = errors.New("invalid rules")

// Rule is one rule as written in YAML.
type Rule struct {
	ID   string `yaml:"id"`
	Kind Kind   `yaml:"kind"`
	// Sensor is the sensor id (threshold, duration, rate, stale).
	Sensor string `yaml:"sensor,omitempty"`
	// Above or Below is the level (threshold, duration, area); Clear is
	// where the rule stops firing (default: the level itself).
	Above *float64 `yaml:"above,omitempty"`
	Below *float64 `yaml:"below,omitempty"`
	Clear *float64 `yaml:"clear,omitempty"`
	// For is how long the level must hold (duration).
	For time.Duration `yaml:"for,omitempty"`
	// Rise (negative: fall) within Window (rate).
	Rise   float64       `yaml:"rise,omitempty"`
	Window time.Duration `yaml:"window,omitempty"`
	// After is the silence that counts as a lost heartbeat (stale).
	After time.Duration `yaml:"after,omitempty"`
	// All or Any name the rules a composite combines.
	All []string `yaml:"all,omitempty"`
	Any []string `yaml:"any,omitempty"`
	// AreaCode, SensorKind and Share define an area rule.
	AreaCode   string  `yaml:"area,omitempty"`
	SensorKind string  `yaml:"sensor_kind,omitempty"`
	Share      float64 `yaml:"share,omitempty"`
	// Silent rules raise no alarm (they feed composites).
	Silent bool `yaml:"silent,omitempty"`
	// What an alarm becomes: severity (default urgent), case category and
	// title (default generated from the rule).
	Severity cases.Severity `yaml:"severity,omitempty"`
	Category string         `yaml:"category,omitempty"`
	Title    string         `yaml:"title,omitempty"`
}

// File is a rules document.
type File struct {
	Rules []Rule `yaml:"rules"`
}

// Limits of a rules document.
const (
	MaxRules  = 200_000
	MaxWindow = 24 * time.Hour
)

// Parse reads a rules document strictly: unknown fields are errors.
func Parse(r io.Reader) ([]Rule, error) {
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	var f File
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("parsing rules: empty document: %w", ErrInvalid)
		}
		return nil, fmt.Errorf("parsing rules: %w", errors.Join(ErrInvalid, err))
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("parsing rules: more than one YAML document: %w", ErrInvalid)
	}
	return f.Rules, nil
}

// ParseBytes is Parse of a byte slice.
func ParseBytes(b []byte) ([]Rule, error) { return Parse(bytes.NewReader(b)) }

// Options are the checks Compile applies beyond the registry.
type Options struct {
	// ValidCategory reports whether a case category exists; nil accepts
	// any non-empty category.
	ValidCategory func(code string) bool
}

func finite(p *float64) bool { return p != nil && !math.IsNaN(*p) && !math.IsInf(*p, 0) }

// check validates one rule on its own (not its references).
func check(r *Rule, o Options) []error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("rule %q: %s: %w", r.ID, fmt.Sprintf(format, args...), ErrInvalid))
	}
	if r.ID == "" || len(r.ID) > 100 || strings.ContainsAny(r.ID, " \n\t/") {
		bad("id must be 1 to 100 characters without spaces or '/'")
	}
	level := func() {
		switch {
		case (r.Above == nil) == (r.Below == nil):
			bad("give exactly one of above and below")
		case r.Above != nil && !finite(r.Above), r.Below != nil && !finite(r.Below):
			bad("level must be a finite number")
		case r.Clear != nil && !finite(r.Clear):
			bad("clear must be a finite number")
		case r.Clear != nil && r.Above != nil && *r.Clear > *r.Above:
			bad("clear %v is above the level %v: the rule could never clear after firing", *r.Clear, *r.Above)
		case r.Clear != nil && r.Below != nil && *r.Clear < *r.Below:
			bad("clear %v is below the level %v", *r.Clear, *r.Below)
		}
	}
	needSensor := func() {
		if r.Sensor == "" {
			bad("sensor is required for a %s rule", r.Kind)
		}
	}
	switch r.Kind {
	case Threshold:
		needSensor()
		level()
	case Duration:
		needSensor()
		level()
		if r.For <= 0 || r.For > MaxWindow {
			bad("for %v not in (0, %v]", r.For, MaxWindow)
		}
	case Rate:
		needSensor()
		if r.Rise == 0 || math.IsNaN(r.Rise) || math.IsInf(r.Rise, 0) {
			bad("rise must be a non-zero finite number (negative for a fall)")
		}
		if r.Window <= 0 || r.Window > MaxWindow {
			bad("window %v not in (0, %v]", r.Window, MaxWindow)
		}
	case Stale:
		needSensor()
		if r.After <= 0 || r.After > 7*MaxWindow {
			bad("after %v not in (0, %v]", r.After, 7*MaxWindow)
		}
	case Composite:
		if (len(r.All) == 0) == (len(r.Any) == 0) {
			bad("give exactly one of all and any")
		}
	case Area:
		level()
		if r.AreaCode == "" || r.SensorKind == "" {
			bad("area and sensor_kind are required")
		}
		if !(r.Share > 0 && r.Share <= 1) {
			bad("share %v not in (0, 1]", r.Share)
		}
	default:
		bad("unknown kind %q (threshold, duration, rate, stale, composite, area)", r.Kind)
	}
	if r.Severity == "" {
		r.Severity = cases.SeverityUrgent
	}
	if !r.Severity.Valid() {
		bad("severity %q is not one of %v", r.Severity, cases.Severities)
	}
	if !r.Silent {
		if r.Category == "" {
			bad("category is required (the case category of its alarms) unless the rule is silent")
		} else if o.ValidCategory != nil && !o.ValidCategory(r.Category) {
			bad("unknown case category %q", r.Category)
		}
	}
	if len(r.Title) > cases.MaxTitle {
		bad("title longer than %d", cases.MaxTitle)
	}
	return errs
}

// describe is a default alarm title.
func describe(r *Rule, reg *registry.Registry) string {
	if r.Title != "" {
		return r.Title
	}
	switch r.Kind {
	case Threshold, Duration:
		op, lvl := "高于", r.Above
		if r.Below != nil {
			op, lvl = "低于", r.Below
		}
		s := fmt.Sprintf("传感器 %s %s %g", r.Sensor, op, *lvl)
		if r.Kind == Duration {
			s += fmt.Sprintf(" 持续 %v", r.For)
		}
		return s
	case Rate:
		return fmt.Sprintf("传感器 %s %v 内变化超过 %g", r.Sensor, r.Window, r.Rise)
	case Stale:
		return fmt.Sprintf("传感器 %s 超过 %v 无数据", r.Sensor, r.After)
	case Area:
		return fmt.Sprintf("区域 %s %s 传感器超限比例达 %.0f%%", r.AreaCode, r.SensorKind, 100*r.Share)
	}
	return "复合告警 " + r.ID
}
