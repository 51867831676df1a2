package registry

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// CSVHeader is the header ParseCSV expects (columns in any order; extra
// columns are ignored). interval is a Go duration ("60s", "5m") or whole
// seconds.
var CSVHeader = []string{"id", "kind", "unit", "lat", "lon", "owner", "interval"}

// MaxCSVRows bounds one import.
const MaxCSVRows = 1_000_000

// ParseCSV reads sensors from CSV with a header row. It checks the syntax
// of every field; New checks the rest. Errors name the line.
func ParseCSV(r io.Reader) ([]Sensor, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("reading sensor CSV header: %w", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	for _, h := range CSVHeader {
		if _, ok := col[h]; !ok {
			return nil, fmt.Errorf("sensor CSV header lacks column %q (need %v): %w", h, CSVHeader, ErrInvalid)
		}
	}
	var out []Sensor
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("sensor CSV: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if len(out) >= MaxCSVRows {
			return nil, fmt.Errorf("sensor CSV line %d: more than %d sensors: %w", line, MaxCSVRows, ErrInvalid)
		}
		get := func(name string) string {
			if i := col[name]; i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		s, err := rowSensor(get)
		if err != nil {
			return nil, fmt.Errorf("sensor CSV line %d: %w", line, err)
		}
		out = append(out, s)
	}
}

func rowSensor(get func(string) string) (Sensor, error) {
	s := Sensor{ID: get("id"), Kind: Kind(get("kind")), Unit: get("unit"), Owner: get("owner")}
	var err error
	if s.Lat, err = strconv.ParseFloat(get("lat"), 64); err != nil {
		return s, fmt.Errorf("lat %q: %w", get("lat"), ErrInvalid)
	}
	if s.Lon, err = strconv.ParseFloat(get("lon"), 64); err != nil {
		return s, fmt.Errorf("lon %q: %w", get("lon"), ErrInvalid)
	}
	s.Interval, err = parseInterval(get("interval"))
	return s, err
}
