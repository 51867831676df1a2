package sense

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/sense/lineproto"
	"yiwang/internal/sense/registry"
	"yiwang/internal/sense/rules"
	"yiwang/internal/store"
)

type noCases struct{}

func (noCases) Create(context.Context, store.CreateRequest) (cases.Case, bool, error) {
	return cases.Case{}, true, nil
}
func (noCases) Transition(context.Context, store.TransitionRequest) (cases.Case, cases.Event, error) {
	return cases.Case{}, cases.Event{}, nil
}

// BenchmarkIngestPath measures one reading through the ingest path without
// HTTP (parse, registry checks, store, one threshold rule per sensor) over
// 10,000 sensors, against parsing alone as the baseline.
func BenchmarkIngestPath(b *testing.B) {
	const n = 10000
	ss := make([]registry.Sensor, n)
	hi := 1e9
	rs := make([]rules.Rule, n)
	for i := range ss {
		ss[i] = registry.Sensor{ID: fmt.Sprintf("S%05d", i), Kind: registry.WaterLevel, Unit: "m", Lat: 30.5, Lon: 114.3, Owner: "u", Interval: time.Minute}
		rs[i] = rules.Rule{ID: "r" + ss[i].ID, Kind: rules.Threshold, Sensor: ss[i].ID, Above: &hi, Category: "0101"}
	}
	reg, _ := registry.New(ss, registry.Options{})
	p, err := New(Options{Registry: reg, Rules: rs, Cases: noCases{}, MaxPast: 400 * 24 * time.Hour, Now: func() time.Time { return t0 }})
	if err != nil {
		b.Fatal(err)
	}
	start := t0.Add(-300 * 24 * time.Hour)
	body := func(round int) []byte {
		var out []byte
		ts := strconv.FormatInt(start.Add(time.Duration(round)*time.Minute).UnixNano(), 10)
		for i := range n {
			out = fmt.Appendf(out, "water_level,sensor=S%05d value=%g %s\n", i, float64(1000+(round+i)%7)/100, ts)
		}
		return out
	}
	bodies := make([][]byte, 50)
	for k := range bodies {
		bodies[k] = body(k)
	}
	var ps lineproto.Parser
	rounds := 0
	began := time.Now()
	for b.Loop() {
		// Each round has new timestamps: shift the round's body in time.
		bt, _ := p.Ingester.NewBatch(t0)
		p.Ingester.AddLines(bt, &ps, bodies[rounds%len(bodies)], "bench")
		for k := range bt.Readings {
			bt.Readings[k].T += int64(rounds/len(bodies)) * int64(len(bodies)) * int64(time.Minute)
		}
		p.Process(context.Background(), bt)
		p.Ingester.Discard(bt)
		rounds++
	}
	ours := time.Since(began)
	began = time.Now()
	for k := range rounds {
		for body := bodies[k%len(bodies)]; len(body) > 0; {
			var line []byte
			line, body = lineproto.Next(body)
			if _, err := ps.Parse(line); err != nil {
				b.Fatal(err)
			}
		}
	}
	parse := time.Since(began)
	b.ReportMetric(float64(ours.Nanoseconds())/float64(rounds*n), "ns/reading")
	b.ReportMetric(float64(rounds*n)/ours.Seconds(), "readings/s")
	b.ReportMetric(float64(ours)/float64(parse), "path/parse-only")
	if st := p.Ingester.Stats(); len(st.Rejected) > 0 {
		b.Fatalf("rejected: %v %v", st.Rejected, st.Quarantine[:1])
	}
}
