package registry

import (
	"errors"
	"strings"
	"testing"
	"time"
)

const goodGeoJSON = `{"type": "FeatureCollection", "features": [
 {"type": "Feature", "geometry": {"type": "Point", "coordinates": [114.30, 30.58]},
  "properties": {"id": "WL1", "kind": "water_level", "unit": "m", "owner": "shuiwu.420102", "interval": 60, "name": "ignored"}},
 {"type": "Feature", "id": "RF1", "geometry": {"type": "Point", "coordinates": [114.31, 30.59, 21.5]},
  "properties": {"kind": "rainfall", "unit": "mm", "owner": "shuiwu.420102", "interval": "5m"}},
 {"type": "Feature", "id": 7, "geometry": {"type": "Point", "coordinates": [114.60, 30.60]},
  "properties": {"id": "7", "kind": "gas_concentration", "unit": "%LEL", "owner": "ranqi.420103", "interval": "30s"}}
]}`

func TestParseGeoJSON(t *testing.T) {
	ss, err := ParseGeoJSON([]byte(goodGeoJSON))
	if err != nil {
		t.Fatal(err)
	}
	want := []Sensor{
		{ID: "WL1", Kind: WaterLevel, Unit: "m", Lat: 30.58, Lon: 114.30, Owner: "shuiwu.420102", Interval: time.Minute},
		{ID: "RF1", Kind: Rainfall, Unit: "mm", Lat: 30.59, Lon: 114.31, Owner: "shuiwu.420102", Interval: 5 * time.Minute},
		{ID: "7", Kind: GasConcentration, Unit: "%LEL", Lat: 30.60, Lon: 114.60, Owner: "ranqi.420103", Interval: 30 * time.Second},
	}
	if len(ss) != len(want) {
		t.Fatalf("%d sensors, want %d", len(ss), len(want))
	}
	for i := range want {
		if ss[i] != want[i] {
			t.Errorf("sensor %d = %+v, want %+v", i, ss[i], want[i])
		}
	}
	// The same registry from CSV and from GeoJSON builds the same grids.
	r, err := New(ss, Options{Locate: fakeLocate})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(r.InArea("420102")); got != 2 {
		t.Fatalf("InArea(420102) = %d", got)
	}
}

