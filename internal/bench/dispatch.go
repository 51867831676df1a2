package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"

	"yiwang/internal/calendar"
	"yiwang/internal/cases"
	"yiwang/internal/category"
	"yiwang/internal/dispatch"
	"yiwang/internal/geo"
	"yiwang/internal/sla"
)

// DispatchOptions configure `yiwang bench dispatch`. Zero fields take the
// defaults named.
type DispatchOptions struct {
	// Points are looked up per round (default 200,000), PostGISPoints of
	// them in PostGIS too (default 20,000).
	Points, PostGISPoints int
	// PG is the PostgreSQL server with PostGIS; NoPostGIS skips that baseline.
	PG        string
	NoPostGIS bool
	// Cases is the size of the deadline scan (default 1,000,000).
	Cases int
	// Decisions are timed one by one (default 100,000), BaselineDecisions
	// of them by brute force too (default 1,000).
	Decisions, BaselineDecisions int
}

// DefaultPG is the PostgreSQL server the PostGIS baseline uses by default.
const DefaultPG = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// DispatchResult is what `yiwang bench dispatch --json` prints. Every
// figure comes with its baseline from the same run.
type DispatchResult struct {
	Grids  int `json:"grids"`
	Points int `json:"points"`
	// LookupsPerS is geo.Index.Locate on one goroutine (median of 5 rounds).
	LookupsPerS float64 `json:"lookups_per_s"`
	// PostGISLookupsPerS is ST_Contains over the same grid polygons with a
	// GiST index, 1,000 points per query (geo.PostGISBaseline); 0 when skipped.
	PostGISLookupsPerS float64 `json:"postgis_lookups_per_s"`
	PostGISPoints      int     `json:"postgis_points"`
	// Speedup is LookupsPerS / PostGISLookupsPerS.
	Speedup float64 `json:"speedup"`
	// PostGISSkipped says why the PostGIS baseline did not run.
	PostGISSkipped string `json:"postgis_skipped,omitempty"`

	// The deadline scan: ScanCases open cases (generated), ScanClocks
	// pending clocks among them, each given its sla colour.
	ScanCases  int `json:"scan_cases"`
	ScanClocks int `json:"scan_clocks"`
	// Scan1MMs is one pass over a compact projection (one row per pending
	// clock, policy rule resolved in advance), scaled to 1,000,000 cases
	// when ScanCases differs; median of 5 passes.
	Scan1MMs float64 `json:"scan_1m_ms"`
	// ScanBaselineMs is the same statuses computed from the cases.Case
	// values a store returns (Case.Pending, sla.Set.Resolve per case,
	// Status per clock), scaled to 1,000,000 cases; I/O excluded.
	ScanBaselineMs float64 `json:"scan_baseline_1m_ms"`
	ScanSpeedup    float64 `json:"scan_speedup"`
	Overdue        int     `json:"overdue"`
	Yellow         int     `json:"yellow"`

	// A decision is Locate plus dispatch.Engine.Decide over the demo
	// rules, timed one by one.
	Decisions     int     `json:"decisions"`
	DecisionP50Us float64 `json:"decision_p50_us"`
	DecisionP99Us float64 `json:"decision_p99_us"`
	// The baseline decides by brute force: every grid polygon in code
	// order (bound test, then point in polygon), then every rule, keeping
	// the most specific match. Its decisions are checked equal to the
	// engine's.
	BaselineDecisions     int     `json:"baseline_decisions"`
	BaselineDecisionP50Us float64 `json:"baseline_decision_p50_us"`
	BaselineDecisionP99Us float64 `json:"baseline_decision_p99_us"`
	DecisionSpeedupP99    float64 `json:"decision_speedup_p99"`
	ManualShare           float64 `json:"manual_share"`
}

func (o *DispatchOptions) defaults() {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.Points, 200_000)
	def(&o.PostGISPoints, 20_000)
	def(&o.Cases, 1_000_000)
	def(&o.Decisions, 100_000)
	def(&o.BaselineDecisions, 1_000)
	o.PostGISPoints = min(o.PostGISPoints, o.Points)
	o.BaselineDecisions = min(o.BaselineDecisions, o.Decisions)
	if o.PG == "" {
		o.PG = DefaultPG
	}
}

