package platform

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"
	"yiwang/internal/auth"

	"yiwang/internal/geo"
	"yiwang/internal/sense"
	"yiwang/internal/sense/mqttin"
	"yiwang/internal/sense/registry"
	"yiwang/internal/sense/rules"
	"yiwang/internal/store"
)

// SensePrefix is where the city vital signs' routes belong
// (mount SenseHandler there).
const SensePrefix = "/sense/v1"

// SenseOptions configure the city vital signs (城市体征) of a node.
type SenseOptions struct {
	// Sensors is the sensor registry, in SensorsFormat.
	Sensors io.Reader
	// SensorsFormat is the format of Sensors: registry.CSV (the zero
	// value; registry.CSVHeader), registry.GeoJSON or registry.JSON.
	SensorsFormat registry.Format
	// Rules are the alarm rules as YAML (package rules).
	Rules io.Reader
	// Indices are the vital-sign index definitions as YAML
	// (sense.ParseIndices); nil has none until a version is stored.
	Indices io.Reader
	// MinHold is the alarms' minimum hold; 0 means the default.
	MinHold time.Duration
	// DataDir, when set, keeps the readings and the alarm state there
	// (sense.Options.DataDir), e.g. a directory next to the SQLite
	// database; empty keeps them in memory only.
	DataDir string
}

// Sense builds the sensor pipeline of the node: sensors are placed in
// grids by the node's geography, their owners checked against the units
// of the responsibility list in force, the rules' case categories against
// the taxonomy, and alarms open cases through the node's workflow. The
// sensors and the rules are kept as the store documents
// sense.SensorsDocument and sense.RulesDocument: when a version was stored
// (PUT /sense/v1/sensors or /sense/v1/rules on any node) it replaces
// o.Sensors or o.Rules, and Pipeline.Run follows newer ones. The caller
// runs it (Pipeline.Run) and mounts SenseHandler.
func (n *Node) Sense(o SenseOptions) (*sense.Pipeline, error) {
	if o.Sensors == nil || o.Rules == nil {
		return nil, errors.New("sense: SenseOptions.Sensors and Rules are required")
	}
	// Sense is called while the node starts, before anything runs: the
	// stored documents are read under a bounded context of their own.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ss, err := registry.Parse(o.Sensors, o.SensorsFormat)
	if err != nil {
		return nil, fmt.Errorf("loading sensors: %w", err)
	}
	stored, err := n.storedDocument(ctx, sense.SensorsDocument)
	if err != nil {
		return nil, err
	}
	if stored != nil {
		if ss, err = sense.DecodeSensors(stored); err != nil {
			return nil, fmt.Errorf("loading stored sensors (%s): %w", sense.SensorsDocument, err)
		}
	}
	checks := registry.Options{Locate: n.Geo.Locate,
		// The responsibility list in force when a registry is checked.
		KnownUnit: func(code string) bool { return n.Workflow.Engine().Directory().Has(code) }}
	reg, err := registry.New(ss, checks)
	if err != nil {
		return nil, fmt.Errorf("loading sensors: %w", err)
	}
	text, err := io.ReadAll(o.Rules)
	if err != nil {
		return nil, fmt.Errorf("reading sensor rules: %w", err)
	}
	// Stored rules are compiled against the stored sensors, not the file's.
	if stored, err := n.storedDocument(ctx, sense.RulesDocument); err != nil {
		return nil, err
	} else if stored != nil {
		text = stored
	}
	rs, err := rules.ParseBytes(text)
	if err != nil {
		return nil, fmt.Errorf("loading sensor rules: %w", err)
	}
	indices, err := n.senseIndices(ctx, o.Indices)
	if err != nil {
		return nil, err
	}
	p, err := sense.New(sense.Options{Registry: reg, Rules: rs, ValidCategory: n.Taxonomy.Valid, Cases: n.Workflow,
		MinHold: o.MinHold, Logger: n.log, RulesYAML: text, Documents: n.Store, SensorChecks: checks,
		DataDir: o.DataDir, Indices: indices, IndexAreas: n.indexAreas, Actor: signedInLogin,
		IndexChecks: sense.IndexOptions{KnownArea: func(code string) bool { _, ok := n.Geo.Area(code); return ok }}})
	if err != nil {
		return nil, fmt.Errorf("building sensor pipeline: %w", err)
	}
	if err := p.LoadSensors(ctx); err != nil {
		return nil, fmt.Errorf("loading stored sensors: %w", err)
	}
	if err := p.LoadRules(ctx); err != nil {
		return nil, fmt.Errorf("loading stored sensor rules: %w", err)
	}
	if _, err := p.RefreshIndices(ctx); err != nil {
		return nil, fmt.Errorf("loading stored index definitions: %w", err)
	}
	return p, nil
}

