package escalate_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/dispatch"
	"yiwang/internal/escalate"
	"yiwang/internal/store"
	"yiwang/internal/store/memstore"
	"yiwang/internal/store/sqlstore"
)

// testStore is what the tests need of a store.
type testStore interface {
	escalate.Store
	Create(ctx context.Context, req store.CreateRequest) (cases.Case, bool, error)
	History(ctx context.Context, id string) ([]cases.Event, error)
}

// t0 is 2025-10-09 08:30 in Wuhan.
var t0 = time.Date(2025, 10, 9, 8, 30, 0, 0, time.FixedZone("CST", 8*3600))

// The test directory: city government ← district government ← street
// office ← community; the district's urban management also reports to the
// district government.
const (
	city      = "zhengfu.420100"
	district  = "zhengfu.420106"
	street    = "jiedao.420106002"
	community = "shequ.420106002001"
	cgDist    = "chengguan.420106"
)

func testDir(tb testing.TB) *dispatch.Directory {
	tb.Helper()
	u := func(code, name string, kind dispatch.Kind, parent, area string) dispatch.Unit {
		return dispatch.Unit{Code: code, Name: name, Kind: kind, Parent: parent, Areas: []string{area}, Schedule: "24x7"}
	}
	d, err := dispatch.NewDirectory([]dispatch.Unit{
		u(city, "武汉市人民政府", dispatch.KindGovernment, "", "420100"),
		u(district, "武昌区人民政府", dispatch.KindGovernment, city, "420106"),
		u(street, "杨园街道办事处", dispatch.KindStreetOffice, district, "420106002"),
		u(community, "示例社区居委会", dispatch.KindCommunity, street, "420106002001"),
		u(cgDist, "武昌区城管执法局", dispatch.KindUrbanManagement, district, "420106"),
	})
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// world drives cases in a store at explicit times.
type world struct {
	tb  testing.TB
	s   testStore
	dir *dispatch.Directory
}

func ctxT(tb testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	tb.Cleanup(cancel)
	return ctx
}

func (w *world) create(sev cases.Severity) string {
	w.tb.Helper()
	c, _, err := w.s.Create(ctxT(w.tb), store.CreateRequest{Case: cases.NewCase{
		Channel: cases.ChannelHotline, Title: "路灯不亮（测试）", Category: "01", Severity: sev,
	}, Actor: "tester", At: t0})
	if err != nil {
		w.tb.Fatal(err)
	}
	return c.ID
}

func (w *world) do(id string, at time.Time, cmd cases.Command) cases.Case {
	w.tb.Helper()
	if cmd.Actor == "" {
		cmd.Actor = "tester"
	}
	c, _, err := w.s.Transition(ctxT(w.tb), store.TransitionRequest{ID: id, Command: cmd, At: at})
	if err != nil {
		w.tb.Fatalf("%s %s at %v: %v", cmd.Action, id, at, err)
	}
	return c
}

// dispatched creates a case of sev dispatched to unit at t0 with a sign-off
// deadline signOff after t0.
func (w *world) dispatched(sev cases.Severity, unit string, signOff time.Duration) string {
	w.tb.Helper()
	id := w.create(sev)
	due := t0.Add(signOff)
	w.do(id, t0, cases.Command{Action: cases.ActionDispatch, Payload: cases.Payload{Unit: unit, Deadlines: &cases.Deadlines{SignOff: &due}}})
	return id
}

// sup is one supervise event as the tests compare it.
type sup struct {
	Clock string
	Level int
	Unit  string
}

func (w *world) supervisions(id string) ([]sup, []string) {
	w.tb.Helper()
	evs, err := w.s.History(ctxT(w.tb), id)
	if err != nil {
		w.tb.Fatal(err)
	}
	var out []sup
	var notes []string
	for _, e := range evs {
		if e.Action == cases.ActionSupervise {
			out = append(out, sup{e.Payload.Clock, e.Payload.Level, e.Payload.Unit})
			notes = append(notes, e.Note)
			if e.Actor != escalate.Actor {
				w.tb.Errorf("supervision by %q, want %q", e.Actor, escalate.Actor)
			}
		}
	}
	return out, notes
}

func (w *world) scanner(o escalate.Options) *escalate.Scanner {
	w.tb.Helper()
	o.Store = w.s
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Directory == nil {
		o.Directory = func() *dispatch.Directory { return w.dir }
	}
	sc, err := escalate.New(o)
	if err != nil {
		w.tb.Fatal(err)
	}
	return sc
}

func scan(tb testing.TB, sc *escalate.Scanner, now time.Time) escalate.Report {
	tb.Helper()
	rep, err := sc.ScanOnce(ctxT(tb), now)
	if err != nil {
		tb.Fatalf("scan at %v: %v", now, err)
	}
	if rep.Errors > 0 {
		tb.Fatalf("scan at %v: %+v", now, rep)
	}
	return rep
}

// forEachStore runs f on a fresh in-memory store and on a fresh SQLite store.
func forEachStore(t *testing.T, f func(t *testing.T, w *world)) {
	t.Run("memory", func(t *testing.T) { f(t, &world{tb: t, s: memstore.New(memstore.Options{}), dir: testDir(t)}) })
	t.Run("sqlite", func(t *testing.T) { f(t, &world{tb: t, s: openSQLite(t), dir: testDir(t)}) })
}

func openSQLite(tb testing.TB) *sqlstore.Store {
	tb.Helper()
	s, err := sqlstore.Open(context.Background(), "sqlite:"+filepath.Join(tb.TempDir(), "esc.db"), sqlstore.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func hasAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
