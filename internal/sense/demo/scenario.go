package demo

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
)

// Scenario plays GENERATED readings of the demo sensors over a span of
// real time: one simulated day compressed into the span (diurnal cycles of
// traffic, air quality and gas), a rainstorm moving across the districts
// in order (raising rainfall, water levels and pumps as it passes), a few
// sensors going silent after the first fifth (stale alarms), and one
// water-level sensor flapping across its warning line. It is pure: the
// time is always an argument.
type Scenario struct {
	sensors   []Sensor
	districts []string
	start     time.Time
	span      time.Duration
	silent    map[string]bool
	flapping  string
	rnd       *rand.Rand
	tick      int
}

// NewScenario builds a scenario over the demo sensors starting at start
// and lasting span (at least one second).
func NewScenario(seed uint64, start time.Time, span time.Duration) *Scenario {
	s := &Scenario{sensors: List(), start: start, span: max(span, time.Second), silent: map[string]bool{},
		rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	for _, sn := range s.sensors {
		if !slices.Contains(s.districts, sn.District) {
			s.districts = append(s.districts, sn.District)
		}
	}
	// The pumps of the last three districts fall silent; one water level
	// in the middle of the city flaps.
	for _, d := range s.districts[max(0, len(s.districts)-3):] {
		s.silent["GEN-PU-"+d+"-01"] = true
	}
	s.flapping = "GEN-WL-" + s.districts[len(s.districts)/2] + "-02"
	return s
}

// Sensors is how many sensors the scenario plays.
func (s *Scenario) Sensors() int { return len(s.sensors) }

// Silent reports whether a sensor goes silent, and Flapping names the
// flapping sensor.
func (s *Scenario) Silent(id string) bool { return s.silent[id] }

// Flapping is the id of the sensor that flaps across its warning line.
func (s *Scenario) Flapping() string { return s.flapping }

// Storm is the rainstorm's intensity (0..1) over district i at phase
// (0..1 of the span): its centre moves from before the first district to
// past the last one.
func (s *Scenario) Storm(i int, phase float64) float64 {
	c := phase*float64(len(s.districts)+1) - 0.5
	d := float64(i) - c
	return math.Exp(-d * d / 0.8)
}

// AppendLines appends one line-protocol reading at now for every sensor
// still reporting, and returns the buffer and how many readings it holds.
func (s *Scenario) AppendLines(dst []byte, now time.Time) ([]byte, int) {
	phase := min(1, max(0, float64(now.Sub(s.start))/float64(s.span)))
	hour := 24 * phase // the simulated day
	day := math.Sin(2 * math.Pi * (hour - 9) / 24)
	rush := math.Exp(-sq(hour-8)/2) + math.Exp(-sq(hour-18)/2)
	s.tick++
	n := 0
	for _, sn := range s.sensors {
		if s.silent[sn.ID] && phase > 0.2 {
			continue
		}
		storm := s.Storm(slices.Index(s.districts, sn.District), phase)
		noise := s.rnd.NormFloat64()
		var v float64
		switch sn.Kind {
		case "water_level":
			v = 0.6 + 2.0*storm + 0.03*noise
			if sn.ID == s.flapping {
				v = 1.7
				if s.tick%2 == 0 {
					v = 2.3
				}
			}
		case "rainfall":
			v = max(0, 60*storm+noise)
		case "pump_state":
			v = 0
			if storm > 0.4 {
				v = 1
			}
		case "manhole_tilt":
			v = max(0, 1+0.3*noise)
		case "pm25":
			v = max(5, 60+25*day-40*storm+5*noise)
		case "aqi":
			v = max(10, 80+30*day-50*storm+6*noise)
		case "traffic_flow":
			v = max(0, 400+1800*rush+200*day+50*noise)
		case "traffic_speed":
			v = max(5, 45-25*rush-15*storm+3*noise)
		case "gas_concentration":
			v = max(0, 2+1.5*day+0.5*noise)
		case "bridge_strain":
			v = 120 + 60*rush + 5*noise
		default:
			continue
		}
		dst = appendLine(dst, sn, v, now)
		n++
	}
	return dst, n
}

// appendLine writes one reading in line protocol (the demo ids, kinds
// and units hold no character that needs escaping).
func appendLine(dst []byte, sn Sensor, v float64, now time.Time) []byte {
	dst = append(dst, sn.Kind...)
	dst = append(dst, ",sensor="...)
	dst = append(dst, sn.ID...)
	dst = append(dst, ",unit="...)
	dst = append(dst, sn.Unit...)
	dst = append(dst, " value="...)
	dst = strconv.AppendFloat(dst, round(v), 'g', -1, 64)
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, now.UnixNano(), 10)
	return append(dst, '\n')
}

func round(v float64) float64 {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 3, 64), 64)
	return f
}

func sq(x float64) float64 { return x * x }
