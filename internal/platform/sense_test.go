package platform

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"yiwang/internal/cases"
	"yiwang/internal/sense"
	"yiwang/internal/sense/demo"
	"yiwang/internal/sense/mqttin"
	"yiwang/internal/store"
)

// TestSense wires the sensor pipeline into a node: a reading over the
// threshold opens a sensor case that the node's workflow dispatches.
func TestSense(t *testing.T) {
	n := openTestNode(t)
	p, err := n.Sense(SenseOptions{
		Sensors: strings.NewReader("id,kind,unit,lat,lon,owner,interval\nWL1,water_level,m,30.58,114.29,shuiwu.420102,60\n"),
		Rules:   strings.NewReader("rules:\n- {id: wl-high, kind: threshold, sensor: WL1, above: 28.5, category: '0101'}\n"),
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(SenseHandler(p))
	defer srv.Close()
	resp, err := http.Post(srv.URL+SensePrefix+"/write", "text/plain", strings.NewReader("water_level,sensor=WL1,unit=m value=29.2"))
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("write: %v %v", err, resp.Status)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go p.Ingester.Run(ctx)
	deadline := time.Now().Add(10 * time.Second)
	for p.Alarms.Pending() == 0 && len(p.Alarms.Open()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no alarm raised")
		}
		<-time.After(5 * time.Millisecond)
	}
	if err := p.Alarms.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	page, err := n.Store.List(ctx, store.Filter{Channels: []cases.Channel{cases.ChannelSensor}, Limit: 10})
	if err != nil || len(page.Cases) != 1 {
		t.Fatalf("sensor cases %v, %v", page.Cases, err)
	}
	if c := page.Cases[0]; c.Location.Grid == "" || c.Channel != cases.ChannelSensor || c.Unit == "" {
		t.Fatalf("case location %+v unit %q", c.Location, c.Unit)
	}
	if _, err := n.Sense(SenseOptions{Sensors: strings.NewReader("id,kind,unit,lat,lon,owner,interval\nX,aqi,aqi,30.5,114.3,nobody,60\n"),
		Rules: strings.NewReader("rules: []\n")}); err == nil || !strings.Contains(err.Error(), `unknown owner unit "nobody"`) {
		t.Fatalf("unknown owner: %v", err)
	}
}

// TestSenseDemoEndToEnd runs the demo sensor set on a node as serve does:
// a water level over the warning line posted to /sense/v1/write on the
// node's handler raises an alarm and opens a dispatched sensor case.
func TestSenseDemoEndToEnd(t *testing.T) {
	n := openTestNode(t)
	p, err := n.Sense(SenseOptions{Sensors: demo.Sensors(), Rules: demo.Rules()})
	if err != nil {
		t.Fatal(err)
	}
	n.MountSense(p)
	srv := httptest.NewServer(asAdmin(t, n))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.RunSense(ctx, p, SenseRunOptions{}) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	resp, err := http.Post(srv.URL+SensePrefix+"/write", "text/plain",
		strings.NewReader("water_level,sensor=GEN-WL-420102-01,unit=m value=2.6\nrainfall,sensor=GEN-RF-420102-01,unit=mm/h value=12\n"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("write: %s", resp.Status)
	}
	var page store.Page
	deadline := time.Now().Add(10 * time.Second)
	for len(page.Cases) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no sensor case; alarms %+v stats %+v", p.Alarms.Open(), p.Ingester.Stats())
		}
		<-time.After(10 * time.Millisecond)
		if page, err = n.Store.List(ctx, store.Filter{Channels: []cases.Channel{cases.ChannelSensor}, Limit: 10}); err != nil {
			t.Fatal(err)
		}
	}
	c := page.Cases[0]
	if c.Location.District != "420102" || c.Category != "1012" || c.Unit == "" || len(p.Alarms.Open()) != 1 {
		t.Fatalf("case %+v; open alarms %+v", c, p.Alarms.Open())
	}
	if p.Alarms.Open()[0].Rule != "wl-420102-01" {
		t.Fatalf("alarm %+v", p.Alarms.Open()[0])
	}
}

