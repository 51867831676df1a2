package registry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Format is a way of writing a sensor registry down.
type Format int

// The formats Parse reads.
const (
	// CSV: a header row (CSVHeader) and one sensor per row.
	CSV Format = iota
	// GeoJSON: a FeatureCollection of Point features whose properties are
	// id, kind, unit, owner and interval (the feature's own id may stand
	// for properties.id).
	GeoJSON
	// JSON: a list of objects with id, kind, unit, lat, lon, owner and
	// interval (or interval_s, as GET /sense/v1/sensors writes them), or
	// a GeoJSON FeatureCollection.
	JSON
)

func (f Format) String() string {
	switch f {
	case CSV:
		return "CSV"
	case GeoJSON:
		return "GeoJSON"
	case JSON:
		return "JSON"
	}
	return "Format(" + strconv.Itoa(int(f)) + ")"
}

// FormatOfFile returns the format of a file by its name: .geojson is
// GeoJSON, .json JSON, anything else CSV.
func FormatOfFile(name string) Format {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".geojson":
		return GeoJSON
	case ".json":
		return JSON
	}
	return CSV
}

// MaxImportErrors bounds the problems one import reports.
const MaxImportErrors = 100

// Parse reads sensors in format f. Like ParseCSV it checks the syntax of
// every field; New checks the rest. GeoJSON and JSON report every feature
// or object that is wrong (up to MaxImportErrors), joined, each naming
// its place and field.
func Parse(r io.Reader, f Format) ([]Sensor, error) {
	switch f {
	case CSV:
		return ParseCSV(r)
	case GeoJSON, JSON:
		data, err := io.ReadAll(r)
		if err != nil {
			return nil, fmt.Errorf("reading sensor %s: %w", f, err)
		}
		if f == GeoJSON {
			return ParseGeoJSON(data)
		}
		return ParseJSON(data)
	}
	return nil, fmt.Errorf("sensor format %v: %w", f, ErrInvalid)
}

// ParseJSON reads a list of sensor objects, or a GeoJSON FeatureCollection
// when the document is an object.
func ParseJSON(data []byte) ([]Sensor, error) {
	trim := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(trim) > 0 && trim[0] == '{' {
		return ParseGeoJSON(data)
	}
	var items []json.RawMessage
	if err := json.Unmarshal(data, &items); err != nil {
		return nil, fmt.Errorf("sensor JSON must be a list of sensors or a GeoJSON FeatureCollection: %v: %w", err, ErrInvalid)
	}
	if len(items) > MaxCSVRows {
		return nil, fmt.Errorf("sensor JSON: more than %d sensors: %w", MaxCSVRows, ErrInvalid)
	}
	out := make([]Sensor, 0, len(items))
	var errs fieldErrors
	for i, raw := range items {
		where := fmt.Sprintf("sensor JSON [%d]", i)
		var props map[string]json.RawMessage
		if err := json.Unmarshal(raw, &props); err != nil || props == nil {
			errs.add(fmt.Errorf("%s: must be an object: %w", where, ErrInvalid))
			continue
		}
		s, err := propsSensor(props, "")
		if err == nil {
			s.Lat, err = number(props, "lat")
		}
		if err == nil {
			s.Lon, err = number(props, "lon")
		}
		if err != nil {
			errs.add(fmt.Errorf("%s%s: %w", where, idNote(s.ID), err))
			continue
		}
		out = append(out, s)
	}
	return out, errs.err()
}

// ParseGeoJSON reads a FeatureCollection of Point features (RFC 7946:
// coordinates are longitude, latitude[, altitude]).
func ParseGeoJSON(data []byte) ([]Sensor, error) {
	var fc struct {
		Type     string            `json:"type"`
		Features []json.RawMessage `json:"features"`
	}
	if err := json.Unmarshal(data, &fc); err != nil {
		return nil, fmt.Errorf("sensor GeoJSON: %v: %w", err, ErrInvalid)
	}
	if fc.Type != "FeatureCollection" {
		return nil, fmt.Errorf("sensor GeoJSON: type %q, want \"FeatureCollection\": %w", clipText(fc.Type), ErrInvalid)
	}
	if len(fc.Features) > MaxCSVRows {
		return nil, fmt.Errorf("sensor GeoJSON: more than %d features: %w", MaxCSVRows, ErrInvalid)
	}
	out := make([]Sensor, 0, len(fc.Features))
	var errs fieldErrors
	for i, raw := range fc.Features {
		s, err := featureSensor(raw)
		if err != nil {
			errs.add(fmt.Errorf("sensor GeoJSON features[%d]%s: %w", i, idNote(s.ID), err))
			continue
		}
		out = append(out, s)
	}
	return out, errs.err()
}

func featureSensor(raw json.RawMessage) (Sensor, error) {
	var f struct {
		Type     string          `json:"type"`
		ID       json.RawMessage `json:"id"`
		Geometry *struct {
			Type        string            `json:"type"`
			Coordinates []json.RawMessage `json:"coordinates"`
		} `json:"geometry"`
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		return Sensor{}, fmt.Errorf("not a feature object: %v: %w", err, ErrInvalid)
	}
	if f.Type != "Feature" {
		return Sensor{}, fmt.Errorf("type %q, want \"Feature\": %w", clipText(f.Type), ErrInvalid)
	}
	var featureID string
	if len(f.ID) > 0 && string(f.ID) != "null" {
		var err error
		if featureID, err = idText(f.ID); err != nil {
			return Sensor{}, fmt.Errorf("id: %w", err)
		}
	}
	s, err := propsSensor(f.Properties, featureID)
	if err != nil {
		return s, err
	}
	if f.Geometry == nil || f.Geometry.Type != "Point" {
		return s, fmt.Errorf("geometry must be a Point: %w", ErrInvalid)
	}
	c := f.Geometry.Coordinates
	if len(c) != 2 && len(c) != 3 {
		return s, fmt.Errorf("geometry coordinates: %d numbers, want longitude, latitude[, altitude]: %w", len(c), ErrInvalid)
	}
	var ll [2]float64
	for k := range ll {
		if err := json.Unmarshal(c[k], &ll[k]); err != nil {
			return s, fmt.Errorf("geometry coordinates[%d] %s is not a number: %w", k, clipText(string(c[k])), ErrInvalid)
		}
	}
	s.Lon, s.Lat = ll[0], ll[1]
	return s, nil
}

