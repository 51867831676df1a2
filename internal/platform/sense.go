package platform

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"yiwang/internal/sense"
	"yiwang/internal/sense/registry"
	"yiwang/internal/sense/rules"
)

// SensePrefix is where the city vital signs' routes belong
// (mount SenseHandler there).
const SensePrefix = "/sense/v1"

// SenseOptions configure the city vital signs (城市体征) of a node.
type SenseOptions struct {
	// Sensors is the sensor registry as CSV (registry.CSVHeader).
	Sensors io.Reader
	// Rules are the alarm rules as YAML (package rules).
	Rules io.Reader
	// MinHold is the alarms' minimum hold; 0 means the default.
	MinHold time.Duration
}

// Sense builds the sensor pipeline of the node: sensors are placed in
// grids by the node's geography, their owners checked against the units
// of the responsibility list in force, the rules' case categories against
// the taxonomy, and alarms open cases through the node's workflow. The
// caller runs it (Pipeline.Run) and mounts SenseHandler.
func (n *Node) Sense(o SenseOptions) (*sense.Pipeline, error) {
	if o.Sensors == nil || o.Rules == nil {
		return nil, errors.New("sense: SenseOptions.Sensors and Rules are required")
	}
	ss, err := registry.ParseCSV(o.Sensors)
	if err != nil {
		return nil, fmt.Errorf("loading sensors: %w", err)
	}
	reg, err := registry.New(ss, registry.Options{Locate: n.Geo.Locate, KnownUnit: n.Workflow.Engine().Directory().Has})
	if err != nil {
		return nil, fmt.Errorf("loading sensors: %w", err)
	}
	rs, err := rules.Parse(o.Rules)
	if err != nil {
		return nil, fmt.Errorf("loading sensor rules: %w", err)
	}
	p, err := sense.New(sense.Options{Registry: reg, Rules: rs, ValidCategory: n.Taxonomy.Valid, Cases: n.Workflow,
		MinHold: o.MinHold, Logger: n.log})
	if err != nil {
		return nil, fmt.Errorf("building sensor pipeline: %w", err)
	}
	return p, nil
}

// SenseHandler serves a pipeline's routes under SensePrefix.
func SenseHandler(p *sense.Pipeline) http.Handler {
	return http.StripPrefix(SensePrefix, p.Handler())
}
