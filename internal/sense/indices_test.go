package sense

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"yiwang/internal/geo"
	"yiwang/internal/sense/registry"
	"yiwang/internal/store/memstore"
)

// testIndices are today's waterlogging risk and a congestion index.
const testIndices = `
indices:
  - id: waterlogging_risk
    name: 内涝风险指数
    level: district
    combine: product
    terms:
      - {aggregate: share_at_or_above, kind: water_level, threshold: 2}
      - {aggregate: max, kind: rainfall, scale: 30, weight: 0.5, offset: 0.5, if_missing: 0}
  - id: congestion
    name: 交通拥堵指数
    level: district
    scale: 10
    max_age: 15m
    terms:
      - {aggregate: mean, kind: traffic_speed, scale: 60, invert: true, weight: 0.7}
      - {aggregate: mean, kind: traffic_flow, scale: 2000, weight: 0.3}
`

func TestParseIndicesErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		doc  string
		want []string // each must appear in one of the errors
	}{
		{"empty is valid", `indices: []`, nil},
		{"nothing is valid", ``, nil},
		{"demo-like is valid", testIndices, nil},
		{"not yaml", `indices: [`, []string{"parsing:"}},
		{"unknown field", `{indices: [{id: a, name: A, level: district, colour: red, terms: [{aggregate: max, kind: rainfall, scale: 1}]}]}`, []string{"colour"}},
		{"unknown kind", `{indices: [{id: a, name: A, level: district, terms: [{aggregate: max, kind: snowfall, scale: 1}]}]}`,
			[]string{`indices[0] (a): terms[0]: unknown sensor kind "snowfall"`}},
		{"unknown aggregate", `{indices: [{id: a, name: A, level: district, terms: [{aggregate: median, kind: rainfall, scale: 1}]}]}`,
			[]string{`unknown aggregate "median"`}},
		{"missing threshold", `{indices: [{id: a, name: A, level: district, terms: [{aggregate: share_at_or_above, kind: water_level}]}]}`,
			[]string{"threshold is required for share_at_or_above"}},
		{"threshold on max", `{indices: [{id: a, name: A, level: district, terms: [{aggregate: max, kind: rainfall, scale: 30, threshold: 2}]}]}`,
			[]string{"threshold applies to share_at_or_above only"}},
		{"missing scale", `{indices: [{id: a, name: A, level: district, terms: [{aggregate: mean, kind: rainfall}]}]}`,
			[]string{"scale is required for mean"}},
		{"negative scale", `{indices: [{id: a, name: A, level: district, terms: [{aggregate: min, kind: rainfall, scale: -3}]}]}`,
			[]string{"scale must be a positive number, not -3"}},
		{"zero weight", `{indices: [{id: a, name: A, level: district, terms: [{aggregate: max, kind: rainfall, scale: 3, weight: 0}]}]}`,
			[]string{"weight 0 makes the term a constant"}},
		{"weights over 1", `{indices: [{id: a, name: A, level: district, terms: [{aggregate: max, kind: rainfall, scale: 3, weight: 0.8}, {aggregate: max, kind: water_level, scale: 3, weight: 0.5}]}]}`,
			[]string{"sum ranges over 0..1.3"}},
		{"negative product", `{indices: [{id: a, name: A, level: district, combine: product, terms: [{aggregate: max, kind: rainfall, scale: 3, weight: -1}]}]}`,
			[]string{"product ranges over -1..0"}},
		{"duplicate ids", `{indices: [{id: a, name: A, level: district, terms: [{aggregate: max, kind: rainfall, scale: 1}]}, {id: a, name: B, level: street, terms: [{aggregate: max, kind: rainfall, scale: 1}]}]}`,
			[]string{`indices[1] (a): duplicate id "a"`}},
		{"unknown level", `{indices: [{id: a, name: A, level: city, terms: [{aggregate: max, kind: rainfall, scale: 1}]}]}`,
			[]string{`unknown area level "city"`}},
		{"no level", `{indices: [{id: a, name: A, terms: [{aggregate: max, kind: rainfall, scale: 1}]}]}`,
			[]string{"level (district or street) or areas is required"}},
		{"level and areas", `{indices: [{id: a, name: A, level: district, areas: ["420102"], terms: [{aggregate: max, kind: rainfall, scale: 1}]}]}`,
			[]string{"give level or areas, not both"}},
		{"bad and unknown areas", `{indices: [{id: a, name: A, areas: ["4201", "420199", "420102", "420102"], terms: [{aggregate: max, kind: rainfall, scale: 1}]}]}`,
			[]string{`areas[0]: "4201" is not an area code`, "areas[1]: unknown area 420199", "areas[3]: duplicate area 420102"}},
		{"bad combine, id, name, max_age, no terms", `{indices: [{id: "A b", level: district, combine: avg, max_age: soon, terms: []}]}`,
			[]string{"must be a lower-case letter", "name is required", `combine must be sum or product, not "avg"`, `max_age "soon"`, "at least one term"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseIndices([]byte(c.doc), IndexOptions{KnownArea: func(code string) bool { return code != "420199" }})
			if len(c.want) == 0 {
				if err != nil {
					t.Fatalf("ParseIndices: %v", err)
				}
				return
			}
			var ie *IndicesError
			if !errors.As(err, &ie) || !errors.Is(err, ErrInvalidIndices) {
				t.Fatalf("ParseIndices = %v, want an *IndicesError", err)
			}
			for _, w := range c.want {
				if !slices.ContainsFunc(ie.Errors, func(e string) bool { return strings.Contains(e, w) }) {
					t.Errorf("no error says %q in %q", w, ie.Errors)
				}
			}
			if len(ie.Errors) < len(c.want) {
				t.Errorf("%d errors listed, want at least %d: %q", len(ie.Errors), len(c.want), ie.Errors)
			}
		})
	}
}

