package sla

import (
	"math/rand/v2"
	"testing"
	"time"

	"yiwang/internal/calendar"
)

// benchCase is one open case's clock as a deadline scan would read it from
// storage: Unix seconds, a rule index, and an optional suspension.
type benchCase struct {
	start, due int64
	pauseFrom  int64 // 0 when the case was never suspended
	pauseTo    int64
	rule       uint8
	_          [7]byte
}

type benchData struct {
	cal   *calendar.Calendar
	rules []Rule
	cases []benchCase
	now   time.Time
}

// newBenchData builds n open cases started over the 7 days before now
// (2025-10-10 15:00, just after National Day), 10% of them suspended once.
func newBenchData(b *testing.B, n int) *benchData {
	b.Helper()
	d := &benchData{cal: mustCal(b, office), now: at(b, "2025-10-10 15:00")}
	set := mustDefault(b)
	for _, c := range []Case{{"web", "01", "normal"}, {"enterprise", "02", "normal"}, {"hotline", "03", "urgent"}, {"hotline", "03", "critical"}} {
		terms := set.Resolve(c)
		for _, k := range ClockKinds() {
			if r, ok := terms.Rule(k); ok {
				d.rules = append(d.rules, r)
			}
		}
	}
	r := rand.New(rand.NewPCG(11, 12))
	d.cases = make([]benchCase, n)
	for i := range d.cases {
		start := d.now.Add(-time.Duration(r.IntN(7*24*60)) * time.Minute)
		bc := benchCase{start: start.Unix(), rule: uint8(r.IntN(len(d.rules)))}
		var ps []Interval
		if r.IntN(10) == 0 {
			from := start.Add(time.Duration(r.IntN(48*60)) * time.Minute)
			to := from.Add(time.Duration(r.IntN(7*24*60)) * time.Minute)
			bc.pauseFrom, bc.pauseTo = from.Unix(), to.Unix()
			ps = []Interval{{from, to}}
		}
		bc.due = Deadline(d.rules[bc.rule].Clock, start, ps, d.cal).Unix()
		d.cases[i] = bc
	}
	return d
}

// status evaluates case i the way a scan would.
func (d *benchData) status(i int, buf *[1]Interval) Status {
	bc := &d.cases[i]
	rule := &d.rules[bc.rule]
	var ps []Interval
	if bc.pauseFrom != 0 {
		buf[0] = Interval{time.Unix(bc.pauseFrom, 0), time.Unix(bc.pauseTo, 0)}
		ps = buf[:]
	}
	return rule.Status(d.now, time.Unix(bc.start, 0), time.Unix(bc.due, 0), ps, d.cal, rule.YellowAt)
}

func (d *benchData) naiveStatus(i int) Status {
	bc := &d.cases[i]
	rule := &d.rules[bc.rule]
	var ps []Interval
	if bc.pauseFrom != 0 {
		ps = []Interval{{time.Unix(bc.pauseFrom, 0), time.Unix(bc.pauseTo, 0)}}
	}
	return naive{d.cal}.status(rule.Clock, d.now, time.Unix(bc.start, 0), time.Unix(bc.due, 0), ps, rule.YellowAt)
}

const scanSize = 1_000_000

// BenchmarkStatus scans 1,000,000 open cases per op (the deadline scan the
// platform needs in < 200 ms), and compares one status against the naive
// minute-stepping reference on a sample of the same cases.
func BenchmarkStatus(b *testing.B) {
	d := newBenchData(b, scanSize)
	const sample = 100
	var naiveNs float64
	for i := range sample {
		t0 := time.Now()
		want := d.naiveStatus(i)
		naiveNs += float64(time.Since(t0).Nanoseconds())
		var buf [1]Interval
		if got := d.status(i, &buf); got.Colour != want.Colour || got.Left != want.Left {
			b.Fatalf("case %d: %+v, naive %+v", i, got, want)
		}
	}
	naiveNs /= sample
	var red int
	b.ReportAllocs()
	for b.Loop() {
		red = 0
		var buf [1]Interval
		for i := range d.cases {
			if d.status(i, &buf).Colour == Red {
				red++
			}
		}
	}
	perStatus := float64(b.Elapsed().Nanoseconds()) / float64(b.N) / scanSize
	b.ReportMetric(perStatus, "ns/status")
	b.ReportMetric(naiveNs, "naive-ns/status")
	b.ReportMetric(naiveNs/perStatus, "speedup")
	b.ReportMetric(float64(red)/scanSize, "red-share")
}

// BenchmarkDeadline computes one deadline per op over the same mix of
// clocks and suspensions, against the naive reference.
func BenchmarkDeadline(b *testing.B) {
	d := newBenchData(b, 4096)
	ps := make([][]Interval, len(d.cases))
	for i, bc := range d.cases {
		if bc.pauseFrom != 0 {
			ps[i] = []Interval{{time.Unix(bc.pauseFrom, 0), time.Unix(bc.pauseTo, 0)}}
		}
	}
	n := naive{d.cal}
	const sample = 100
	t0 := time.Now()
	for i := range sample {
		n.deadline(d.rules[d.cases[i].rule].Clock, time.Unix(d.cases[i].start, 0), ps[i])
	}
	naiveNs := float64(time.Since(t0).Nanoseconds()) / sample
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		bc := &d.cases[i]
		Deadline(d.rules[bc.rule].Clock, time.Unix(bc.start, 0), ps[i], d.cal)
		i = (i + 1) % len(d.cases)
	}
	fast := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(naiveNs, "naive-ns/op")
	b.ReportMetric(naiveNs/fast, "speedup")
}
