package demo

import (
	"bytes"
	_ "embed"
	"io"
	"strings"
)

//go:embed sensors.csv
var sensorsCSV []byte

//go:embed rules.yaml
var rulesYAML []byte

//go:embed indices.yaml
var indicesYAML []byte

// Levels of the generated water and rain sensors, shared by the rules, the
// simulator and the waterlogging index.
const (
	// WaterWarning is the warning level of a water-level sensor (m); its
	// alarm clears below WaterClear (hysteresis).
	WaterWarning = 2.0
	WaterClear   = 1.8
	// HeavyRain is the rainfall intensity counted as heavy (mm/h).
	HeavyRain = 30.0
	// GasAlarm and GasClear bound the gas alarms (%LEL).
	GasAlarm = 20.0
	GasClear = 10.0
)

// Sensors returns the generated sensor registry as CSV (registry.CSVHeader
// columns, then a "generated" column that is always true).
func Sensors() io.Reader { return bytes.NewReader(sensorsCSV) }

// Rules returns the generated alarm rules as YAML.
func Rules() io.Reader { return bytes.NewReader(rulesYAML) }

// Indices returns the generated vital-sign index definitions as YAML
// (sense.ParseIndices): the waterlogging risk and the congestion index of
// every district.
func Indices() io.Reader { return bytes.NewReader(indicesYAML) }

// Sensor is one sensor of the demo set as the simulator needs it.
type Sensor struct {
	ID, Kind, Unit, District string
}

// List returns the demo sensors in file order. The district is the
// second part of the id (GEN-WL-420102-01).
func List() []Sensor {
	var out []Sensor
	for i, line := range strings.Split(strings.TrimSpace(string(sensorsCSV)), "\n") {
		f := strings.Split(line, ",")
		if i == 0 || len(f) < 3 {
			continue
		}
		s := Sensor{ID: f[0], Kind: f[1], Unit: f[2]}
		if p := strings.Split(s.ID, "-"); len(p) == 4 {
			s.District = p[2]
		}
		out = append(out, s)
	}
	return out
}