// waterloggingRisk is the formula the hard-coded gauge computed.
func waterloggingRisk(share, rain, heavy float64) float64 {
	return share * (0.5 + 0.5*min(1, max(0, rain)/heavy))
}

// congestion is the test's congestion index, computed at run time (a
// constant expression would be exact, not float64).
func congestion(speed, flow float64) float64 {
	return (0 + 0.7*(1-min(1, speed/60)) + 0.3*min(1, flow/2000)) * 10
}

func TestComputeIndex(t *testing.T) {
	defs, err := ParseIndices([]byte(testIndices+`
  - id: lows
    name: 最低与最高
    areas: ["420102"]
    terms:
      - {aggregate: min, kind: water_level, scale: 4, weight: 0.5}
      - {aggregate: max, kind: water_level, scale: 4, weight: 0.5}
`), IndexOptions{})
	if err != nil {
		t.Fatal(err)
	}
	risk, cong, lows := defs[0], defs[1], defs[2]
	now := t0
	fresh, stale := now.Add(-time.Minute), now.Add(-2*time.Hour)
	wl := func(v float64, at time.Time) indexReading {
		return indexReading{kind: "water_level", has: true, t: at, v: v}
	}
	rf := func(v float64) indexReading { return indexReading{kind: "rainfall", has: true, t: fresh, v: v} }
	silent := func(kind string) indexReading { return indexReading{kind: kind} }
	for _, c := range []struct {
		name   string
		x      *Index
		rs     []indexReading
		want   *float64 // nil: no value
		inputs string   // of the first term
	}{
		{"no sensors at all", risk, nil, nil, "0 of 0 water_level sensors reporting"},
		{"water sensors never reported", risk, []indexReading{silent("water_level"), rf(40)}, nil, "0 of 1 water_level sensors reporting"},
		{"water readings too old", risk, []indexReading{wl(3, stale), rf(40)}, nil, "0 of 1 water_level sensors reporting"},
		{"all over, heavy rain", risk, []indexReading{wl(2.5, fresh), wl(2.1, fresh), rf(45)}, ptr(1.0), "2 of 2 water_level sensors reporting"},
		{"at the line counts", risk, []indexReading{wl(2, fresh), wl(1.9, fresh), rf(15)}, ptr(waterloggingRisk(0.5, 15, 30)), "2 of 2 water_level sensors reporting"},
		{"no rain sensor: no rain", risk, []indexReading{wl(2, fresh), wl(1, fresh), wl(1, fresh)}, ptr(waterloggingRisk(1.0/3, 0, 30)), "3 of 3 water_level sensors reporting"},
		{"negative rain is none", risk, []indexReading{wl(2, fresh), rf(-5)}, ptr(0.5), "1 of 1 water_level sensors reporting"},
		{"one of two stale", risk, []indexReading{wl(2.2, fresh), wl(2.2, stale), rf(10), rf(20)}, ptr(waterloggingRisk(1, 20, 30)), "1 of 2 water_level sensors reporting"},
		{"dry", risk, []indexReading{wl(0.6, fresh), rf(60)}, ptr(0.0), "1 of 1 water_level sensors reporting"},
		{"congestion", cong, []indexReading{{kind: "traffic_speed", has: true, t: fresh, v: 30}, {kind: "traffic_flow", has: true, t: fresh, v: 1000},
			{kind: "traffic_flow", has: true, t: fresh, v: 3000}}, ptr(congestion(30, 2000)), "1 of 1 traffic_speed sensors reporting"},
		{"congestion without flow", cong, []indexReading{{kind: "traffic_speed", has: true, t: fresh, v: 30}}, nil, "1 of 1 traffic_speed sensors reporting"},
		{"congestion 15 min window", cong, []indexReading{{kind: "traffic_speed", has: true, t: now.Add(-16 * time.Minute), v: 30},
			{kind: "traffic_flow", has: true, t: fresh, v: 10}}, nil, "0 of 1 traffic_speed sensors reporting"},
		{"min and max", lows, []indexReading{wl(1, fresh), wl(3, fresh), wl(2, fresh), wl(9, stale)}, ptr(0.5*0.25 + 0.5*0.75), "3 of 4 water_level sensors reporting"},
	} {
		t.Run(c.name, func(t *testing.T) {
			av := c.x.compute(c.rs, now)
			switch {
			case c.want == nil && av.Value != nil:
				t.Errorf("value %g, want none", *av.Value)
			case c.want != nil && av.Value == nil:
				t.Errorf("no value, want %g", *c.want)
			case c.want != nil && *av.Value != *c.want:
				t.Errorf("value %v, want exactly %v", *av.Value, *c.want)
			}
			if av.Terms[0].Inputs != c.inputs {
				t.Errorf("inputs %q, want %q", av.Terms[0].Inputs, c.inputs)
			}
		})
	}
}

