package registry

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"yiwang/internal/geo"
)

// Kind is what a sensor measures.
type Kind string

// The kinds of sensor the registry knows, with their accepted units.
const (
	WaterLevel       Kind = "water_level"
	Rainfall         Kind = "rainfall"
	BridgeStrain     Kind = "bridge_strain"
	BridgeDeflection Kind = "bridge_deflection"
	GasConcentration Kind = "gas_concentration"
	ManholeTilt      Kind = "manhole_tilt"
	PM25             Kind = "pm25"
	AQI              Kind = "aqi"
	TrafficFlow      Kind = "traffic_flow"
	TrafficSpeed     Kind = "traffic_speed"
	PowerLoad        Kind = "power_load"
	PumpState        Kind = "pump_state"
)

// kindUnits lists the units of measure each kind may be reported in.
var kindUnits = map[Kind][]string{
	WaterLevel:       {"m"},
	Rainfall:         {"mm", "mm/h"},
	BridgeStrain:     {"ue"},
	BridgeDeflection: {"mm"},
	GasConcentration: {"%LEL", "ppm"},
	ManholeTilt:      {"deg"},
	PM25:             {"ug/m3"},
	AQI:              {"aqi"},
	TrafficFlow:      {"veh/h"},
	TrafficSpeed:     {"km/h"},
	PowerLoad:        {"MW", "kW"},
	PumpState:        {"state"},
}