// senseIndices returns the stored index definitions (sense.IndicesDocument)
// if a version was stored, else r's.
func (n *Node) senseIndices(ctx context.Context, r io.Reader) ([]byte, error) {
	if stored, err := n.storedDocument(ctx, sense.IndicesDocument); err != nil || stored != nil {
		return stored, err
	}
	if r == nil {
		return nil, nil
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("reading index definitions: %w", err)
	}
	return b, nil
}

// indexAreas lists the node's areas of a level for the indices.
func (n *Node) indexAreas(level string) []sense.IndexArea {
	l, err := geo.ParseLevel(level)
	if err != nil {
		return nil
	}
	as := n.Geo.Areas(l)
	out := make([]sense.IndexArea, len(as))
	for i, a := range as {
		out[i] = sense.IndexArea{Code: a.Code, Name: a.Name}
	}
	return out
}

// storedDocument returns the body of a stored document, nil if none was
// stored.
func (n *Node) storedDocument(ctx context.Context, name string) ([]byte, error) {
	d, err := n.Store.GetDocument(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading document %s: %w", name, err)
	}
	return d.Body, nil
}

// SenseHandler serves a pipeline's routes under SensePrefix.
func SenseHandler(p *sense.Pipeline) http.Handler {
	return http.StripPrefix(SensePrefix, p.Handler())
}

// DefaultMQTTTopic is the MQTT topic pattern of sensor readings.
const DefaultMQTTTopic = "yiwang/sensors/{sensor}"

// SenseRunOptions configure RunSense.
type SenseRunOptions struct {
	// MQTT, when set, is the broker whose readings are subscribed to
	// (e.g. tcp://127.0.0.1:1883), on topic pattern MQTTTopic (default
	// DefaultMQTTTopic).
	MQTT, MQTTTopic string
	Logger          *slog.Logger
}

// MountSense serves p's routes under SensePrefix on the node's handler, in
// front of the routes Open mounted. Call it before Serve.
func (n *Node) MountSense(p *sense.Pipeline) {
	n.mount(SensePrefix+"/", SenseHandler(p))
}

// mount puts h at pattern in front of the node's handler.
func (n *Node) mount(pattern string, h http.Handler) {
	mux := http.NewServeMux()
	mux.Handle(pattern, h)
	mux.Handle("/", n.routes) // behind the authorisation middleware, like every route
	n.routes = mux
}

// RunSense runs the pipeline and, when configured, the MQTT subscriber
// until ctx ends; it returns at once if the broker cannot be reached.
func (n *Node) RunSense(ctx context.Context, p *sense.Pipeline, o SenseRunOptions) error {
	if o.Logger == nil {
		o.Logger = n.log
	}
	if o.MQTT != "" {
		if o.MQTTTopic == "" {
			o.MQTTTopic = DefaultMQTTTopic
		}
		sub, err := mqttin.Start(ctx, mqttin.Options{Broker: o.MQTT, Pattern: o.MQTTTopic, QoS: 1, Ingester: p.Ingester, Logger: o.Logger})
		if err != nil {
			return fmt.Errorf("subscribing to sensor readings: %w", err)
		}
		defer sub.Close()
		o.Logger.Info("subscribed to sensor readings", "broker", o.MQTT, "filter", sub.Filter())
	}
	if err := p.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("sensor pipeline: %w", err)
	}
	return nil
}

// signedInLogin is the login of the request's signed-in user (sense
// records it on alarm acknowledgements and registry, rule and index
// changes instead of the ?by= / ?actor= a client sends).
func signedInLogin(ctx context.Context) (string, bool) {
	p, ok := auth.FromContext(ctx)
	return p.Login, ok
}