// TestSenseMQTT runs the demo pipeline with the MQTT subscriber on a
// broker (YIWANG_MQTT, default 127.0.0.1:1883; skipped when unreachable
// unless YIWANG_REQUIRE_SERVICES=1): a gas reading published to the
// sensor's topic raises the gas alarm.
func TestSenseMQTT(t *testing.T) {
	addr := os.Getenv("YIWANG_MQTT")
	if addr == "" {
		addr = "127.0.0.1:1883"
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err != nil {
		if os.Getenv("YIWANG_REQUIRE_SERVICES") == "1" {
			t.Fatalf("MQTT broker %s unreachable and YIWANG_REQUIRE_SERVICES=1: %v", addr, err)
		}
		t.Skipf("MQTT broker %s unreachable (%v); set YIWANG_MQTT or start mosquitto", addr, err)
	} else {
		c.Close()
	}
	testSenseMQTT(t, addr)
}

// TestSenseEmbeddedMQTT is TestSenseMQTT against the embedded broker a
// node without a broker starts (serve --mqtt-listen, demo).
func TestSenseEmbeddedMQTT(t *testing.T) {
	b, err := mqttin.StartBroker(mqttin.BrokerOptions{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	testSenseMQTT(t, b.Addr())
}

func testSenseMQTT(t *testing.T, addr string) {
	t.Helper()
	n := openTestNode(t)
	p, err := n.Sense(SenseOptions{Sensors: demo.Sensors(), Rules: demo.Rules()})
	if err != nil {
		t.Fatal(err)
	}
	prefix := fmt.Sprintf("yiwang-test-%08x", rand.Uint32())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- n.RunSense(ctx, p, SenseRunOptions{MQTT: "tcp://" + addr, MQTTTopic: prefix + "/{sensor}"})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	pub := mqtt.NewClient(mqtt.NewClientOptions().AddBroker("tcp://" + addr).SetClientID(prefix + "-pub"))
	if tok := pub.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("publisher: %v", tok.Error())
	}
	defer pub.Disconnect(100)
	// The subscription may take a moment: publish until the alarm is up.
	deadline := time.Now().Add(10 * time.Second)
	for len(p.Alarms.Open()) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no alarm; stats %+v", p.Ingester.Stats())
		}
		tok := pub.Publish(prefix+"/GEN-GS-420104-01", 1, false, []byte(`{"value": 35, "unit": "%LEL"}`))
		if !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
			t.Fatalf("publish: %v", tok.Error())
		}
		<-time.After(50 * time.Millisecond)
	}
	if a := p.Alarms.Open()[0]; a.Rule != "gas-420104" || a.Severity != cases.SeverityCritical {
		t.Fatalf("alarm %+v", a)
	}
}

// TestSenseRulesAPI replaces the sensor rules over PUT /sense/v1/rules on
// a node: the new level applies at once, invalid rules are refused with
// every problem named, and a node reopened on the same database uses the
// stored rules rather than the file it is started with.
func TestSenseRulesAPI(t *testing.T) {
	const sensors = "id,kind,unit,lat,lon,owner,interval\nWL1,water_level,m,30.58,114.29,shuiwu.420102,60\n"
	const start = "rules:\n- {id: wl-high, kind: threshold, sensor: WL1, above: 28.5, category: '0101'}\n"
	const raised = "rules:\n- {id: wl-high, kind: threshold, sensor: WL1, above: 30, category: '0101'}\n"
	db := "sqlite:" + filepath.Join(t.TempDir(), "t.db")
	open := func() (*Node, *sense.Pipeline, *httptest.Server) {
		n, err := Open(context.Background(), Options{DB: db, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		p, err := n.Sense(SenseOptions{Sensors: strings.NewReader(sensors), Rules: strings.NewReader(start)})
		if err != nil {
			t.Fatal(err)
		}
		n.MountSense(p)
		return n, p, httptest.NewServer(asAdmin(t, n))
	}
	n, p, srv := open()
	put := func(ifMatch, body string) (int, string) {
		req, _ := http.NewRequest(http.MethodPut, srv.URL+SensePrefix+"/rules", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/yaml")
		req.Header.Set("If-Match", ifMatch)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := put(`"0"`, "rules:\n- {id: x, kind: threshold, sensor: NOPE, above: 1, category: '0101'}\n"); code != http.StatusUnprocessableEntity ||
		!strings.Contains(body, `unknown sensor \"NOPE\"`) {
		t.Fatalf("unknown sensor: %d %s", code, body)
	}
	if code, body := put(`"7"`, raised); code != http.StatusConflict {
		t.Fatalf("stale If-Match: %d %s", code, body)
	}
	if code, body := put(`"0"`, raised); code != http.StatusOK {
		t.Fatalf("PUT: %d %s", code, body)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go p.Ingester.Run(ctx)
	write := func(srv *httptest.Server, p *sense.Pipeline, v float64) {
		before := p.Ingester.Stats().Processed
		resp, err := http.Post(srv.URL+SensePrefix+"/write", "text/plain", strings.NewReader(fmt.Sprintf("water_level,sensor=WL1,unit=m value=%g", v)))
		if err != nil || resp.StatusCode != http.StatusNoContent {
			t.Fatalf("write: %v %v", err, resp.Status)
		}
		resp.Body.Close()
		deadline := time.Now().Add(10 * time.Second)
		for p.Ingester.Stats().Processed == before {
			if time.Now().After(deadline) {
				t.Fatal("reading not processed")
			}
			<-time.After(5 * time.Millisecond)
		}
	}
	write(srv, p, 29.2)
	if len(p.Alarms.Open()) != 0 {
		t.Fatalf("29.2 m alarmed under a 30 m level: %+v", p.Alarms.Open())
	}
	srv.Close()
	n.Close()

	n2, p2, srv2 := open()
	defer n2.Close()
	defer srv2.Close()
	if rs := p2.Rules(); rs.Version != 1 || rs.YAML != raised {
		t.Fatalf("reopened node's rules %+v", rs)
	}
	go p2.Ingester.Run(ctx)
	write(srv2, p2, 29.2)
	if len(p2.Alarms.Open()) != 0 {
		t.Fatalf("reopened node alarmed at 29.2 m: %+v", p2.Alarms.Open())
	}
	write(srv2, p2, 30.4)
	if len(p2.Alarms.Open()) != 1 {
		t.Fatal("reopened node did not alarm at 30.4 m")
	}
}