// Kinds returns every known kind, sorted.
func Kinds() []Kind {
	ks := make([]Kind, 0, len(kindUnits))
	for k := range kindUnits {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// Units returns the units a kind may be reported in (nil for an unknown kind).
func Units(k Kind) []string { return slices.Clone(kindUnits[k]) }

// Errors of the registry.
var (
	// ErrUnknownSensor: no sensor has that id.
	ErrUnknownSensor = errors.New("unknown sensor")
	// ErrInvalid is wrapped by every validation error of a sensor.
	ErrInvalid = errors.New("invalid sensor")
)

// Sensor is one sensor point.
type Sensor struct {
	ID   string
	Kind Kind
	// Unit is the unit of measure its readings are in.
	Unit     string
	Lat, Lon float64
	// Owner is the code of the unit that owns and maintains it.
	Owner string
	// Interval is how often it is expected to report.
	Interval time.Duration
	// Area is the administrative chain of its location (filled by New).
	Area geo.Chain
	// Index is its dense index in the registry (filled by New).
	Index int32
}

// Grid returns the code of the grid the sensor is in.
func (s *Sensor) Grid() string { return s.Area.Grid.Code }

// Locator finds the administrative chain of a point (geo.Index.Locate).
type Locator func(lat, lon float64) (geo.Chain, error)

// Registry is the set of sensors, safe for concurrent use. Each sensor has
// a dense index, its slot, that the time-series store and the rule engine
// use as their array index. The set can be replaced at run time (Next,
// Apply): a sensor that stays, with the same kind and unit, keeps its
// slot; a removed sensor's slot is kept empty (no id looks it up, Sensor
// still returns what it was), so indexes held by readings in flight stay
// valid and never point at another sensor.
type Registry struct {
	cur atomic.Pointer[table]
}

// table is one immutable version of the registry.
type table struct {
	sensors []Sensor // by slot
	gone    []bool   // slot of a removed sensor
	byID    map[string]int32
	// byGrid are the live sensors' slots sorted by grid code, for area
	// look-ups.
	byGrid []int32
	live   int
}

// Options are the checks New applies.
type Options struct {
	// Locate places each sensor in a grid; nil leaves Area empty.
	Locate Locator
	// KnownUnit reports whether an owner code names a unit
	// (dispatch.Directory.Has); nil accepts any non-empty code.
	KnownUnit func(code string) bool
}

// MaxIDLen bounds a sensor id.
const MaxIDLen = 64

// New validates the sensors and indexes them 0..n-1. Every problem is
// reported, joined, each naming the sensor.
func New(sensors []Sensor, o Options) (*Registry, error) {
	ss, err := validate(sensors, o)
	if err != nil {
		return nil, err
	}
	for i := range ss {
		ss[i].Index = int32(i)
	}
	r := &Registry{}
	r.cur.Store(newTable(ss, make([]bool, len(ss))))
	return r, nil
}

// validate checks every sensor and places it; it returns copies.
func validate(sensors []Sensor, o Options) ([]Sensor, error) {
	out := make([]Sensor, 0, len(sensors))
	seen := make(map[string]bool, len(sensors))
	var errs []error
	for _, s := range sensors {
		if err := check(&s); err != nil {
			errs = append(errs, err)
			continue
		}
		if seen[s.ID] {
			errs = append(errs, fmt.Errorf("sensor %q: duplicate id: %w", s.ID, ErrInvalid))
			continue
		}
		seen[s.ID] = true
		if o.KnownUnit != nil && !o.KnownUnit(s.Owner) {
			errs = append(errs, fmt.Errorf("sensor %q: unknown owner unit %q: %w", s.ID, s.Owner, ErrInvalid))
			continue
		}
		s.Area = geo.Chain{}
		if o.Locate != nil {
			c, err := o.Locate(s.Lat, s.Lon)
			if err != nil {
				errs = append(errs, fmt.Errorf("sensor %q: location: %w", s.ID, err))
				continue
			}
			s.Area = c
		}
		out = append(out, s)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// newTable indexes sensors whose Index is their slot; gone marks the
// slots of removed sensors.
func newTable(slots []Sensor, gone []bool) *table {
	t := &table{sensors: slots, gone: gone, byID: make(map[string]int32, len(slots))}
	for i := range slots {
		if !gone[i] {
			t.byID[slots[i].ID] = int32(i)
			t.byGrid = append(t.byGrid, int32(i))
		}
	}
	t.live = len(t.byGrid)
	sort.SliceStable(t.byGrid, func(a, b int) bool {
		return t.sensors[t.byGrid[a]].Grid() < t.sensors[t.byGrid[b]].Grid()
	})
	return t
}

func check(s *Sensor) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("sensor %q: %s: %w", s.ID, fmt.Sprintf(format, args...), ErrInvalid)
	}
	switch {
	case s.ID == "":
		return bad("id is required")
	case len(s.ID) > MaxIDLen:
		return bad("id longer than %d bytes", MaxIDLen)
	case strings.ContainsAny(s.ID, " ,=\"\\\n\r\t/+#"):
		return bad("id may not contain spaces, commas, '=', quotes, backslashes, '/', '+' or '#'")
	case !utf8.ValidString(s.ID):
		return bad("id is not valid UTF-8")
	}
	units, ok := kindUnits[s.Kind]
	if !ok {
		return bad("unknown kind %q (known: %v)", s.Kind, Kinds())
	}
	if !slices.Contains(units, s.Unit) {
		return bad("unit %q is not a unit of %s (one of %v)", s.Unit, s.Kind, units)
	}
	if math.IsNaN(s.Lat) || math.IsNaN(s.Lon) || s.Lat < -90 || s.Lat > 90 || s.Lon < -180 || s.Lon > 180 {
		return bad("coordinates %v,%v out of range", s.Lat, s.Lon)
	}
	if s.Owner == "" {
		return bad("owner unit is required")
	}
	if s.Interval < time.Second || s.Interval > 24*time.Hour {
		return bad("reporting interval %v not in [1s, 24h]", s.Interval)
	}
	return nil
}

// Len is the number of slots: the sensors, and the removed sensors whose
// slots are kept. Arrays indexed by slot need this length.
func (r *Registry) Len() int { return len(r.cur.Load().sensors) }

// Count is the number of sensors.
func (r *Registry) Count() int { return r.cur.Load().live }

// Lookup returns the index of the sensor with the id. The id may alias a
// reused buffer: it is not retained.
func (r *Registry) Lookup(id string) (int32, bool) {
	i, ok := r.cur.Load().byID[id]
	return i, ok
}

// Sensor returns the sensor at an index (what it was, for a removed
// sensor's slot); it panics for an index out of range.
func (r *Registry) Sensor(i int32) *Sensor { return &r.cur.Load().sensors[i] }

// Get returns the sensor with the id, or an error wrapping ErrUnknownSensor.
func (r *Registry) Get(id string) (Sensor, error) {
	t := r.cur.Load()
	i, ok := t.byID[id]
	if !ok {
		return Sensor{}, fmt.Errorf("%w %q", ErrUnknownSensor, id)
	}
	return t.sensors[i], nil
}

// All returns every sensor in index order (removed ones left out).
func (r *Registry) All() []Sensor {
	t := r.cur.Load()
	out := make([]Sensor, 0, t.live)
	for i, s := range t.sensors {
		if !t.gone[i] {
			out = append(out, s)
		}
	}
	return out
}

// InArea returns the indexes of the sensors whose grid code starts with
// code: a district, street, community or grid code (grid codes begin with
// the codes of every area above them). They are sorted by grid code.
func (r *Registry) InArea(code string) []int32 {
	t := r.cur.Load()
	lo := sort.Search(len(t.byGrid), func(i int) bool { return t.sensors[t.byGrid[i]].Grid() >= code })
	hi := lo
	for hi < len(t.byGrid) && strings.HasPrefix(t.sensors[t.byGrid[hi]].Grid(), code) {
		hi++
	}
	return slices.Clone(t.byGrid[lo:hi])
}