func ptr(f float64) *float64 { return &f }

// indexRegistry has sensors in two districts (420102: two water levels,
// a rain gauge, traffic; 420103: one water level); a third district,
// 420104, has none.
func indexRegistry(t testing.TB) *registry.Registry {
	t.Helper()
	s := func(id string, k registry.Kind, unit string, lat float64) registry.Sensor {
		return registry.Sensor{ID: id, Kind: k, Unit: unit, Lat: lat, Lon: 114.3, Owner: "shuiwu.420102", Interval: time.Minute}
	}
	r, err := registry.New([]registry.Sensor{
		s("WL1", registry.WaterLevel, "m", 30.5), s("WL2", registry.WaterLevel, "m", 30.5), s("RF1", registry.Rainfall, "mm/h", 30.5),
		s("TS1", registry.TrafficSpeed, "km/h", 30.5), s("TF1", registry.TrafficFlow, "veh/h", 30.5),
		s("WL3", registry.WaterLevel, "m", 30.6),
	}, registry.Options{Locate: func(lat, lon float64) (geo.Chain, error) {
		d := "420102"
		if lat > 30.55 {
			d = "420103"
		}
		return geo.Chain{District: geo.AreaRef{Code: d, Name: "区" + d}, Street: geo.AreaRef{Code: d + "001"},
			Community: geo.AreaRef{Code: d + "001001"}, Grid: geo.AreaRef{Code: d + "001001001"}}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func indexPipeline(t testing.TB, docs Documents, clock func() time.Time) *Pipeline {
	t.Helper()
	areas := func(level string) []IndexArea {
		if level != LevelDistrict {
			return nil
		}
		return []IndexArea{{"420102", "江岸区"}, {"420103", "江汉区"}, {"420104", "硚口区"}}
	}
	p, err := New(Options{Registry: indexRegistry(t), Cases: noCases{}, Now: clock, Indices: []byte(testIndices),
		IndexAreas: areas, Documents: docs, TickEvery: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func appendReading(t testing.TB, p *Pipeline, id string, at time.Time, v float64) {
	t.Helper()
	i, ok := p.Registry.Lookup(id)
	if !ok {
		t.Fatalf("no sensor %s", id)
	}
	if err := p.DB.Append(i, at.UnixNano(), v); err != nil {
		t.Fatal(err)
	}
}

// TestIndicesOnPipeline computes the indices over a small registry at an
// explicit time.
func TestIndicesOnPipeline(t *testing.T) {
	p := indexPipeline(t, nil, func() time.Time { return t0 })
	if s := p.IndexValues(); s == nil || s.Seq != 1 {
		t.Fatalf("New computes once: %+v", s)
	}
	appendReading(t, p, "WL1", t0, 2.4)
	appendReading(t, p, "RF1", t0, 15)
	appendReading(t, p, "WL3", t0, 1.0)
	appendReading(t, p, "TS1", t0, 45)
	appendReading(t, p, "TF1", t0, 500)
	s := p.ComputeIndices(t0.Add(time.Minute))
	if s.Seq != 2 || !s.ComputedAt.Equal(t0.Add(time.Minute)) || len(s.Indices) != 2 {
		t.Fatalf("snapshot %d at %v with %d indices", s.Seq, s.ComputedAt, len(s.Indices))
	}
	got := map[string]*float64{}
	var inputs []string
	for _, iv := range s.Indices {
		for _, v := range iv.Values {
			got[iv.Index.ID+"/"+v.Area] = v.Value
			if iv.Index.ID == "waterlogging_risk" {
				inputs = append(inputs, v.Area+": "+v.Terms[0].Inputs+", "+v.Terms[1].Inputs)
			}
		}
	}
	for _, c := range []struct {
		key  string
		want *float64
	}{
		{"waterlogging_risk/420102", ptr(waterloggingRisk(1, 15, 30))}, // WL2 never reported
		{"waterlogging_risk/420103", ptr(0.0)},                         // no rain gauge: no rain
		{"waterlogging_risk/420104", nil},                              // no sensors
		{"congestion/420102", ptr(congestion(45, 500))},
		{"congestion/420103", nil},
	} {
		g, ok := got[c.key]
		switch {
		case !ok:
			t.Errorf("%s: not computed", c.key)
		case (g == nil) != (c.want == nil) || g != nil && *g != *c.want:
			t.Errorf("%s = %v, want %v", c.key, fmtPtr(g), fmtPtr(c.want))
		}
	}
	want := []string{
		"420102: 1 of 2 water_level sensors reporting, 1 of 1 rainfall sensors reporting",
		"420103: 1 of 1 water_level sensors reporting, 0 of 0 rainfall sensors reporting; 0 assumed",
		"420104: 0 of 0 water_level sensors reporting, 0 of 0 rainfall sensors reporting; 0 assumed",
	}
	if !slices.Equal(inputs, want) {
		t.Errorf("inputs\n%q\nwant\n%q", inputs, want)
	}
	// Readings go stale: an hour and a bit later, no value.
	s = p.ComputeIndices(t0.Add(61 * time.Minute))
	if v := s.Indices[0].Values[0].Value; v != nil {
		t.Errorf("stale readings still give %g", *v)
	}
}

// TestIndicesStreetsFromRegistry: without Options.IndexAreas the areas
// of a level are those of the registry's sensors, and a definition put in
// force is computed at once.
func TestIndicesStreetsFromRegistry(t *testing.T) {
	p, err := New(Options{Registry: indexRegistry(t), Cases: noCases{}, Now: func() time.Time { return t0 }, TickEvery: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if s := p.IndexValues(); s == nil || len(s.Indices) != 0 {
		t.Fatalf("no definitions: %+v", s)
	}
	appendReading(t, p, "WL3", t0, 3)
	set, err := p.PutIndices(context.Background(), []byte(`{indices: [{id: wl_max, name: 最高水位, level: street, terms: [{aggregate: max, kind: water_level, scale: 4}]}]}`), 0, "t")
	if err != nil || set.Version != 1 {
		t.Fatalf("PutIndices: %v %+v", err, set)
	}
	s := p.IndexValues()
	if s.Seq != 2 || s.Version != 1 || len(s.Indices) != 1 {
		t.Fatalf("not computed at once: %+v", s)
	}
	var got []string
	for _, v := range s.Indices[0].Values {
		got = append(got, v.Area+"="+fmtPtr(v.Value))
	}
	if want := []string{"420102001=null", "420103001=0.75"}; !slices.Equal(got, want) {
		t.Errorf("street values %q, want %q", got, want)
	}
	if _, err := p.PutIndices(context.Background(), []byte(`{indices: []}`), 0, "t"); !errors.Is(err, ErrIndicesConflict) {
		t.Errorf("stale PutIndices: %v", err)
	}
}

func fmtPtr(f *float64) string {
	if f == nil {
		return "null"
	}
	return fmt.Sprint(*f)
}

// TestIndicesHTTP reads and replaces the definitions, stored as a
// document a second node picks up.
func TestIndicesHTTP(t *testing.T) {
	st := memstore.New(memstore.Options{})
	defer st.Close()
	clock := func() time.Time { return t0 }
	p := indexPipeline(t, st, clock)
	srv := httptest.NewServer(p.Handler())
	defer srv.Close()
	do := func(method, path, ctype, ifMatch, body string) (int, http.Header, string) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		if ifMatch != "" {
			req.Header.Set("If-Match", ifMatch)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(b)
	}
	code, h, body := do("GET", "/indices", "", "", "")
	if code != 200 || h.Get("ETag") != `"0"` || !strings.Contains(body, `"id":"waterlogging_risk"`) {
		t.Fatalf("GET /indices: %d %s %s", code, h.Get("ETag"), body)
	}
	const one = `{"indices": [{"id": "rain", "name": "雨情", "areas": ["420102"], "terms": [{"aggregate": "max", "kind": "rainfall", "scale": 50}]}]}`
	for _, c := range []struct {
		name, ctype, ifMatch, body string
		code                       int
		has                        string
	}{
		{"wrong type", "text/plain", "0", one, 415, "application/yaml"},
		{"no If-Match", "application/json", "", one, 428, "If-Match is required"},
		{"invalid lists every error", "application/yaml", "0", `{indices: [{id: a, level: town, terms: [{aggregate: max, kind: snow}]}]}`, 422,
			`"errors":["indices[0] (a): name is required","indices[0] (a): unknown area level \"town\" (district or street)","indices[0] (a): terms[0]: unknown sensor kind \"snow\"","indices[0] (a): terms[0]: scale is required for max (the value counted as 1)"]`},
		{"stale version", "application/json", "3", one, 409, "read the definitions again"},
		{"bad If-Match", "application/json", "v3", one, 400, "version of the index definitions"},
		{"replaced", "application/json", `"0"`, one, 200, `"version":1`},
		{"replaced again with *", "application/json", "*", one, 200, `"version":2`},
	} {
		code, _, body := do("PUT", "/indices?actor=tester", c.ctype, c.ifMatch, c.body)
		if code != c.code || !strings.Contains(body, c.has) {
			t.Errorf("%s: %d %s, want %d with %s", c.name, code, body, c.code, c.has)
		}
	}
	appendReading(t, p, "RF1", t0, 25)
	p.ComputeIndices(t0)
	code, _, body = do("GET", "/indices/values?index=rain&area=420102", "", "", "")
	var snap IndexSnapshot
	if err := json.Unmarshal([]byte(body), &snap); code != 200 || err != nil || len(snap.Indices) != 1 || len(snap.Indices[0].Values) != 1 ||
		fmtPtr(snap.Indices[0].Values[0].Value) != "0.5" || snap.Version != 2 || snap.Indices[0].Values[0].Terms[0].Inputs != "1 of 1 rainfall sensors reporting" {
		t.Fatalf("GET /indices/values: %d %v %s", code, err, body)
	}
	if code, _, _ := do("GET", "/indices/values?index=nope", "", "", ""); code != 404 {
		t.Errorf("unknown index: %d, want 404", code)
	}
	// Another node over the same store follows.
	q := indexPipeline(t, st, clock)
	if ok, err := q.RefreshIndices(context.Background()); !ok || err != nil || q.Indices().Version != 2 || q.Indices().Definitions[0].ID != "rain" {
		t.Fatalf("RefreshIndices: %v %v %+v", ok, err, q.Indices())
	}
}

// TestIndicesStream reads the stream's first event and then two
// computations driven by explicit times.
func TestIndicesStream(t *testing.T) {
	p := indexPipeline(t, nil, func() time.Time { return t0 })
	srv := httptest.NewServer(p.Handler())
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/indices/stream", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	rd := bufio.NewReader(resp.Body)
	next := func() IndexSnapshot {
		t.Helper()
		var id, event, data string
		for {
			line, err := rd.ReadString('\n')
			if err != nil {
				t.Fatalf("reading the stream: %v", err)
			}
			line = strings.TrimRight(line, "\n")
			if line == "" && data != "" {
				break
			}
			k, v, _ := strings.Cut(line, ": ")
			switch k {
			case "id":
				id = v
			case "event":
				event = v
			case "data":
				data = v
			}
		}
		var s IndexSnapshot
		if err := json.Unmarshal([]byte(data), &s); err != nil || event != "indices" || id != fmt.Sprint(s.Seq) {
			t.Fatalf("event %q id %q: %v %s", event, id, err, data)
		}
		return s
	}
	if s := next(); s.Seq != 1 {
		t.Fatalf("first event is computation %d, want 1 (New's)", s.Seq)
	}
	appendReading(t, p, "WL1", t0, 2.4)
	appendReading(t, p, "WL2", t0, 2.0)
	p.ComputeIndices(t0.Add(time.Minute))
	s := next()
	if v := s.Indices[0].Values[0].Value; s.Seq != 2 || !s.ComputedAt.Equal(t0.Add(time.Minute)) || v == nil || *v != 0.5 {
		t.Fatalf("second event: seq %d at %v value %s", s.Seq, s.ComputedAt, fmtPtr(v))
	}
	appendReading(t, p, "RF1", t0.Add(2*time.Minute), 60)
	p.ComputeIndices(t0.Add(2 * time.Minute))
	s = next()
	if v := s.Indices[0].Values[0].Value; s.Seq != 3 || v == nil || *v != 1 {
		t.Fatalf("third event: seq %d value %s", s.Seq, fmtPtr(v))
	}
}

// FuzzParseIndices: the parser never panics, and what it accepts
// round-trips through JSON to the same definitions.
func FuzzParseIndices(f *testing.F) {
	f.Add([]byte(testIndices))
	f.Add([]byte(`{"indices": [{"id": "rain", "name": "雨情", "areas": ["420102"], "terms": [{"aggregate": "max", "kind": "rainfall", "scale": 50}]}]}`))
	f.Add([]byte(`indices: [{id: a, level: town, terms: [{aggregate: max, kind: snow}]}]`))
	f.Add([]byte("indices:\n  - &a {id: x}\n  - *a\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		defs, err := ParseIndices(b, IndexOptions{})
		if err != nil {
			var ie *IndicesError
			if !errors.As(err, &ie) || len(ie.Errors) == 0 {
				t.Fatalf("error %v is not an *IndicesError with messages", err)
			}
			return
		}
		doc := IndexDoc{Indices: definitions(defs)}
		j, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseIndices(j, IndexOptions{})
		if err != nil {
			t.Fatalf("accepted definitions do not parse back from %s: %v", j, err)
		}
		j2, _ := json.Marshal(IndexDoc{Indices: definitions(again)})
		if string(j) != string(j2) {
			t.Fatalf("round trip changed\n%s\n%s", j, j2)
		}
		for _, x := range defs {
			if lo, hi := x.bounds(); lo < -1e-9 || hi > 1+1e-9 {
				t.Fatalf("%s accepted with range %g..%g", x.Def.ID, lo, hi)
			}
		}
	})
}
