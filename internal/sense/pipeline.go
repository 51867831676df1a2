package sense

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/sense/alarm"
	"yiwang/internal/sense/registry"
	"yiwang/internal/sense/rules"
	"yiwang/internal/sense/tsdb"
)

// Options configure a Pipeline.
type Options struct {
	Registry *registry.Registry
	// Actor, when set, names the signed-in user of a request; the routes
	// that record who did something (alarm acks, sensor, rule and index
	// changes) take it over the ?by= / ?actor= parameter, which only
	// serves a pipeline without sign-in.
	Actor func(ctx context.Context) (string, bool)
	// Rules are the alarm rules (see package rules).
	Rules []rules.Rule
	// RulesYAML is the text Rules were read from, shown by GET /rules
	// until a version is stored.
	RulesYAML []byte
	// Documents, when set, keeps the rules as the store document
	// RulesDocument: PutRules stores new versions there, LoadRules and
	// Run (every TickEvery) pick up versions stored by other nodes.
	Documents Documents
	// ValidCategory checks the rules' case categories; nil accepts any.
	ValidCategory func(code string) bool
	// SensorChecks validate registries put in force at run time
	// (PutSensors); Documents keeps them as SensorsDocument.
	SensorChecks registry.Options
	// SpareSensors is how many sensors may be added at run time beyond
	// the registry's size at start (the store's series are sized once);
	// 0 means DefaultSpareSensors, negative none.
	SpareSensors int
	// Cases opens the alarms' cases (workflow.Workflow).
	Cases alarm.Cases
	// MinHold is the alarms' minimum hold (alarm.DefaultMinHold if zero).
	MinHold time.Duration
	// TSDB configures the store (Series is set from the registry).
	TSDB tsdb.Options
	// DataDir, when set, keeps the readings and the alarm state in files
	// under it (see Checkpoint), read back by New: a restarted node goes
	// on where it stopped.
	DataDir string
	// QueueBatches, MaxPast, MaxFuture, MaxBody: see IngestOptions.
	QueueBatches       int
	MaxPast, MaxFuture time.Duration
	MaxBody            int64
	// TickEvery is how often Run evaluates time-driven rules and retention
	// (default 10 s).
	TickEvery time.Duration
	// Indices is the vital-sign index document (YAML, see ParseIndices);
	// nil has none. Documents keeps later versions as IndicesDocument.
	Indices []byte
	// IndexChecks validate index definitions (areas named by code).
	IndexChecks IndexOptions
	// IndexAreas lists the areas of a level (district, street, community,
	// grid) indices are computed for; nil takes those of the sensors.
	IndexAreas func(level string) []IndexArea
	// IndexEvery is how often Run computes the indices (default: every
	// TickEvery).
	IndexEvery time.Duration
	// OnCase is passed to the alarm manager.
	OnCase func(a alarm.Alarm, c cases.Case, created bool)
	Now    func() time.Time
	Logger *slog.Logger
}

// Pipeline is the sensor ingest path: readings are checked, stored,
// evaluated against the rules, and alarms become cases.
type Pipeline struct {
	Registry *registry.Registry
	DB       *tsdb.DB
	Ingester *Ingester
	Alarms   *alarm.Manager

	o      Options
	mu     sync.Mutex // guards engine, rs and trs
	engine *rules.Engine
	rs     RuleSet
	trs    []rules.Transition
	putMu  sync.Mutex // serialises PutRules, PutSensors and their refreshes
	// sensorSet is the registry version in force (guarded by mu).
	sensorSet SensorSet
	// ix holds the vital-sign indices (indices_compute.go).
	ix indexState
}

