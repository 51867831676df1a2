package bench

import (
	"fmt"
	"math/rand/v2"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/category"
	"yiwang/internal/geo"
	"yiwang/internal/situation"
	"yiwang/internal/store"
)

// caseGen generates case histories for the console benchmark: created over
// the 30 days before now, at grids of the real geography, in categories of
// the default taxonomy, dispatched with deadlines and carried as far along
// their lifecycle as their planned step times allow before now. Every text
// says it is generated.
type caseGen struct {
	r     *rand.Rand
	now   time.Time
	grids []genLoc
	cats  []string
	ids   store.IDFormat
	days  map[string]int64
}

func newCaseGen(idx *geo.Index, tax *category.Taxonomy, now time.Time, seed uint64) (*caseGen, error) {
	g := &caseGen{r: rand.New(rand.NewPCG(seed, 11)), now: now.Truncate(time.Second),
		ids: store.IDFormat{Prefix: "WH", Zone: situation.Shanghai}, days: map[string]int64{}}
	for _, a := range idx.Areas(geo.LevelGrid) {
		comm, _ := idx.Area(a.ParentCode)
		st, _ := idx.Area(comm.ParentCode)
		g.grids = append(g.grids, genLoc{district: st.ParentCode, street: st.Code, community: comm.Code, grid: a.Code,
			lat: a.Centroid.Lat(), lon: a.Centroid.Lon()})
	}
	for _, c := range tax.All() {
		if c.Level == 2 {
			g.cats = append(g.cats, c.Code)
		}
	}
	if len(g.grids) == 0 || len(g.cats) == 0 {
		return nil, fmt.Errorf("console bench: no grids (%d) or level-2 categories (%d) to generate cases in", len(g.grids), len(g.cats))
	}
	return g, nil
}

// genLoc is one grid with the codes of the areas above it.
type genLoc struct {
	district, street, community, grid string
	lat, lon                          float64
}

var genChannels = []cases.Channel{cases.ChannelHotline, cases.ChannelHotline, cases.ChannelHotline,
	cases.ChannelApp, cases.ChannelWeb, cases.ChannelGrid, cases.ChannelGrid, cases.ChannelEnterprise, cases.ChannelSensor}

// minutes returns a random duration between lo and hi minutes.
func (g *caseGen) minutes(lo, hi int) time.Duration {
	return time.Duration(lo+g.r.IntN(hi-lo+1)) * time.Minute
}

// next returns one generated history.
func (g *caseGen) next() ([]cases.Event, error) {
	r := g.r
	// Created over the last 30 days, more in the day than at night.
	created := g.now.Add(-time.Duration(r.Int64N(int64(30 * 24 * time.Hour))))
	if h := created.In(situation.Shanghai).Hour(); (h < 7 || h > 21) && r.IntN(2) == 0 {
		created = created.Add(12 * time.Hour)
		if created.After(g.now) {
			created = created.Add(-24 * time.Hour)
		}
	}
	created = created.Truncate(time.Second)
	day := g.ids.Day(created)
	g.days[day]++
	id := g.ids.Format(day, g.days[day])

	ch := g.grids[r.IntN(len(g.grids))]
	lat, lon := ch.lat, ch.lon
	sev := cases.SeverityNormal
	if r.IntN(10) == 0 {
		sev = cases.SeverityUrgent
	}
	n := cases.NewCase{
		Channel: genChannels[r.IntN(len(genChannels))], Category: g.cats[r.IntN(len(g.cats))], Severity: sev,
		Title:       "（生成数据）基准测试工单",
		Description: "（生成数据，仅用于态势屏基准测试）",
		Location: cases.Location{Lat: &lat, Lon: &lon, Address: "武汉市（生成地址）",
			District: ch.district, Street: ch.street, Community: ch.community, Grid: ch.grid},
		Reporter: cases.Reporter{Phone: fmt.Sprintf("139%08d", r.IntN(100_000_000))},
	}
	n.Normalize()
	hist := []cases.Event{cases.NewCreate(id, n, "bench", "12345", created)}
	var c cases.Case
	if err := cases.Apply(&c, hist[0]); err != nil {
		return nil, fmt.Errorf("generated case %s: %w", id, err)
	}
	at := created
	var stepErr error
	done := func() ([]cases.Event, error) { return hist, stepErr }
	step := func(d time.Duration, cmd cases.Command) bool {
		at = at.Add(d)
		if stepErr != nil || at.After(g.now) {
			return false
		}
		if cmd.Actor == "" {
			cmd.Actor = "bench"
		}
		e, err := cases.Decide(&c, cmd, at)
		if err == nil {
			err = cases.Apply(&c, e)
		}
		if err != nil {
			stepErr = fmt.Errorf("generated case %s: %s refused: %w", id, cmd.Action, err)
			return false
		}
		hist = append(hist, e)
		return true
	}
	unit := fmt.Sprintf("gen-%s-%d", ch.district, r.IntN(8))
	dispatch := func() bool {
		signOff := at.Add(2 * time.Hour)
		resolve := at.Add(time.Duration(3+r.IntN(12)) * 24 * time.Hour)
		return step(g.minutes(5, 90), cases.Command{Action: cases.ActionDispatch, Payload: cases.Payload{
			Unit: unit, RuleID: "generated", Deadlines: &cases.Deadlines{SignOff: &signOff, Resolve: &resolve}}})
	}
	if r.IntN(100) == 0 { // never dispatched yet
		return done()
	}
	if !dispatch() {
		return done()
	}
	switch k := r.IntN(100); {
	case k < 3: // voided as a duplicate
		step(g.minutes(30, 600), cases.Command{Action: cases.ActionVoid, Payload: cases.Payload{Reason: "（生成）重复工单"}})
		return done()
	case k < 8: // returned and dispatched again
		if !step(g.minutes(10, 240), cases.Command{Action: cases.ActionReturn, Payload: cases.Payload{Reason: "（生成）非本单位职责"}}) {
			return done()
		}
		unit = fmt.Sprintf("gen-%s-%d", ch.district, r.IntN(8))
		if !dispatch() {
			return done()
		}
	}
	if !step(g.minutes(5, 180), cases.Command{Action: cases.ActionAccept}) {
		return done()
	}
	if r.IntN(50) == 0 {
		step(g.minutes(60, 2000), cases.Command{Action: cases.ActionSuspend, Payload: cases.Payload{Reason: "（生成）等待施工条件"}})
		return done()
	}
	if !step(g.minutes(10, 600), cases.Command{Action: cases.ActionStart}) {
		return done()
	}
	if !step(g.minutes(60, 18*24*60), cases.Command{Action: cases.ActionResolve, Payload: cases.Payload{Reply: "（生成）已处理"}}) {
		return done()
	}
	sat := []string{cases.Satisfied, cases.Satisfied, cases.Satisfied, cases.BasicallySatisfied, cases.Unsatisfied}[r.IntN(5)]
	if !step(g.minutes(60, 2*24*60), cases.Command{Action: cases.ActionVerify, Payload: cases.Payload{Satisfaction: sat}}) {
		return done()
	}
	step(g.minutes(10, 24*60), cases.Command{Action: cases.ActionClose})
	return done()
}
