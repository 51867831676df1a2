package sense

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"yiwang/internal/geo"
	"yiwang/internal/sense/lineproto"
	"yiwang/internal/sense/registry"
	"yiwang/internal/sense/rules"
	"yiwang/internal/store"
	"yiwang/internal/store/memstore"
	"yiwang/internal/workflow"
)

// testChecks place points north of 30° in one grid (west of 114.5°) or
// another, and refuse the rest as outside Wuhan.
var testChecks = registry.Options{
	Locate: func(lat, lon float64) (geo.Chain, error) {
		if lat < 30 {
			return geo.Chain{}, geo.ErrOutside
		}
		g := "420102001001001"
		if lon > 114.5 {
			g = "420103002001001"
		}
		return geo.Chain{District: geo.AreaRef{Code: g[:6]}, Street: geo.AreaRef{Code: g[:9]},
			Community: geo.AreaRef{Code: g[:12]}, Grid: geo.AreaRef{Code: g}}, nil
	},
	KnownUnit: func(code string) bool { return strings.Contains(code, ".") },
}

type sensorsRig struct {
	t   *testing.T
	now time.Time
	p   *Pipeline
	srv *httptest.Server
}

func newSensorsRig(t *testing.T, st store.Store, spare int) *sensorsRig {
	t.Helper()
	g := &sensorsRig{t: t, now: t0}
	clock := func() time.Time { return g.now }
	wf, err := workflow.New(workflow.Options{Store: st, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	rs, err := rules.ParseBytes([]byte(testRules))
	if err != nil {
		t.Fatal(err)
	}
	g.p, err = New(Options{Registry: testRegistry(t), Rules: rs, RulesYAML: []byte(testRules), Documents: st, Cases: wf,
		Now: clock, MinHold: time.Nanosecond, TickEvery: time.Hour, SensorChecks: testChecks, SpareSensors: spare})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.p.LoadSensors(context.Background()); err != nil {
		t.Fatal(err)
	}
	g.srv = httptest.NewServer(g.p.Handler())
	t.Cleanup(g.srv.Close)
	return g
}

// write evaluates one line-protocol reading synchronously, a minute after
// the last, and reports whether it was accepted.
func (g *sensorsRig) write(line string) bool {
	g.t.Helper()
	g.now = g.now.Add(time.Minute)
	b, err := g.p.Ingester.NewBatch(g.now)
	if err != nil {
		g.t.Fatal(err)
	}
	n := g.p.Ingester.AddLines(b, new(lineproto.Parser), fmt.Appendf(nil, "%s %d", line, g.now.UnixNano()), "test")
	g.p.Process(context.Background(), b)
	g.p.Ingester.Discard(b)
	return n == 0
}

func (g *sensorsRig) do(method, path, ctype, ifMatch, body string) (int, http.Header, []byte) {
	g.t.Helper()
	req, _ := http.NewRequest(method, g.srv.URL+path, strings.NewReader(body))
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if ifMatch != "" {
		req.Header.Set("If-Match", ifMatch)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		g.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// call makes a request that must answer want with a SensorsUpdate.
func (g *sensorsRig) call(want int, method, path, ctype, ifMatch, body string) SensorsUpdate {
	g.t.Helper()
	code, _, b := g.do(method, path, ctype, ifMatch, body)
	return g.update(code, b, want)
}

func (g *sensorsRig) update(code int, b []byte, want int) SensorsUpdate {
	g.t.Helper()
	if code != want {
		g.t.Fatalf("status %d, want %d: %s", code, want, b)
	}
	var u SensorsUpdate
	if err := json.Unmarshal(b, &u); err != nil {
		g.t.Fatal(err)
	}
	return u
}

const csvHead = "id,kind,unit,lat,lon,owner,interval\n"
const csvWL1 = "WL1,water_level,m,30.5,114.3,shuiwu.420102,60\n"

// TestPutSensors replaces the registry over HTTP: unchanged sensors keep
// their readings and alarms, new ones take readings at once, removed ones
// are refused as unknown, and a stale version or a registry that would
// leave a rule without its sensor is refused.
func TestPutSensors(t *testing.T) {
	st := memstore.New(memstore.Options{})
	defer st.Close()
	g := newSensorsRig(t, st, 0)
	code, h, b := g.do("GET", "/sensors", "", "", "")
	if code != 200 || h.Get("ETag") != `"0"` || !strings.Contains(string(b), `"id":"P1"`) {
		t.Fatalf("GET /sensors: %d %s %s", code, h.Get("ETag"), b)
	}
	if !g.write("water_level,sensor=WL1,unit=m value=29") || len(g.p.Alarms.Open()) != 1 {
		t.Fatal("29 m raised no alarm")
	}
	wl1, _ := g.p.Registry.Lookup("WL1")

	// P1 goes, GS1 arrives, WL1 stays.
	code, h, b = g.do("PUT", "/sensors?actor=tester", "text/csv", `"0"`, csvHead+"GS1,gas_concentration,%LEL,30.6,114.6,ranqi.420103,30s\n"+csvWL1)
	u := g.update(code, b, 200)
	if h.Get("ETag") != `"1"` || u.Version != 1 || u.Sensors != 2 || u.UpdatedBy != "tester" || !slices.Equal(u.Added, []string{"GS1"}) ||
		!slices.Equal(u.Removed, []string{"P1"}) || u.Unchanged != 1 || len(u.Replaced)+len(u.Updated) != 0 {
		t.Fatalf("update %+v (ETag %s)", u, h.Get("ETag"))
	}
	if i, ok := g.p.Registry.Lookup("WL1"); !ok || i != wl1 {
		t.Fatalf("WL1 moved from slot %d to %d", wl1, i)
	}
	if l, ok := g.p.DB.Latest(wl1); !ok || l.V != 29 {
		t.Fatalf("WL1's reading lost: %v %v", l, ok)
	}
	if len(g.p.Alarms.Open()) != 1 {
		t.Fatalf("WL1's alarm lost: %+v", g.p.Alarms.Open())
	}
	if !g.write("gas_concentration,sensor=GS1,unit=%LEL value=3") {
		t.Fatalf("GS1's reading refused: %+v", g.p.Ingester.Stats().Rejected)
	}
	if g.write("pump_state,sensor=P1,unit=state value=1") || g.p.Ingester.Stats().Rejected["unknown_sensor"] != 1 {
		t.Fatalf("P1's reading after its removal: %+v", g.p.Ingester.Stats().Rejected)
	}
	// The stored document is the registry: another node picks it up.
	d, err := st.GetDocument(context.Background(), SensorsDocument)
	if err != nil || d.Version != 1 || !strings.Contains(string(d.Body), `"GS1"`) {
		t.Fatalf("document %+v, %v", d, err)
	}
	g2 := newSensorsRig(t, st, 0)
	if _, err := g2.p.Registry.Get("GS1"); err != nil || g2.p.Sensors().Version != 1 || g2.p.Registry.Count() != 2 {
		t.Fatalf("second node: %v, %+v", err, g2.p.Sensors())
	}

	// Refusals change nothing.
	for _, tc := range []struct {
		name, ctype, ifMatch, body string
		code                       int
		want                       []string
	}{
		{"stale", "text/csv", `"0"`, csvHead + csvWL1, 409, []string{"expected version 0", "read the sensors again"}},
		{"no If-Match", "text/csv", "", csvHead + csvWL1, 428, []string{"If-Match is required"}},
		{"media type", "text/plain", `"1"`, csvHead + csvWL1, 415, []string{"text/csv, application/geo+json or application/json"}},
		{"rules need WL1", "text/csv", `"1"`, csvHead + "GS1,gas_concentration,%LEL,30.6,114.6,ranqi.420103,30s\n", 422,
			[]string{`rule "wl-high": unknown sensor "WL1"`, `rule "wl-stale": unknown sensor "WL1"`, "rules in force (version 0)"}},
		{"every problem", "text/csv", `"1"`, csvHead + csvWL1 +
			"A,weather,m,30.5,114.3,u.1,60\n" +
			"B,water_level,cm,30.5,114.3,u.1,60\n" +
			"C,rainfall,mm,20.5,114.3,u.1,60\n" +
			"WL1,water_level,m,30.5,114.3,shuiwu.420102,60\n" +
			"D,aqi,aqi,30.5,114.3,u.1,0\n" +
			"E,aqi,aqi,30.5,114.3,nobody,60\n", 422,
			[]string{`sensor "A": unknown kind "weather"`, `sensor "B": unit "cm" is not a unit of water_level`,
				`sensor "C": location: point is outside Wuhan`, `sensor "WL1": duplicate id`,
				`sensor "D": reporting interval 0s`, `sensor "E": unknown owner unit "nobody"`}},
		{"syntax", "text/csv", `"1"`, csvHead + "A,aqi,aqi,x,1,u.1,60\n", 422, []string{`line 2: lat "x"`}},
		{"bad GeoJSON", "application/geo+json", `"1"`, `{"type": "FeatureCollection", "features": [{"type": "Feature"}]}`, 422,
			[]string{"features[0]: properties are required"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, b := g.do("PUT", "/sensors", tc.ctype, tc.ifMatch, tc.body)
			if code != tc.code {
				t.Fatalf("status %d, want %d: %s", code, tc.code, b)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(b), strings.ReplaceAll(w, `"`, `\"`)) {
					t.Errorf("answer %s lacks %s", b, w)
				}
			}
			if code == 422 {
				var e SensorsError
				if err := json.Unmarshal(b, &e); err != nil || len(e.Errors) < len(tc.want)-1 {
					t.Errorf("422 body %s: %v", b, err)
				}
			}
		})
	}
	if v := g.p.Sensors().Version; v != 1 || g.p.Registry.Count() != 2 {
		t.Fatalf("a refusal changed the registry: version %d, %d sensors", v, g.p.Registry.Count())
	}

	// GeoJSON and JSON replace it too; the JSON GET answers is a valid PUT.
	geo := `{"type": "FeatureCollection", "features": [
	  {"type": "Feature", "geometry": {"type": "Point", "coordinates": [114.3, 30.5]}, "properties": {"id": "WL1", "kind": "water_level", "unit": "m", "owner": "shuiwu.420102", "interval": 60}},
	  {"type": "Feature", "geometry": {"type": "Point", "coordinates": [114.3, 30.5]}, "properties": {"id": "P1", "kind": "pump_state", "unit": "state", "owner": "shuiwu.420102", "interval": "1m"}}]}`
	u = g.call(200, "PUT", "/sensors", "application/geo+json", `"1"`, geo)
	if u.Version != 2 || !slices.Equal(u.Added, []string{"P1"}) || !slices.Equal(u.Removed, []string{"GS1"}) {
		t.Fatalf("GeoJSON update %+v", u)
	}
	if i, _ := g.p.Registry.Lookup("P1"); i != 1 {
		t.Fatalf("P1 came back in slot %d, not its old 1", i)
	}
	_, _, list := g.do("GET", "/sensors", "", "", "")
	u = g.call(200, "PUT", "/sensors", "application/json", "*", string(list))
	if u.Version != 3 || u.Unchanged != 2 {
		t.Fatalf("JSON round trip %+v", u)
	}
	code, h, b = g.do("GET", "/sensors?format=geojson", "", "", "")
	if code != 200 || h.Get("Content-Type") != "application/geo+json" || !strings.Contains(string(b), `"coordinates":[114.3,30.5]`) {
		t.Fatalf("GeoJSON GET %d %s", code, b)
	}
}

// TestSensorOneByOne adds, changes and removes single sensors.
func TestSensorOneByOne(t *testing.T) {
	st := memstore.New(memstore.Options{})
	defer st.Close()
	g := newSensorsRig(t, st, 0)
	gs := `{"id": "GS1", "kind": "gas_concentration", "unit": "%LEL", "lat": 30.6, "lon": 114.6, "owner": "ranqi.420103", "interval": "30s"}`
	u := g.call(201, "POST", "/sensors", "application/json", "", gs)
	if u.Version != 1 || !slices.Equal(u.Added, []string{"GS1"}) {
		t.Fatalf("POST %+v", u)
	}
	code, _, b := g.do("GET", "/sensors/GS1", "", "", "")
	if code != 200 || !strings.Contains(string(b), `"grid":"420103002001001"`) {
		t.Fatalf("GET one: %d %s", code, b)
	}
	if !g.write("gas_concentration,sensor=GS1,unit=%LEL value=3") {
		t.Fatal("GS1's reading refused")
	}
	old, _ := g.p.Registry.Lookup("GS1")
	// A new unit is a new series; a move keeps it.
	u = g.call(200, "POST", "/sensors", "application/json", `"1"`, strings.Replace(gs, "%LEL", "ppm", 1))
	if !slices.Equal(u.Replaced, []string{"GS1"}) {
		t.Fatalf("unit change %+v", u)
	}
	if i, _ := g.p.Registry.Lookup("GS1"); i == old {
		t.Fatal("a sensor with a new unit kept its old series")
	} else if _, ok := g.p.DB.Latest(i); ok {
		t.Fatal("a sensor with a new unit kept its readings in %LEL")
	}
	u = g.call(200, "POST", "/sensors", "application/json", "", strings.Replace(strings.Replace(gs, "%LEL", "ppm", 1), "114.6", "114.7", 1))
	if !slices.Equal(u.Updated, []string{"GS1"}) {
		t.Fatalf("move %+v", u)
	}
	for _, tc := range []struct {
		method, path, ctype, body string
		code                      int
		want                      string
	}{
		{"POST", "/sensors", "application/json", `[` + gs + `]`, 400, "one sensor as a JSON object"},
		{"POST", "/sensors", "application/json", `{"id": "X", "kind": "aqi"}`, 422, `unit is required`},
		{"POST", "/sensors", "text/csv", gs, 415, "application/json"},
		{"DELETE", "/sensors/NOPE", "", "", 404, `unknown sensor \"NOPE\"`},
		{"DELETE", "/sensors/WL1", "", "", 422, `rule \"wl-high\": unknown sensor \"WL1\"`},
		{"GET", "/sensors/NOPE", "", "", 404, "unknown sensor"},
	} {
		code, _, b := g.do(tc.method, tc.path, tc.ctype, "", tc.body)
		if code != tc.code || !strings.Contains(string(b), tc.want) {
			t.Errorf("%s %s: %d %s, want %d %s", tc.method, tc.path, code, b, tc.code, tc.want)
		}
	}
	u = g.call(200, "DELETE", "/sensors/GS1", "", "", "")
	if !slices.Equal(u.Removed, []string{"GS1"}) || u.Sensors != 2 {
		t.Fatalf("DELETE %+v", u)
	}
}

// TestSensorsCapacity: the store's series are sized at start, with spare
// room; adding beyond it is refused with the reason.
func TestSensorsCapacity(t *testing.T) {
	st := memstore.New(memstore.Options{})
	defer st.Close()
	g := newSensorsRig(t, st, -1)
	code, _, b := g.do("POST", "/sensors", "application/json", "",
		`{"id": "GS1", "kind": "gas_concentration", "unit": "%LEL", "lat": 30.6, "lon": 114.6, "owner": "ranqi.420103", "interval": 30}`)
	if code != 422 || !strings.Contains(string(b), "would need 3 series") {
		t.Fatalf("%d %s", code, b)
	}
	// Removing needs no room.
	if u := g.call(200, "DELETE", "/sensors/P1", "", "", ""); !slices.Equal(u.Removed, []string{"P1"}) {
		t.Fatalf("DELETE %+v", u)
	}
}

// TestSensorsSwapUnderLoad replaces the registry over and over while
// readings stream in through the running pipeline (run it with -race):
// every reading of the sensor that always stays is stored, readings of
// sensors that come and go are stored or counted as unknown, never lost
// or misfiled.
func TestSensorsSwapUnderLoad(t *testing.T) {
	st := memstore.New(memstore.Options{})
	defer st.Close()
	g := newSensorsRig(t, st, 0)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- g.p.Run(ctx) }()
	const n = 400
	base := time.Date(2026, 7, 1, 7, 0, 0, 0, time.UTC) // within MaxPast of the rig's clock
	writes := make(chan error, 1)
	go func() {
		for i := range n {
			ts := base.Add(time.Duration(i) * time.Second).UnixNano()
			body := fmt.Sprintf("water_level,sensor=WL1,unit=m value=%d %d\ngas_concentration,sensor=GS1,unit=%%LEL value=%d %d\n", i%20, ts, i%7, ts)
			for {
				resp, err := http.Post(g.srv.URL+"/write", "text/plain", strings.NewReader(body))
				if err != nil {
					writes <- err
					return
				}
				resp.Body.Close()
				// 400: a GS1 reading was refused (unknown or in the
				// other unit), the WL1 one kept.
				if resp.StatusCode == http.StatusNoContent || resp.StatusCode == http.StatusBadRequest {
					break
				}
				if resp.StatusCode != http.StatusTooManyRequests {
					writes <- fmt.Errorf("write %d: %s", i, resp.Status)
					return
				}
			}
		}
		writes <- nil
	}()
	lists := []string{
		csvHead + csvWL1 + "GS1,gas_concentration,%LEL,30.6,114.6,ranqi.420103,30s\n",
		csvHead + csvWL1,
		csvHead + "GS1,gas_concentration,ppm,30.6,114.6,ranqi.420103,30s\n" + csvWL1 + "P1,pump_state,state,30.5,114.3,shuiwu.420102,60\n",
	}
	var err error
	finished := false
	for i := 0; i < 2*len(lists) || !finished; i++ {
		g.call(200, "PUT", "/sensors", "text/csv", "*", lists[i%len(lists)])
		select {
		case err = <-writes:
			finished = true
		default:
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	if v := g.p.Sensors().Version; v < 2*len(lists) {
		t.Fatalf("version %d after the swaps", v)
	}
	wl1, _ := g.p.Registry.Lookup("WL1")
	// Holding every queue slot means every batch before was processed.
	for range DefaultQueueBatches {
		b, err := g.p.Ingester.WaitBatch(ctx, g.now)
		if err != nil {
			t.Fatal(err)
		}
		defer g.p.Ingester.Discard(b)
	}
	got, err := g.p.DB.Range(wl1, base.UnixNano(), base.Add(n*time.Second).UnixNano())
	if err != nil || len(got) != n {
		t.Fatalf("WL1 kept %d of %d readings (%v); stats %+v", len(got), n, err, g.p.Ingester.Stats())
	}
	st2 := g.p.Ingester.Stats()
	if gs := st2.Accepted - n + st2.Rejected["unknown_sensor"] + st2.Rejected["unit_mismatch"]; gs != n {
		t.Fatalf("GS1: %d readings accounted for, want %d; stats %+v", gs, n, st2)
	}
	cancel()
	<-done
}

// TestSensorPostsConcurrent: sensors added one by one at the same time
// are all kept (each edit reads and replaces the registry under one lock).
func TestSensorPostsConcurrent(t *testing.T) {
	st := memstore.New(memstore.Options{})
	defer st.Close()
	g := newSensorsRig(t, st, 0)
	const n = 10
	errc := make(chan error, n)
	for i := range n {
		go func() {
			body := fmt.Sprintf(`{"id": "AQ%d", "kind": "aqi", "unit": "aqi", "lat": 30.6, "lon": 114.6, "owner": "huanbao.420103", "interval": 60}`, i)
			req, _ := http.NewRequest(http.MethodPost, g.srv.URL+"/sensors", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode != http.StatusCreated {
					err = fmt.Errorf("AQ%d: %s", i, resp.Status)
				}
			}
			errc <- err
		}()
	}
	for range n {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	if c, v := g.p.Registry.Count(), g.p.Sensors().Version; c != 2+n || v != n {
		t.Fatalf("%d sensors at version %d, want %d at %d", c, v, 2+n, n)
	}
}