// New builds a pipeline; Run starts it.
func New(o Options) (*Pipeline, error) {
	if o.Registry == nil || o.Cases == nil {
		return nil, errors.New("sense: Options.Registry and Options.Cases are required")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.TickEvery <= 0 {
		o.TickEvery = 10 * time.Second
	}
	eng, err := rules.Compile(o.Rules, o.Registry, rules.Options{ValidCategory: o.ValidCategory})
	if err != nil {
		return nil, fmt.Errorf("sense: %w", err)
	}
	if o.SpareSensors == 0 {
		o.SpareSensors = DefaultSpareSensors(o.Registry.Len())
	}
	o.TSDB.Series = o.Registry.Len() + max(o.SpareSensors, 0)
	if o.TSDB.Retain < o.MaxPast {
		o.TSDB.Retain = o.MaxPast
	}
	p := &Pipeline{Registry: o.Registry, o: o, engine: eng, rs: RuleSet{YAML: string(o.RulesYAML), Rules: eng.Len()}}
	if p.DB, err = p.openDB(&o); err != nil {
		return nil, fmt.Errorf("sense: %w", err)
	}
	if p.Alarms, err = alarm.New(alarm.Options{Cases: o.Cases, MinHold: o.MinHold, OnCase: o.OnCase, Logger: o.Logger, Now: o.Now,
		Storage: alarmStorage(o.DataDir)}); err != nil {
		return nil, fmt.Errorf("sense: %w", err)
	}
	p.Ingester, err = NewIngester(IngestOptions{Registry: o.Registry, Sink: p, QueueBatches: o.QueueBatches,
		MaxPast: o.MaxPast, MaxFuture: o.MaxFuture, MaxBody: o.MaxBody, Now: o.Now})
	if err != nil {
		return nil, err
	}
	// Local files only: New has no context to pass.
	if err := p.resume(context.Background()); err != nil {
		return nil, err
	}
	if err := p.initIndices(); err != nil {
		return nil, fmt.Errorf("sense: %w", err)
	}
	p.ComputeIndices(o.Now())
	return p, nil
}

// Process stores a batch and evaluates its readings (the Ingester's sink).
// Rules are evaluated as of the batch's arrival.
func (p *Pipeline) Process(_ context.Context, b *Batch) {
	p.mu.Lock()
	defer p.mu.Unlock()
	trs := p.trs[:0]
	for _, r := range b.Readings {
		if err := p.DB.Append(r.Sensor, r.T, r.V); err != nil {
			reason := ReasonTooLate
			if errors.Is(err, tsdb.ErrDuplicate) {
				reason = ReasonDuplicate
			}
			p.Ingester.Reject("store", reason, fmt.Sprintf("sensor %s at %d: %v", p.Registry.Sensor(r.Sensor).ID, r.T, err), nil)
			continue
		}
		if p.engine.HasRules(r.Sensor) {
			trs = p.engine.Observe(b.Received, r.Sensor, r.T, r.V, trs)
		}
	}
	p.handle(p.engine, trs)
	p.trs = trs[:0]
}

// Tick evaluates the time-driven rules and the alarms' hold times at now.
func (p *Pipeline) Tick(now time.Time) {
	p.mu.Lock()
	trs := p.engine.Tick(now, p.trs[:0])
	p.handle(p.engine, trs)
	p.trs = trs[:0]
	p.mu.Unlock()
	p.Alarms.Tick(now)
}

// handle passes the transitions of eng's loud rules to the alarm manager.
func (p *Pipeline) handle(eng *rules.Engine, trs []rules.Transition) {
	for _, tr := range trs {
		c := eng.Rule(tr.Rule)
		if c.Silent {
			continue
		}
		ev := alarm.Event{Rule: c.ID, Firing: tr.Firing, Severity: c.Severity}
		if tr.Firing {
			ev.Detail = p.detail(c, tr)
			ev.Case = p.newCase(eng, c, ev.Detail)
		}
		p.Alarms.Handle(tr.At, ev)
	}
}

func (p *Pipeline) detail(c *rules.Compiled, tr rules.Transition) string {
	s := fmt.Sprintf("规则 %s (%s) 触发于 %s", c.ID, c.Kind, tr.At.UTC().Format(time.RFC3339))
	if tr.Sensor >= 0 {
		sn := p.Registry.Sensor(tr.Sensor)
		s += fmt.Sprintf("；传感器 %s (%s) 读数 %g %s，权属单位 %s", sn.ID, sn.Kind, tr.Value, sn.Unit, sn.Owner)
	}
	return s
}

// newCase is the case an alarm of rule c opens: the rule's category,
// severity and title, located at its sensor (or its area).
func (p *Pipeline) newCase(eng *rules.Engine, c *rules.Compiled, detail string) cases.NewCase {
	n := cases.NewCase{Channel: cases.ChannelSensor, Title: c.Title, Description: detail, Category: c.Category,
		Severity: c.Severity, Tags: []string{clip("rule:" + c.ID)}}
	sensor := c.Sensor
	if sensor < 0 {
		sensor = firstSensor(eng, c)
	}
	switch {
	case c.Kind == rules.Area:
		n.Location = areaLocation(c.AreaCode)
	case sensor >= 0:
		s := p.Registry.Sensor(sensor)
		lat, lon := s.Lat, s.Lon
		n.Location = cases.Location{Lat: &lat, Lon: &lon, District: s.Area.District.Code, Street: s.Area.Street.Code,
			Community: s.Area.Community.Code, Grid: s.Area.Grid.Code}
		n.Tags = append(n.Tags, clip("sensor:"+s.ID), clip("owner:"+s.Owner))
	}
	return n
}

// firstSensor finds a sensor under a composite rule, depth first.
func firstSensor(eng *rules.Engine, c *rules.Compiled) int32 {
	for _, k := range c.Children {
		ch := eng.Rule(k)
		if ch.Sensor >= 0 {
			return ch.Sensor
		}
		if s := firstSensor(eng, ch); s >= 0 {
			return s
		}
	}
	return -1
}

// areaLocation fills the chain of an area code (6 digits district, 9
// street, 12 community, 15 grid).
func areaLocation(code string) cases.Location {
	var l cases.Location
	for _, f := range []struct {
		n   int
		dst *string
	}{{6, &l.District}, {9, &l.Street}, {12, &l.Community}, {15, &l.Grid}} {
		if len(code) >= f.n {
			*f.dst = code[:f.n]
		}
	}
	return l
}

func clip(s string) string {
	if len(s) <= 50 {
		return s
	}
	return strings.ToValidUTF8(s[:50], "")
}

// Run runs the ingest worker, the alarms' case calls and the ticker until
// ctx ends. Each tick also picks up sensors and rules stored by other
// nodes (RefreshSensors, Refresh); a failure there is logged and what is
// in force stays.
func (p *Pipeline) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 2)
	go func() { errc <- p.Ingester.Run(ctx) }()
	go func() { errc <- p.Alarms.Run(ctx) }()
	t := time.NewTicker(p.o.TickEvery)
	defer t.Stop()
	var indexTick <-chan time.Time // nil: the indices are computed every tick
	if p.o.IndexEvery > 0 {
		it := time.NewTicker(p.o.IndexEvery)
		defer it.Stop()
		indexTick = it.C
	}
	for {
		select {
		case <-indexTick:
			p.ComputeIndices(p.o.Now())
		case <-ctx.Done():
			<-errc
			<-errc
			if err := p.closeData(context.WithoutCancel(ctx)); err != nil {
				p.o.Logger.Error("saving sensor data failed", "err", err)
			}
			return ctx.Err()
		case <-t.C:
			now := p.o.Now()
			p.Tick(now)
			p.DB.Expire(now)
			if err := p.Checkpoint(ctx); err != nil && ctx.Err() == nil {
				p.o.Logger.ErrorContext(ctx, "checkpointing sensor data failed", "err", err)
			}
			if _, err := p.RefreshSensors(ctx); err != nil && ctx.Err() == nil {
				p.o.Logger.WarnContext(ctx, "refreshing the sensor registry failed; keeping the sensors in force", "err", err)
			}
			if _, err := p.Refresh(ctx); err != nil && ctx.Err() == nil {
				p.o.Logger.WarnContext(ctx, "refreshing sensor rules failed; keeping the rules in force", "err", err)
			}
			if _, err := p.RefreshIndices(ctx); err != nil && ctx.Err() == nil {
				p.o.Logger.WarnContext(ctx, "refreshing index definitions failed; keeping the indices in force", "err", err)
			}
			if indexTick == nil {
				p.ComputeIndices(now)
			}
		}
	}
}

// Latest is the newest reading of one sensor.
type Latest struct {
	Sensor string    `json:"sensor"`
	Kind   string    `json:"kind"`
	Unit   string    `json:"unit"`
	Grid   string    `json:"grid"`
	Time   time.Time `json:"time"`
	Value  float64   `json:"value"`
}

// LatestInArea returns the newest reading of every sensor in an area (a
// district, street, community or grid code) that has reported.
func (p *Pipeline) LatestInArea(code string) []Latest {
	var out []Latest
	for _, i := range p.Registry.InArea(code) {
		if s, ok := p.DB.Latest(i); ok {
			sn := p.Registry.Sensor(i)
			out = append(out, Latest{Sensor: sn.ID, Kind: string(sn.Kind), Unit: sn.Unit, Grid: sn.Grid(), Time: time.Unix(0, s.T).UTC(), Value: s.V})
		}
	}
	return out
}
