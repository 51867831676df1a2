package sense

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"yiwang/internal/sense/registry"
	"yiwang/internal/sense/rules"
	"yiwang/internal/store"
)

// SensorsDocument is the store document holding the sensor registry in
// force (a JSON list of SensorInfo).
const SensorsDocument = "sense/sensors"

// ErrSensorsConflict: the sensor registry changed since the version the
// caller expected (it wraps store.ErrVersionConflict).
var ErrSensorsConflict = fmt.Errorf("sensor registry: %w", store.ErrVersionConflict)

// SensorSet describes the sensor registry in force. Version 0 means the
// sensors given at start (Options.Registry); stored versions count from 1.
type SensorSet struct {
	Version   int       `json:"version"`
	Sensors   int       `json:"sensors"`
	UpdatedBy string    `json:"updated_by,omitempty"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// SensorsUpdate is what a replacement of the registry changed.
type SensorsUpdate struct {
	SensorSet
	// Added, Removed, Replaced (kind or unit changed: a new series) and
	// Updated (moved, new owner or interval: same series) name sensors.
	Added     []string `json:"added"`
	Removed   []string `json:"removed"`
	Replaced  []string `json:"replaced"`
	Updated   []string `json:"updated"`
	Unchanged int      `json:"unchanged"`
}

// SensorsError lists every problem of a sensor registry that does not
// validate, or that the rules in force do not fit (a rule naming a
// removed sensor). It wraps registry.ErrInvalid.
type SensorsError struct {
	Errors []string `json:"errors"`
}

func (e *SensorsError) Error() string {
	return "invalid sensor registry: " + strings.Join(e.Errors, "; ")
}

// Unwrap returns registry.ErrInvalid.
func (e *SensorsError) Unwrap() error { return registry.ErrInvalid }

// DefaultSpareSensors is Options.SpareSensors when zero: room for a
// quarter more sensors, at least 1024.
func DefaultSpareSensors(n int) int { return max(1024, n/4) }

// Sensors returns the sensor registry in force.
func (p *Pipeline) Sensors() SensorSet {
	p.mu.Lock()
	defer p.mu.Unlock()
	ss := p.sensorSet
	ss.Sensors = p.Registry.Count()
	return ss
}

// PutSensors validates a whole new sensor list (registry.Next), checks
// that the rules in force still compile against it, stores it as the next
// version of SensorsDocument (when Options.Documents is set) and swaps it
// in without stopping ingestion: sensors that stay keep their readings,
// rule state and alarms. expectVersion is the version replaced (0 when
// none was ever stored; negative: whatever is in force); a stale one
// fails with ErrSensorsConflict. An invalid list, or one that removes a
// sensor a rule names, fails with a *SensorsError and changes nothing.
func (p *Pipeline) PutSensors(ctx context.Context, sensors []registry.Sensor, expectVersion int, actor string) (SensorsUpdate, error) {
	p.putMu.Lock()
	defer p.putMu.Unlock()
	return p.replaceSensors(ctx, sensors, expectVersion, actor)
}

// EditSensors is PutSensors of edit's result: edit gets the sensors in
// force and returns the new list (or an error, returned as is). No other
// change of the registry comes between the two.
func (p *Pipeline) EditSensors(ctx context.Context, edit func([]registry.Sensor) ([]registry.Sensor, error), expectVersion int, actor string) (SensorsUpdate, error) {
	p.putMu.Lock()
	defer p.putMu.Unlock()
	sensors, err := edit(p.Registry.All())
	if err != nil {
		return SensorsUpdate{}, err
	}
	return p.replaceSensors(ctx, sensors, expectVersion, actor)
}

// replaceSensors is PutSensors under putMu.
func (p *Pipeline) replaceSensors(ctx context.Context, sensors []registry.Sensor, expectVersion int, actor string) (SensorsUpdate, error) {
	u, eng, err := p.planSensors(sensors)
	if err != nil {
		return SensorsUpdate{}, err
	}
	now := p.o.Now()
	cur := p.Sensors()
	if expectVersion < 0 {
		expectVersion = cur.Version
	}
	set := SensorSet{Version: expectVersion + 1, UpdatedBy: actor, UpdatedAt: now.UTC()}
	if p.o.Documents != nil {
		body, err := encodeSensors(u.Registry().All())
		if err != nil {
			return SensorsUpdate{}, err
		}
		d, err := p.o.Documents.PutDocument(ctx, store.Document{Name: SensorsDocument, Body: body, UpdatedBy: actor, UpdatedAt: now}, expectVersion)
		if errors.Is(err, store.ErrVersionConflict) {
			return SensorsUpdate{}, fmt.Errorf("%w: expected version %d", ErrSensorsConflict, expectVersion)
		}
		if err != nil {
			return SensorsUpdate{}, fmt.Errorf("storing the sensor registry: %w", err)
		}
		set.Version, set.UpdatedAt = d.Version, d.UpdatedAt.UTC()
	} else if expectVersion != cur.Version {
		return SensorsUpdate{}, fmt.Errorf("%w: expected version %d, in force %d", ErrSensorsConflict, expectVersion, cur.Version)
	}
	if err := p.swapSensors(u, eng, set, now); err != nil {
		return SensorsUpdate{}, err
	}
	p.o.Logger.InfoContext(ctx, "sensor registry replaced", "version", set.Version, "by", actor, "sensors", p.Registry.Count(),
		"added", len(u.Added), "removed", len(u.Removed), "replaced", len(u.Replaced), "updated", len(u.Updated))
	set.Sensors = p.Registry.Count()
	return SensorsUpdate{SensorSet: set, Added: nonNil(u.Added), Removed: nonNil(u.Removed), Replaced: nonNil(u.Replaced),
		Updated: nonNil(u.Updated), Unchanged: u.Unchanged}, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// planSensors validates a new list against the registry and the rules in
// force, compiled against it. The caller holds putMu.
func (p *Pipeline) planSensors(sensors []registry.Sensor) (*registry.Update, *rules.Engine, error) {
	u, err := p.Registry.Next(sensors, p.o.SensorChecks)
	if err != nil {
		return nil, nil, &SensorsError{Errors: messages(err)}
	}
	if u.Len() > p.o.TSDB.Series {
		return nil, nil, &SensorsError{Errors: []string{fmt.Sprintf(
			"the registry would need %d series (sensors, and the slots kept for removed or replaced ones); this node holds %d until it restarts",
			u.Len(), p.o.TSDB.Series)}}
	}
	p.mu.Lock()
	old, rsVersion := p.engine, p.rs.Version
	p.mu.Unlock()
	rs := make([]rules.Rule, old.Len())
	for i := range rs {
		rs[i] = old.Rule(int32(i)).Rule
	}
	eng, err := rules.Compile(rs, u.Registry(), rules.Options{ValidCategory: p.o.ValidCategory})
	if err != nil {
		var msgs []string
		for _, m := range messages(err) {
			msgs = append(msgs, fmt.Sprintf("the alarm rules in force (version %d) do not fit these sensors: %s", rsVersion, m))
		}
		return nil, nil, &SensorsError{Errors: msgs}
	}
	return u, eng, nil
}

// swapSensors puts u and the rules compiled against it in force together,
// under the lock the ingest worker evaluates batches under. Readings that
// name a new sensor can only be accepted once u is in force, so no batch
// meets an engine that does not know its sensors.
func (p *Pipeline) swapSensors(u *registry.Update, eng *rules.Engine, set SensorSet, now time.Time) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := p.Registry.Apply(u); err != nil {
		return fmt.Errorf("sense: %w", err)
	}
	p.install(eng, p.rs, now)
	p.sensorSet = set
	return nil
}

// LoadSensors switches to the registry stored as SensorsDocument, if any
// was stored after the one in force. A stored registry that does not
// validate is an error and changes nothing.
func (p *Pipeline) LoadSensors(ctx context.Context) error {
	_, err := p.RefreshSensors(ctx)
	return err
}

// RefreshSensors swaps in the stored registry when its version is newer
// than the one in force (another node's PutSensors), and reports whether
// it did.
func (p *Pipeline) RefreshSensors(ctx context.Context) (bool, error) {
	if p.o.Documents == nil {
		return false, nil
	}
	d, err := p.o.Documents.GetDocument(ctx, SensorsDocument)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading document %s: %w", SensorsDocument, err)
	}
	p.putMu.Lock()
	defer p.putMu.Unlock()
	if d.Version <= p.Sensors().Version {
		return false, nil
	}
	ss, err := DecodeSensors(d.Body)
	if err != nil {
		return false, fmt.Errorf("document %s version %d: %w", SensorsDocument, d.Version, err)
	}
	u, eng, err := p.planSensors(ss)
	if err != nil {
		return false, fmt.Errorf("document %s version %d: %w", SensorsDocument, d.Version, err)
	}
	set := SensorSet{Version: d.Version, UpdatedBy: d.UpdatedBy, UpdatedAt: d.UpdatedAt.UTC()}
	if err := p.swapSensors(u, eng, set, p.o.Now()); err != nil {
		return false, err
	}
	p.o.Logger.InfoContext(ctx, "sensor registry loaded", "version", d.Version, "sensors", p.Registry.Count())
	return true, nil
}

// Info describes a sensor as the API lists it.
func Info(s registry.Sensor) SensorInfo {
	return SensorInfo{ID: s.ID, Kind: string(s.Kind), Unit: s.Unit, Lat: s.Lat, Lon: s.Lon, Owner: s.Owner,
		IntervalS: s.Interval.Seconds(), District: s.Area.District.Code, Grid: s.Grid()}
}

// encodeSensors writes sensors as SensorsDocument holds them.
func encodeSensors(ss []registry.Sensor) ([]byte, error) {
	out := make([]SensorInfo, len(ss))
	for i, s := range ss {
		out[i] = Info(s)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("encoding the sensor registry: %w", err)
	}
	return b, nil
}

// DecodeSensors reads a SensorsDocument body (registry.ParseJSON).
func DecodeSensors(body []byte) ([]registry.Sensor, error) {
	return registry.ParseJSON(body)
}
