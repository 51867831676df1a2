package mqttin

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"yiwang/internal/cases"
	"yiwang/internal/sense"
	"yiwang/internal/sense/alarm"
	"yiwang/internal/sense/lineproto"
	"yiwang/internal/sense/registry"
	"yiwang/internal/sense/rules"
	"yiwang/internal/store/memstore"
	"yiwang/internal/workflow"
)

func TestParseTopic(t *testing.T) {
	tests := []struct {
		pattern, filter string
		level           int
		topic, sensor   string
		err             string
	}{
		{"yiwang/sense/{sensor}", "yiwang/sense/+", 2, "yiwang/sense/WL1", "WL1", ""},
		{"city/{district}/{sensor}/reading", "city/+/+/reading", 2, "city/420102/GS7/reading", "GS7", ""},
		{"{sensor}", "+", 0, "X", "X", ""},
		{"a/b", "", 0, "", "", "no {sensor}"},
		{"a/{sensor}/{sensor}", "", 0, "", "", "twice"},
		{"a/#/{sensor}", "", 0, "", "", "wildcards"},
		{"", "", 0, "", "", "1 to 1000"},
	}
	for _, tc := range tests {
		tp, err := ParseTopic(tc.pattern)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: err %v, want %q", tc.pattern, err, tc.err)
			}
			continue
		}
		if err != nil || tp.Filter != tc.filter || tp.Level != tc.level {
			t.Errorf("%q: %+v %v", tc.pattern, tp, err)
			continue
		}
		if s, ok := tp.Sensor(tc.topic); !ok || s != tc.sensor {
			t.Errorf("%q: sensor of %q = %q", tc.pattern, tc.topic, s)
		}
	}
}

func FuzzParseTopic(f *testing.F) {
	f.Add("yiwang/sense/{sensor}", "yiwang/sense/WL1")
	f.Add("{a}/{sensor}", "x//y")
	f.Fuzz(func(t *testing.T, pattern, topic string) {
		tp, err := ParseTopic(pattern)
		if err != nil {
			return
		}
		if strings.Count(tp.Filter, "/") != strings.Count(pattern, "/") {
			t.Fatalf("filter %q of %q", tp.Filter, pattern)
		}
		if s, ok := tp.Sensor(topic); ok && (s == "" || strings.Contains(s, "/")) {
			t.Fatalf("sensor %q from %q", s, topic)
		}
	})
}

var t0 = time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)

