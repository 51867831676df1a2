package mqttin

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	mqtt "github.com/eclipse/paho.mqtt.golang"

	"yiwang/internal/sense"
)

// countSink counts readings, frees a window slot for each, and signals
// when want have arrived.
type countSink struct {
	n      atomic.Int64
	want   int64
	window chan struct{}
	done   chan struct{}
}

func (c *countSink) Process(_ context.Context, b *sense.Batch) {
	for range b.Readings {
		<-c.window
	}
	if c.n.Add(int64(len(b.Readings))) == c.want {
		close(c.done)
	}
}

// throughBroker publishes n readings (QoS 1, at most 500 ahead of the
// sink, as bench ingest does) through the broker at addr to a Subscriber
// and returns readings/s from the first publish to the last reading
// stored by the sink.
func throughBroker(b *testing.B, addr string, n int) float64 {
	b.Helper()
	snk := &countSink{want: int64(n) + 1, window: make(chan struct{}, 500), done: make(chan struct{})}
	ing, _ := sense.NewIngester(sense.IngestOptions{Registry: testRegistry(b), Sink: snk})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go ing.Run(ctx)
	prefix := fmt.Sprintf("yiwang-bench-%08x", rand.Uint32())
	sub, err := Start(ctx, Options{Broker: "tcp://" + addr, Pattern: prefix + "/{sensor}", QoS: 1, Ingester: ing})
	if err != nil {
		b.Fatal(err)
	}
	defer sub.Close()
	pub := mqtt.NewClient(mqtt.NewClientOptions().AddBroker("tcp://" + addr).SetClientID(prefix + "-pub").SetMaxResumePubInFlight(500))
	if tok := pub.Connect(); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		b.Fatalf("publisher: %v", tok.Error())
	}
	defer pub.Disconnect(0)
	// The subscription is in place once a first (uncounted) reading is
	// stored: a retained one is delivered on subscribing.
	snk.window <- struct{}{}
	if tok := pub.Publish(prefix+"/WL1", 1, true, []byte("1")); !tok.WaitTimeout(5*time.Second) || tok.Error() != nil {
		b.Fatalf("publish: %v", tok.Error())
	}
	began := time.Now()
	for i := range n {
		snk.window <- struct{}{}
		pub.Publish(prefix+"/WL1", 1, false, []byte(strconv.Itoa(i)))
	}
	select {
	case <-snk.done:
	case <-time.After(60 * time.Second):
		b.Fatalf("%d of %d readings after 60 s", snk.n.Load(), n+1)
	}
	return float64(n) / time.Since(began).Seconds()
}

// BenchmarkBrokers publishes the same readings through the embedded broker
// and, as the baseline in the same run, through Mosquitto on 127.0.0.1:1883
// (YIWANG_MQTT; skipped when unreachable), and reports both rates and
// their ratio.
//
//	go test -run XXX -bench Brokers -benchtime 3x ./internal/sense/mqttin
func BenchmarkBrokers(b *testing.B) {
	const n = 20000
	addr := "127.0.0.1:1883"
	if c, err := net.DialTimeout("tcp", addr, time.Second); err != nil {
		b.Skipf("Mosquitto %s unreachable: %v", addr, err)
	} else {
		c.Close()
	}
	br, err := StartBroker(BrokerOptions{Listen: "127.0.0.1:0"})
	if err != nil {
		b.Fatal(err)
	}
	defer br.Close()
	var emb, mos float64
	for range b.N {
		emb += throughBroker(b, br.Addr(), n)
		mos += throughBroker(b, addr, n)
	}
	b.ReportMetric(emb/float64(b.N), "embedded_readings/s")
	b.ReportMetric(mos/float64(b.N), "mosquitto_readings/s")
	b.ReportMetric(emb/mos, "embedded/mosquitto")
	b.ReportMetric(0, "ns/op")
}