// propsSensor reads id, kind, unit, owner and interval (or interval_s)
// from an object. featureID, when set, is the feature's own id; it must
// agree with properties.id if both are given.
func propsSensor(props map[string]json.RawMessage, featureID string) (Sensor, error) {
	var s Sensor
	if props == nil {
		return s, fmt.Errorf("properties are required (id, kind, unit, owner, interval): %w", ErrInvalid)
	}
	id, err := text(props, "id", featureID == "")
	if err != nil {
		return s, err
	}
	switch {
	case id == "":
		id = featureID
	case featureID != "" && id != featureID:
		return s, fmt.Errorf("properties id %q differs from the feature id %q: %w", clipText(id), clipText(featureID), ErrInvalid)
	}
	s.ID = id
	kind, err := text(props, "kind", true)
	if err != nil {
		return s, err
	}
	s.Kind = Kind(kind)
	if s.Unit, err = text(props, "unit", true); err != nil {
		return s, err
	}
	if s.Owner, err = text(props, "owner", true); err != nil {
		return s, err
	}
	s.Interval, err = interval(props)
	return s, err
}

// text reads a string field.
func text(props map[string]json.RawMessage, name string, required bool) (string, error) {
	raw, ok := props[name]
	if !ok || string(raw) == "null" {
		if required {
			return "", fmt.Errorf("%s is required: %w", name, ErrInvalid)
		}
		return "", nil
	}
	if name == "id" {
		v, err := idText(raw)
		if err != nil {
			return "", fmt.Errorf("id: %w", err)
		}
		return v, nil
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", fmt.Errorf("%s %s is not a string: %w", name, clipText(string(raw)), ErrInvalid)
	}
	return strings.TrimSpace(v), nil
}

// idText reads an id: a string or a whole number.
func idText(raw json.RawMessage) (string, error) {
	var v string
	if err := json.Unmarshal(raw, &v); err == nil {
		return strings.TrimSpace(v), nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		if _, err := strconv.ParseInt(n.String(), 10, 64); err == nil {
			return n.String(), nil
		}
	}
	return "", fmt.Errorf("%s is neither a string nor a whole number: %w", clipText(string(raw)), ErrInvalid)
}

// number reads a finite number field.
func number(props map[string]json.RawMessage, name string) (float64, error) {
	raw, ok := props[name]
	if !ok || string(raw) == "null" {
		return 0, fmt.Errorf("%s is required: %w", name, ErrInvalid)
	}
	var v float64
	if err := json.Unmarshal(raw, &v); err != nil {
		return 0, fmt.Errorf("%s %s is not a number: %w", name, clipText(string(raw)), ErrInvalid)
	}
	return v, nil
}

// interval reads interval (seconds as a number, or a string as in CSV) or
// interval_s (seconds).
func interval(props map[string]json.RawMessage) (time.Duration, error) {
	name := "interval"
	raw, ok := props[name]
	if !ok {
		name = "interval_s"
		raw, ok = props[name]
	}
	if !ok || string(raw) == "null" {
		return 0, fmt.Errorf("interval is required (seconds, or a duration such as \"5m\"): %w", ErrInvalid)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil && name == "interval" {
		return parseInterval(strings.TrimSpace(s))
	}
	var secs float64
	if err := json.Unmarshal(raw, &secs); err != nil {
		return 0, fmt.Errorf("%s %s is neither seconds nor a duration: %w", name, clipText(string(raw)), ErrInvalid)
	}
	if math.IsNaN(secs) || secs < 0 || secs > 1_000_000 {
		return 0, fmt.Errorf("%s %v seconds out of range: %w", name, secs, ErrInvalid)
	}
	return time.Duration(secs * float64(time.Second)), nil
}

// parseInterval reads whole seconds or a Go duration.
func parseInterval(iv string) (time.Duration, error) {
	if n, err := strconv.Atoi(iv); err == nil {
		if n < 0 || n > 1_000_000 {
			return 0, fmt.Errorf("interval %q seconds out of range: %w", iv, ErrInvalid)
		}
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(iv)
	if err != nil {
		return 0, fmt.Errorf("interval %q is neither seconds nor a duration: %w", clipText(iv), ErrInvalid)
	}
	return d, nil
}

// fieldErrors collects up to MaxImportErrors problems and counts the rest.
type fieldErrors struct {
	errs []error
	more int
}

func (e *fieldErrors) add(err error) {
	if len(e.errs) < MaxImportErrors {
		e.errs = append(e.errs, err)
		return
	}
	e.more++
}

func (e *fieldErrors) err() error {
	if e.more > 0 {
		e.errs = append(e.errs, fmt.Errorf("and %d more problems: %w", e.more, ErrInvalid))
	}
	return errors.Join(e.errs...)
}

func idNote(id string) string {
	if id == "" {
		return ""
	}
	return fmt.Sprintf(" (sensor %q)", clipText(id))
}

func clipText(s string) string {
	if len(s) > 80 {
		return strings.ToValidUTF8(s[:80], "") + "…"
	}
	return s
}