func testRegistry(t testing.TB) *registry.Registry {
	r, err := registry.New([]registry.Sensor{
		{ID: "WL1", Kind: registry.WaterLevel, Unit: "m", Lat: 30.5, Lon: 114.3, Owner: "shuiwu.420102", Interval: time.Minute},
	}, registry.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

type sink struct {
	mu  sync.Mutex
	got []sense.Reading
}

func (s *sink) Process(_ context.Context, b *sense.Batch) {
	s.mu.Lock()
	s.got = append(s.got, b.Readings...)
	s.mu.Unlock()
}

func TestHandle(t *testing.T) {
	snk := &sink{}
	ing, _ := sense.NewIngester(sense.IngestOptions{Registry: testRegistry(t), Sink: snk, Now: func() time.Time { return t0 }})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go ing.Run(ctx)
	tp, _ := ParseTopic("s/{sensor}")
	s := &Subscriber{o: Options{Ingester: ing, MaxPayload: 1000, Now: func() time.Time { return t0 }}, topic: tp, ctx: ctx}
	s.pool.New = func() any { return new(lineproto.Parser) }
	msgs := []struct {
		topic, payload, reason string
	}{
		{"s/WL1", "3.5", ""},
		{"s/WL1", `{"value": 3.6, "unit": "m", "time": "2026-07-01T07:59:00Z"}`, ""},
		{"s/X", `{"sensor": "WL1", "value": 3.7}`, ""},
		{"s/WL1", "water_level,sensor=WL1 value=3.8", ""},
		{"s/WL1", strings.Repeat("9", 2000), "oversize"},
		{"s/WL1", "NaN", "non_finite"},
		{"s/WL1", `{"value": "high"}`, "malformed"},
		{"s/WL1", `water_level,sensor=WL1 value="high"`, "not_a_number"},
		{"s/WL1", `{"value": 1, "unit": "cm"}`, "unit_mismatch"},
		{"s/NOPE", "1", "unknown_sensor"},
		{"s/WL1", "{", "malformed"},
		{"s/WL1", "garbage", "malformed"},
	}
	for _, m := range msgs {
		s.Handle(m.topic, []byte(m.payload))
	}
	st := ing.Stats()
	for _, m := range msgs {
		if m.reason != "" && st.Rejected[m.reason] == 0 {
			t.Errorf("%q: no %s counted: %v", m.payload, m.reason, st.Rejected)
		}
	}
	if st.Accepted != 4 {
		t.Fatalf("accepted %d, want 4", st.Accepted)
	}
}

// TestBroker publishes readings through the Mosquitto broker on
// 127.0.0.1:1883 (YIWANG_MQTT overrides) and sees them stored, an alarm
// raised and its case created, and a 1 MB message refused without stopping
// the subscription.
func TestBroker(t *testing.T) {
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
	testThroughBroker(t, addr)
}

// TestEmbeddedBroker runs the broker test against the embedded broker on
// a free loopback port, and checks its counters saw the messages.
func TestEmbeddedBroker(t *testing.T) {
	b, err := StartBroker(BrokerOptions{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if !strings.HasPrefix(b.URL(), "tcp://127.0.0.1:") || strings.HasSuffix(b.Addr(), ":0") {
		t.Fatalf("broker URL %q, addr %q", b.URL(), b.Addr())
	}
	testThroughBroker(t, b.Addr())
	if st := b.Stats(); st.MessagesReceived < 3 || st.MessagesSent < 3 {
		t.Fatalf("broker stats %+v", st)
	}
}

func TestStartBrokerErrors(t *testing.T) {
	b, err := StartBroker(BrokerOptions{Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	for _, tc := range []struct{ listen, want string }{
		{"", "Listen is required"},
		{"nonsense", "broker address"},
		{b.Addr(), "listening on"},
	} {
		if _, err := StartBroker(BrokerOptions{Listen: tc.listen}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("StartBroker(%q) = %v, want %q", tc.listen, err, tc.want)
		}
	}
}

// testThroughBroker publishes readings through the broker at addr and sees
// them stored, an alarm raised and its case created, and a 1 MB message
// refused and counted without stopping the subscription.
func testThroughBroker(t *testing.T, addr string) {
	t.Helper()
	st := memstore.New(memstore.Options{})
	defer st.Close()
	wf, _ := workflow.New(workflow.Options{Store: st})
	rs, _ := rules.ParseBytes([]byte("rules:\n- {id: wl-high, kind: threshold, sensor: WL1, above: 28.5, category: '0101'}\n"))
	casec := make(chan cases.Case, 1)
	p, err := sense.New(sense.Options{Registry: testRegistry(t), Rules: rs, Cases: wf,
		OnCase: func(a alarm.Alarm, c cases.Case, created bool) { casec <- c }})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go p.Run(ctx)
	prefix := fmt.Sprintf("yiwang-test-%08x", rand.Uint32())
	sub, err := Start(ctx, Options{Broker: "tcp://" + addr, Pattern: prefix + "/{sensor}", QoS: 1, Ingester: p.Ingester})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	pub := mqtt.NewClient(mqtt.NewClientOptions().AddBroker("tcp://" + addr).SetClientID(prefix + "-pub"))
	if tok := pub.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("publisher: %v", tok.Error())
	}
	defer pub.Disconnect(100)
	publish := func(payload []byte) {
		if tok := pub.Publish(prefix+"/WL1", 1, false, payload); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
			t.Fatalf("publish: %v", tok.Error())
		}
	}
	// The subscription may take a moment to be in place: publish until a
	// reading arrives.
	waitFor(t, 10*time.Second, func() bool {
		publish([]byte("27.0"))
		_, ok := p.DB.Latest(0)
		return ok
	})
	publish(make([]byte, 1<<20))
	publish([]byte(`{"value": 29.1, "unit": "m"}`))
	select {
	case c := <-casec:
		if c.Channel != cases.ChannelSensor {
			t.Fatalf("case %+v", c)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no case after 10 s; stats %+v", p.Ingester.Stats())
	}
	if got := p.Ingester.Stats().Rejected["oversize"]; got != 1 {
		t.Fatalf("oversize counted %d, want 1", got)
	}
	if l, _ := p.DB.Latest(0); l.V != 29.1 {
		t.Fatalf("latest %v", l)
	}
}

// waitFor polls cond until it holds or the time is up.
func waitFor(t *testing.T, total time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(total)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v", total)
		}
		<-tick.C
	}
}

func FuzzHandle(f *testing.F) {
	f.Add("s/WL1", []byte("3.5"))
	f.Add("s/WL1", []byte(`{"value": 3.6, "unit": "m", "time": "2026-07-01T07:59:00Z"}`))
	f.Add("s/X", []byte("water_level,sensor=WL1 value=3.8\nbad"))
	reg := testRegistry(f)
	f.Fuzz(func(t *testing.T, topic string, payload []byte) {
		snk := &sink{}
		ing, _ := sense.NewIngester(sense.IngestOptions{Registry: reg, Sink: snk, Now: func() time.Time { return t0 }})
		tp, _ := ParseTopic("s/{sensor}")
		s := &Subscriber{o: Options{Ingester: ing, MaxPayload: 4096, Now: func() time.Time { return t0 }}, topic: tp, ctx: context.Background()}
		s.pool.New = func() any { return new(lineproto.Parser) }
		s.Handle(topic, payload)
		st := ing.Stats()
		var rej int64
		for _, n := range st.Rejected {
			rej += n
		}
		if st.Accepted == 0 && rej == 0 && len(bytes.TrimSpace(payload)) > 0 && !lineproto.Blank(bytes.TrimSpace(payload)) {
			t.Fatalf("message %q on %q neither accepted nor rejected", payload, topic)
		}
	})
}

type chanSink chan sense.Reading

func (c chanSink) Process(_ context.Context, b *sense.Batch) {
	for _, r := range b.Readings {
		c <- r
	}
}

// TestEmbeddedBrokerMaxPacket: a publish larger than the broker's packet
// bound closes that publisher's connection; the broker goes on serving
// others (a retained reading reaches a subscriber that comes later).
func TestEmbeddedBrokerMaxPacket(t *testing.T) {
	b, err := StartBroker(BrokerOptions{Listen: "127.0.0.1:0", MaxPacket: 64 << 10})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	lost := make(chan error, 1)
	big := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(b.URL()).SetClientID("big").SetAutoReconnect(false).
		SetConnectionLostHandler(func(_ mqtt.Client, err error) { lost <- err }))
	if tok := big.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	defer big.Disconnect(0)
	big.Publish("t/WL1", 0, false, make([]byte, 100<<10))
	select {
	case <-lost:
	case <-time.After(10 * time.Second):
		t.Fatal("a 100 KiB publish to a 64 KiB broker kept its connection")
	}
	pub := mqtt.NewClient(mqtt.NewClientOptions().AddBroker(b.URL()).SetClientID("small"))
	if tok := pub.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	defer pub.Disconnect(0)
	if tok := pub.Publish("t/WL1", 1, true, []byte("3.5")); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		t.Fatalf("publish: %v", tok.Error())
	}
	got := make(chanSink, 1)
	ing, _ := sense.NewIngester(sense.IngestOptions{Registry: testRegistry(t), Sink: got})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go ing.Run(ctx)
	sub, err := Start(ctx, Options{Broker: b.URL(), Pattern: "t/{sensor}", QoS: 1, Ingester: ing})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	select {
	case r := <-got:
		if r.V != 3.5 {
			t.Fatalf("reading %+v", r)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no reading; stats %+v", ing.Stats())
	}
}