// Dispatch runs the dispatch benchmark: grid lookups against PostGIS, the
// deadline scan against the domain-object scan, dispatch decisions against
// brute force.
func Dispatch(ctx context.Context, o DispatchOptions) (DispatchResult, error) {
	o.defaults()
	idx, err := geo.Load()
	if err != nil {
		return DispatchResult{}, err
	}
	res := DispatchResult{Grids: len(idx.Areas(geo.LevelGrid)), Points: o.Points}
	pts := pointsInWuhan(idx, o.Points)
	res.LookupsPerS = lookupRate(idx, pts)
	if o.NoPostGIS {
		res.PostGISSkipped = "--no-postgis"
	} else {
		res.PostGISPoints = o.PostGISPoints
		pg, err := geo.PostGISBaseline(ctx, o.PG, idx, pts[:o.PostGISPoints])
		if err != nil {
			return res, fmt.Errorf("PostGIS baseline at %s failed (pass --pg URL, or --no-postgis to skip it): %w", o.PG, err)
		}
		res.PostGISLookupsPerS = pg
		if pg > 0 {
			res.Speedup = res.LookupsPerS / pg
		}
	}
	if err := scanBench(o.Cases, &res); err != nil {
		return res, err
	}
	if err := decisionBench(idx, pts, o, &res); err != nil {
		return res, err
	}
	return res, nil
}