func TestParseGeoJSONErrors(t *testing.T) {
	feature := func(geom, props string) string {
		return `{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": ` + geom + `, "properties": ` + props + `}]}`
	}
	const pt = `{"type": "Point", "coordinates": [114.3, 30.5]}`
	const props = `{"id": "A", "kind": "aqi", "unit": "aqi", "owner": "u", "interval": 60}`
	tests := []struct{ name, in, want string }{
		{"not JSON", `{"type": `, "sensor GeoJSON"},
		{"a list", `[1]`, "cannot unmarshal"},
		{"not a collection", `{"type": "Feature"}`, `type "Feature", want "FeatureCollection"`},
		{"feature type", `{"type": "FeatureCollection", "features": [{"type": "Point"}]}`, `features[0]: type "Point", want "Feature"`},
		{"feature not object", `{"type": "FeatureCollection", "features": [3]}`, "features[0]: not a feature object"},
		{"no properties", feature(pt, `null`), "properties are required"},
		{"no geometry", feature(`null`, props), `features[0] (sensor "A"): geometry must be a Point`},
		{"line", feature(`{"type": "LineString", "coordinates": [[1,2],[3,4]]}`, props), "geometry must be a Point"},
		{"one coordinate", feature(`{"type": "Point", "coordinates": [114.3]}`, props), "1 numbers, want longitude, latitude"},
		{"string coordinate", feature(`{"type": "Point", "coordinates": ["114.3", 30.5]}`, props), `coordinates[0] "114.3" is not a number`},
		{"no id", feature(pt, `{"kind": "aqi", "unit": "aqi", "owner": "u", "interval": 60}`), "id is required"},
		{"object id", feature(pt, `{"id": {}, "kind": "aqi", "unit": "aqi", "owner": "u", "interval": 60}`), "neither a string nor a whole number"},
		{"no kind", feature(pt, `{"id": "A", "unit": "aqi", "owner": "u", "interval": 60}`), "kind is required"},
		{"numeric unit", feature(pt, `{"id": "A", "kind": "aqi", "unit": 3, "owner": "u", "interval": 60}`), "unit 3 is not a string"},
		{"no owner", feature(pt, `{"id": "A", "kind": "aqi", "unit": "aqi", "interval": 60}`), "owner is required"},
		{"no interval", feature(pt, `{"id": "A", "kind": "aqi", "unit": "aqi", "owner": "u"}`), "interval is required"},
		{"bad interval", feature(pt, `{"id": "A", "kind": "aqi", "unit": "aqi", "owner": "u", "interval": "soon"}`), `interval "soon" is neither`},
		{"huge interval", feature(pt, `{"id": "A", "kind": "aqi", "unit": "aqi", "owner": "u", "interval": 1e12}`), "out of range"},
		{"bool interval", feature(pt, `{"id": "A", "kind": "aqi", "unit": "aqi", "owner": "u", "interval": true}`), "neither seconds nor a duration"},
		{"ids differ", `{"type": "FeatureCollection", "features": [{"type": "Feature", "id": "B", "geometry": ` + pt + `, "properties": ` + props + `}]}`, `properties id "A" differs from the feature id "B"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseGeoJSON([]byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if !errors.Is(err, ErrInvalid) && !strings.Contains(err.Error(), "cannot unmarshal") {
				t.Fatalf("err %v does not wrap ErrInvalid", err)
			}
		})
	}
}

// TestParseGeoJSONEveryError: every bad feature is named, not just the first.
func TestParseGeoJSONEveryError(t *testing.T) {
	in := `{"type": "FeatureCollection", "features": [
	 {"type": "Feature", "geometry": null, "properties": {"id": "A", "kind": "aqi", "unit": "aqi", "owner": "u", "interval": 60}},
	 {"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 2]}, "properties": {"id": "B", "kind": "aqi", "unit": "aqi", "owner": "u", "interval": 60}},
	 {"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 2]}, "properties": {"id": "C", "kind": "aqi", "unit": "aqi", "owner": "u"}}]}`
	_, err := ParseGeoJSON([]byte(in))
	if err == nil || !strings.Contains(err.Error(), "features[0]") || !strings.Contains(err.Error(), "features[2]") || strings.Contains(err.Error(), "features[1]") {
		t.Fatalf("err = %v", err)
	}
	var b strings.Builder
	b.WriteString(`{"type": "FeatureCollection", "features": [`)
	for i := range MaxImportErrors + 5 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"type": "Feature"}`)
	}
	b.WriteString("]}")
	if _, err := ParseGeoJSON([]byte(b.String())); err == nil || !strings.Contains(err.Error(), "and 5 more problems") {
		t.Fatalf("many errors: %v", err)
	}
}

func TestParseJSONAndFormats(t *testing.T) {
	list := `[{"id": "WL1", "kind": "water_level", "unit": "m", "lat": 30.58, "lon": 114.30, "owner": "shuiwu.420102", "interval_s": 60, "grid": "x"}]`
	for _, tc := range []struct {
		f  Format
		in string
	}{
		{JSON, list},
		{JSON, goodGeoJSON},
		{GeoJSON, goodGeoJSON},
		{CSV, goodCSV},
	} {
		ss, err := Parse(strings.NewReader(tc.in), tc.f)
		if err != nil || len(ss) == 0 || ss[0].ID != "WL1" || ss[0].Lat != 30.58 || ss[0].Interval != time.Minute {
			t.Errorf("Parse %v: %+v, %v", tc.f, ss, err)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{`[3]`, "[0]: must be an object"},
		{`[{"id": "A", "kind": "aqi", "unit": "aqi", "lon": 1, "owner": "u", "interval": 60}]`, `[0] (sensor "A"): lat is required`},
		{`[{"id": "A", "kind": "aqi", "unit": "aqi", "lat": "1", "lon": 1, "owner": "u", "interval": 60}]`, `lat "1" is not a number`},
		{`[{"id": "A", "kind": "aqi", "unit": "aqi", "lat": 1, "lon": 1, "owner": "u", "interval_s": "60"}]`, `interval_s "60" is neither`},
		{`"sensors"`, "must be a list of sensors or a GeoJSON FeatureCollection"},
	} {
		if _, err := ParseJSON([]byte(tc.in)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseJSON(%s) = %v, want %q", tc.in, err, tc.want)
		}
	}
	for name, want := range map[string]Format{"a.csv": CSV, "A.GeoJSON": GeoJSON, "x/y.json": JSON, "noext": CSV} {
		if got := FormatOfFile(name); got != want {
			t.Errorf("FormatOfFile(%q) = %v, want %v", name, got, want)
		}
	}
}

func FuzzParseGeoJSON(f *testing.F) {
	f.Add([]byte(goodGeoJSON))
	f.Add([]byte(`{"type": "FeatureCollection", "features": [{"type": "Feature", "id": 1e400, "geometry": {"type": "Point", "coordinates": [1, 2, 3, 4]}, "properties": {"interval": -1}}]}`))
	f.Add([]byte(`[{"id": "A", "kind": "aqi", "unit": "aqi", "lat": 1, "lon": 1, "owner": "u", "interval_s": 0.5}]`))
	f.Fuzz(func(t *testing.T, in []byte) {
		ss, err := ParseJSON(in)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v does not wrap ErrInvalid", err)
			}
			return
		}
		r, err := New(ss, Options{})
		if err != nil {
			return
		}
		for _, s := range r.All() {
			if got, ok := r.Lookup(s.ID); !ok || r.Sensor(got).ID != s.ID {
				t.Fatalf("lookup of %q failed", s.ID)
			}
			if s.Interval < time.Second || s.Lat < -90 || s.Lat > 90 || s.Lon < -180 || s.Lon > 180 {
				t.Fatalf("sensor %+v accepted", s)
			}
		}
	})
}
