package platform

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"yiwang/internal/sense"
	"yiwang/internal/sense/registry"
)

// TestSenseSensorsAPI loads the sensors from GeoJSON, replaces them over
// PUT /sense/v1/sensors (checked against the node's geography and
// responsibility list), and reopens the node on the same database: the
// stored registry, not the file, is in force, with rules naming a sensor
// only it has.
func TestSenseSensorsAPI(t *testing.T) {
	const geojson = `{"type": "FeatureCollection", "features": [{"type": "Feature",
	  "geometry": {"type": "Point", "coordinates": [114.29, 30.58]},
	  "properties": {"id": "WL1", "kind": "water_level", "unit": "m", "owner": "shuiwu.420102", "interval": "1m"}}]}`
	const start = "rules:\n- {id: wl-high, kind: threshold, sensor: WL1, above: 28.5, category: '0101'}\n"
	db := "sqlite:" + filepath.Join(t.TempDir(), "t.db")
	open := func() (*Node, *sense.Pipeline, *httptest.Server) {
		n, err := Open(context.Background(), Options{DB: db, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		p, err := n.Sense(SenseOptions{Sensors: strings.NewReader(geojson), SensorsFormat: registry.GeoJSON, Rules: strings.NewReader(start)})
		if err != nil {
			n.Close()
			t.Fatal(err)
		}
		return n, p, httptest.NewServer(SenseHandler(p))
	}
	n, p, srv := open()
	if s, err := p.Registry.Get("WL1"); err != nil || s.Grid() == "" || !strings.HasPrefix(s.Grid(), s.Area.District.Code) {
		t.Fatalf("WL1 from GeoJSON: %+v, %v", s, err)
	}
	put := func(srv *httptest.Server, ifMatch, body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPut, srv.URL+SensePrefix+"/sensors?actor=ops", strings.NewReader(body))
		req.Header.Set("Content-Type", "text/csv")
		req.Header.Set("If-Match", ifMatch)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	const head = "id,kind,unit,lat,lon,owner,interval\nWL1,water_level,m,30.58,114.29,shuiwu.420102,60\n"
	code, body := put(srv, `"0"`, head+"GS1,gas_concentration,%LEL,39.9,116.4,shuiwu.420102,30\nGS2,gas_concentration,%LEL,30.58,114.29,nobody,30\n")
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `sensor \"GS1\": location: locate lat 39.900000, lon 116.400000: point is outside Wuhan`) ||
		!strings.Contains(body, `sensor \"GS2\": unknown owner unit \"nobody\"`) {
		t.Fatalf("bad sensors: %d %s", code, body)
	}
	if code, body = put(srv, `"0"`, head+"GS1,gas_concentration,%LEL,30.58,114.29,shuiwu.420102,30\n"); code != http.StatusOK || !strings.Contains(body, `"added":["GS1"]`) {
		t.Fatalf("PUT: %d %s", code, body)
	}
	// Rules naming GS1 are stored too: on reopening they must compile
	// against the stored sensors, not the file's.
	req, _ := http.NewRequest(http.MethodPut, srv.URL+SensePrefix+"/rules", strings.NewReader(start+"- {id: gas, kind: threshold, sensor: GS1, above: 20, category: '0101'}\n"))
	req.Header.Set("Content-Type", "application/yaml")
	req.Header.Set("If-Match", "*")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT rules: %v %v", err, resp.Status)
	} else {
		resp.Body.Close()
	}
	srv.Close()
	n.Close()

	n2, p2, srv2 := open()
	defer n2.Close()
	defer srv2.Close()
	if set := p2.Sensors(); set.Version != 1 || set.Sensors != 2 || set.UpdatedBy != "ops" {
		t.Fatalf("reopened node's sensors %+v", set)
	}
	if _, err := p2.Registry.Get("GS1"); err != nil {
		t.Fatal(err)
	}
	if rs := p2.Rules(); rs.Version != 1 || rs.Rules != 2 {
		t.Fatalf("reopened node's rules %+v", rs)
	}
	// Removing GS1 now is refused: the gas rule names it.
	if code, body := put(srv2, `"1"`, head); code != http.StatusUnprocessableEntity || !strings.Contains(body, `rule \"gas\": unknown sensor \"GS1\"`) {
		t.Fatalf("removing a sensor a rule names: %d %s", code, body)
	}
}
