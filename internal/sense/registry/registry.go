package registry

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

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

// Registry is an immutable set of sensors, safe for concurrent use.
type Registry struct {
	sensors []Sensor
	byID    map[string]int32
	// byGrid are sensor indexes sorted by grid code, for area look-ups.
	byGrid []int32
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

// New validates the sensors and indexes them. Every problem is reported,
// joined, each naming the sensor.
func New(sensors []Sensor, o Options) (*Registry, error) {
	r := &Registry{sensors: make([]Sensor, len(sensors)), byID: make(map[string]int32, len(sensors))}
	var errs []error
	for i, s := range sensors {
		if err := check(&s); err != nil {
			errs = append(errs, err)
			continue
		}
		if _, dup := r.byID[s.ID]; dup {
			errs = append(errs, fmt.Errorf("sensor %q: duplicate id: %w", s.ID, ErrInvalid))
			continue
		}
		if o.KnownUnit != nil && !o.KnownUnit(s.Owner) {
			errs = append(errs, fmt.Errorf("sensor %q: unknown owner unit %q: %w", s.ID, s.Owner, ErrInvalid))
			continue
		}
		if o.Locate != nil {
			c, err := o.Locate(s.Lat, s.Lon)
			if err != nil {
				errs = append(errs, fmt.Errorf("sensor %q: %w", s.ID, err))
				continue
			}
			s.Area = c
		}
		s.Index = int32(i)
		r.byID[s.ID] = int32(i)
		r.sensors[i] = s
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	r.byGrid = make([]int32, len(r.sensors))
	for i := range r.byGrid {
		r.byGrid[i] = int32(i)
	}
	sort.SliceStable(r.byGrid, func(a, b int) bool {
		return r.sensors[r.byGrid[a]].Grid() < r.sensors[r.byGrid[b]].Grid()
	})
	return r, nil
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

// Len is the number of sensors.
func (r *Registry) Len() int { return len(r.sensors) }

// Lookup returns the index of the sensor with the id. The id may alias a
// reused buffer: it is not retained.
func (r *Registry) Lookup(id string) (int32, bool) {
	i, ok := r.byID[id]
	return i, ok
}

// Sensor returns the sensor at an index; it panics for an index out of range.
func (r *Registry) Sensor(i int32) *Sensor { return &r.sensors[i] }

// Get returns the sensor with the id, or an error wrapping ErrUnknownSensor.
func (r *Registry) Get(id string) (Sensor, error) {
	i, ok := r.byID[id]
	if !ok {
		return Sensor{}, fmt.Errorf("%w %q", ErrUnknownSensor, id)
	}
	return r.sensors[i], nil
}

// All returns every sensor in index order.
func (r *Registry) All() []Sensor { return slices.Clone(r.sensors) }

// InArea returns the indexes of the sensors whose grid code starts with
// code: a district, street, community or grid code (grid codes begin with
// the codes of every area above them). They are sorted by grid code.
func (r *Registry) InArea(code string) []int32 {
	lo := sort.Search(len(r.byGrid), func(i int) bool { return r.sensors[r.byGrid[i]].Grid() >= code })
	hi := lo
	for hi < len(r.byGrid) && strings.HasPrefix(r.sensors[r.byGrid[hi]].Grid(), code) {
		hi++
	}
	return slices.Clone(r.byGrid[lo:hi])
}