// pointsInWuhan returns n random points inside the city (fixed seed) that
// Locate finds.
func pointsInWuhan(idx *geo.Index, n int) []orb.Point {
	r := rand.New(rand.NewPCG(2025, 10))
	city := idx.Areas(geo.LevelCity)[0].Code
	out := make([]orb.Point, 0, n)
	for len(out) < n {
		p := idx.RandomPointIn(city, r)
		if _, err := idx.Locate(p.Lat(), p.Lon()); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// lookupRate is Locate's lookups per second over pts on this goroutine,
// the median of 5 rounds.
func lookupRate(idx *geo.Index, pts []orb.Point) float64 {
	runtime.GC()
	rates := make([]float64, 5)
	for i := range rates {
		t0 := time.Now()
		for _, p := range pts {
			if _, err := idx.Locate(p[1], p[0]); err != nil {
				panic(err) // every point was located before
			}
		}
		rates[i] = float64(len(pts)) / time.Since(t0).Seconds()
	}
	slices.Sort(rates)
	return rates[len(rates)/2]
}

// decisionBench times Locate + Decide per point, and the brute-force
// equivalent on a prefix of the same points.
func decisionBench(idx *geo.Index, pts []orb.Point, o DispatchOptions, res *DispatchResult) error {
	eng, err := dispatch.DemoEngine()
	if err != nil {
		return err
	}
	tax, err := category.Default()
	if err != nil {
		return err
	}
	var cats []string
	for _, c := range tax.All() {
		cats = append(cats, c.Code)
	}
	r := rand.New(rand.NewPCG(7, 8))
	week := time.Date(2025, 10, 13, 0, 0, 0, 0, time.UTC)
	sevs := []dispatch.Severity{dispatch.SeverityNormal, dispatch.SeverityNormal, dispatch.SeverityNormal, dispatch.SeverityUrgent, dispatch.SeverityCritical}
	qs := make([]dispatch.Query, o.Decisions)
	for i := range qs {
		qs[i] = dispatch.Query{Category: cats[r.IntN(len(cats))], Severity: sevs[r.IntN(len(sevs))],
			At: week.Add(time.Duration(r.IntN(7*24*60)) * time.Minute)}
	}
	lat := make([]time.Duration, o.Decisions)
	decided := make([]dispatch.Decision, o.Decisions)
	var chain [4]string
	manual := 0
	runtime.GC()
	for i := range qs {
		p := pts[i%len(pts)]
		t0 := time.Now()
		ch, err := idx.Locate(p[1], p[0])
		if err != nil {
			return err
		}
		chain = [4]string{ch.District.Code, ch.Street.Code, ch.Community.Code, ch.Grid.Code}
		q := qs[i]
		q.Chain = chain[:]
		decided[i] = eng.Decide(q)
		lat[i] = time.Since(t0)
		if decided[i].Manual {
			manual++
		}
	}
	res.Decisions = o.Decisions
	res.ManualShare = float64(manual) / float64(o.Decisions)
	res.DecisionP50Us = percentileMs(lat, 50) * 1000
	res.DecisionP99Us = percentileMs(lat, 99) * 1000

	brute, err := newBruteDecider(idx, eng)
	if err != nil {
		return err
	}
	blat := make([]time.Duration, o.BaselineDecisions)
	for i := range blat {
		p := pts[i%len(pts)]
		t0 := time.Now()
		lead, rule := brute.decide(p, qs[i])
		blat[i] = time.Since(t0)
		if lead != decided[i].Lead || rule != decided[i].RuleID {
			return fmt.Errorf("brute-force baseline disagrees with the engine at point %d (%v, %+v): %s/%s vs %s/%s",
				i, p, qs[i], lead, rule, decided[i].Lead, decided[i].RuleID)
		}
	}
	res.BaselineDecisions = o.BaselineDecisions
	res.BaselineDecisionP50Us = percentileMs(blat, 50) * 1000
	res.BaselineDecisionP99Us = percentileMs(blat, 99) * 1000
	if res.DecisionP99Us > 0 {
		res.DecisionSpeedupP99 = res.BaselineDecisionP99Us / res.DecisionP99Us
	}
	return nil
}

// bruteDecider decides without indexes: the first grid in code order that
// contains the point, then the most specific of all rules that match.
type bruteDecider struct {
	grids []geo.Area
	rules []bruteRule
}

type bruteRule struct {
	dispatch.Rule
	spec   dispatch.Specificity
	window *dispatch.Window
}

func newBruteDecider(idx *geo.Index, eng *dispatch.Engine) (*bruteDecider, error) {
	b := &bruteDecider{grids: idx.Areas(geo.LevelGrid)}
	for _, r := range eng.Rules() {
		depth, err := dispatch.CategoryDepth(r.Category)
		if err != nil {
			return nil, err
		}
		level, err := dispatch.AreaLevelOf(r.Area)
		if err != nil {
			return nil, err
		}
		br := bruteRule{Rule: r, spec: dispatch.Specificity{Category: depth, Area: level, Severity: r.Severity != "", Window: r.Window != ""}}
		if r.Window != "" {
			w, err := dispatch.ParseWindow(r.Window)
			if err != nil {
				return nil, err
			}
			br.window = &w
		}
		b.rules = append(b.rules, br)
	}
	return b, nil
}

func (b *bruteDecider) decide(p orb.Point, q dispatch.Query) (lead, ruleID string) {
	grid := ""
	for i := range b.grids {
		g := &b.grids[i]
		if g.Bound.Contains(p) && planar.MultiPolygonContains(g.Geometry, p) {
			grid = g.Code
			break
		}
	}
	var best *bruteRule
	for i := range b.rules {
		r := &b.rules[i]
		if dispatch.CoversCategory(r.Category, q.Category) && dispatch.CoversArea(r.Area, grid) &&
			(r.Severity == dispatch.SeverityAny || r.Severity == q.Severity) &&
			(r.window == nil || r.window.Contains(q.At)) &&
			(best == nil || r.spec.Compare(best.spec) > 0) {
			best = r
		}
	}
	if best == nil {
		return "", ""
	}
	return best.Lead, best.ID
}

// scanBench builds n generated open cases, scans them as cases.Case values
// (the baseline, in chunks to bound memory) and as a compact projection,
// checks both count the same, and reports both scaled to 1,000,000 cases.
func scanBench(n int, res *DispatchResult) error {
	sched, err := calendar.ParseSchedule("08:30-12:00,14:00-17:30")
	if err != nil {
		return err
	}
	cal, err := calendar.Official(sched)
	if err != nil {
		return err
	}
	set, err := sla.Default()
	if err != nil {
		return err
	}
	g := newScanGen(cal, set)
	const chunk = 100_000
	var base time.Duration
	var baseRed, baseYellow int
	for done := 0; done < n; done += chunk {
		cs := g.cases(min(chunk, n-done))
		runtime.GC()
		t0 := time.Now()
		red, yellow := g.scanCases(cs)
		base += time.Since(t0)
		baseRed, baseYellow = baseRed+red, baseYellow+yellow
		for i := range cs {
			g.project(&cs[i])
		}
	}
	runtime.GC()
	passes := make([]time.Duration, 5)
	var red, yellow int
	for i := range passes {
		t0 := time.Now()
		red, yellow = g.scanRows()
		passes[i] = time.Since(t0)
	}
	if red != baseRed || yellow != baseYellow {
		return fmt.Errorf("deadline scan: projection counts %d red, %d yellow; case scan %d, %d", red, yellow, baseRed, baseYellow)
	}
	slices.Sort(passes)
	scale := 1e6 / float64(n)
	res.ScanCases, res.ScanClocks = n, len(g.rows)
	res.Overdue, res.Yellow = red, yellow
	res.Scan1MMs = float64(passes[len(passes)/2]) / float64(time.Millisecond) * scale
	res.ScanBaselineMs = float64(base) / float64(time.Millisecond) * scale
	if res.Scan1MMs > 0 {
		res.ScanSpeedup = res.ScanBaselineMs / res.Scan1MMs
	}
	return nil
}

// scanGen generates open cases (labelled generated) and their projection.
type scanGen struct {
	cal   *calendar.Calendar
	set   *sla.Set
	now   time.Time
	r     *rand.Rand
	seq   int
	rules []sla.Rule
	index map[sla.Rule]uint16
	rows  []clockRow
}

// clockRow is one pending clock of an open case as a situation screen keeps
// it: Unix seconds, the rule's index, at most one suspension.
type clockRow struct {
	start, due, pauseFrom, pauseTo int64
	rule                           uint16 // ^0 for a summons (no SLA rule)
}

const summonsRule = ^uint16(0)

func newScanGen(cal *calendar.Calendar, set *sla.Set) *scanGen {
	return &scanGen{cal: cal, set: set, now: time.Date(2025, 10, 15, 15, 0, 0, 0, cal.Location()),
		r: rand.New(rand.NewPCG(3, 4)), index: map[sla.Rule]uint16{}}
}

var (
	scanChannels = []cases.Channel{cases.ChannelHotline, cases.ChannelHotline, cases.ChannelWeb, cases.ChannelApp, cases.ChannelEnterprise, cases.ChannelGrid}
	scanStates   = []cases.State{cases.StateReceived, cases.StateDispatched, cases.StateDispatched, cases.StateAccepted, cases.StateAccepted, cases.StateInProgress, cases.StateInProgress, cases.StateInProgress}
)

// cases generates n open cases created over the 7 days before now, 10% of
// them suspended once since dispatch and 5% with a summoned unit.
func (g *scanGen) cases(n int) []cases.Case {
	out := make([]cases.Case, n)
	for i := range out {
		g.seq++
		sev := cases.SeverityNormal
		switch x := g.r.IntN(100); {
		case x < 5:
			sev = cases.SeverityCritical
		case x < 15:
			sev = cases.SeverityUrgent
		}
		created := g.now.Add(-time.Duration(g.r.IntN(7*24*60)) * time.Minute)
		c := cases.Case{ID: fmt.Sprintf("GEN-%07d", g.seq), Title: "生成的基准测试工单", Channel: scanChannels[g.r.IntN(len(scanChannels))],
			Category: "01", Severity: sev, State: scanStates[g.r.IntN(len(scanStates))], CreatedAt: created}
		terms := g.set.Resolve(sla.Case{Channel: string(c.Channel), Category: c.Category, Severity: string(c.Severity)})
		due := func(k sla.ClockKind, start time.Time, ps []sla.Interval) *time.Time {
			rule, ok := terms.Rule(k)
			if !ok {
				return nil
			}
			t := sla.Deadline(rule.Clock, start, ps, g.cal)
			return &t
		}
		if c.State == cases.StateReceived {
			c.Deadlines.Dispatch = due(sla.ClockDispatch, created, nil)
		} else {
			at := created.Add(time.Duration(g.r.IntN(120)) * time.Minute)
			c.Unit, c.DispatchedAt = "generated.unit", &at
			var ps []sla.Interval
			if g.r.IntN(10) == 0 {
				from := at.Add(time.Duration(g.r.IntN(24*60)) * time.Minute)
				to := from.Add(time.Duration(g.r.IntN(48*60)) * time.Minute)
				if to.Before(g.now) {
					c.Pauses = []cases.Pause{{Start: from, End: &to, Reason: cases.ActionSuspend}}
					ps = []sla.Interval{{Start: from, End: to}}
				}
			}
			c.Deadlines = cases.Deadlines{SignOff: due(sla.ClockSignOff, at, ps), OnSite: due(sla.ClockOnSite, at, ps),
				Resolve: due(sla.ClockResolve, at, ps), Reply: due(sla.ClockReply, at, ps)}
		}
		if g.r.IntN(20) == 0 {
			c.Summons = []cases.Summons{{Unit: "generated.summoned", Due: created.Add(time.Duration(1+g.r.IntN(48)) * time.Hour)}}
		}
		out[i] = c
	}
	return out
}

// clockStart is when a pending clock of c started.
func clockStart(c *cases.Case, clock string) time.Time {
	if clock == cases.ClockDispatch || c.DispatchedAt == nil {
		return c.CreatedAt
	}
	return *c.DispatchedAt
}

func intervals(c *cases.Case) []sla.Interval {
	var ps []sla.Interval
	for _, p := range c.Pauses {
		if p.End != nil {
			ps = append(ps, sla.Interval{Start: p.Start, End: *p.End})
		}
	}
	return ps
}

// scanCases is the baseline: statuses straight from the case values.
func (g *scanGen) scanCases(cs []cases.Case) (red, yellow int) {
	for i := range cs {
		c := &cs[i]
		terms := g.set.Resolve(sla.Case{Channel: string(c.Channel), Category: c.Category, Severity: string(c.Severity)})
		ps := intervals(c)
		for _, d := range c.Pending() {
			k, err := sla.ParseClockKind(d.Clock)
			rule, ok := terms.Rule(k)
			if err != nil || !ok {
				if !g.now.Before(d.At) {
					red++
				}
				continue
			}
			switch rule.Status(g.now, clockStart(c, d.Clock), d.At, ps, g.cal, rule.YellowAt).Colour {
			case sla.Red:
				red++
			case sla.Yellow:
				yellow++
			}
		}
	}
	return red, yellow
}

// project appends c's pending clocks to the projection.
func (g *scanGen) project(c *cases.Case) {
	terms := g.set.Resolve(sla.Case{Channel: string(c.Channel), Category: c.Category, Severity: string(c.Severity)})
	for _, d := range c.Pending() {
		row := clockRow{start: clockStart(c, d.Clock).Unix(), due: d.At.Unix(), rule: summonsRule}
		if len(c.Pauses) > 0 && c.Pauses[0].End != nil {
			row.pauseFrom, row.pauseTo = c.Pauses[0].Start.Unix(), c.Pauses[0].End.Unix()
		}
		if k, err := sla.ParseClockKind(d.Clock); err == nil {
			if rule, ok := terms.Rule(k); ok {
				ix, seen := g.index[rule]
				if !seen {
					ix = uint16(len(g.rules))
					g.rules = append(g.rules, rule)
					g.index[rule] = ix
				}
				row.rule = ix
			}
		}
		g.rows = append(g.rows, row)
	}
}

// scanRows is the measured scan: one Status per projected clock.
func (g *scanGen) scanRows() (red, yellow int) {
	now := g.now
	nowUnix := now.Unix()
	var buf [1]sla.Interval
	for i := range g.rows {
		row := &g.rows[i]
		if row.rule == summonsRule {
			if nowUnix >= row.due {
				red++
			}
			continue
		}
		rule := &g.rules[row.rule]
		var ps []sla.Interval
		if row.pauseFrom != 0 {
			buf[0] = sla.Interval{Start: time.Unix(row.pauseFrom, 0), End: time.Unix(row.pauseTo, 0)}
			ps = buf[:]
		}
		switch rule.Status(now, time.Unix(row.start, 0), time.Unix(row.due, 0), ps, g.cal, rule.YellowAt).Colour {
		case sla.Red:
			red++
		case sla.Yellow:
			yellow++
		}
	}
	return red, yellow
}
