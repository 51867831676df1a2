package workflow

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/dispatch"
	"yiwang/internal/store"
	"yiwang/internal/store/memstore"
	"yiwang/internal/store/sqlstore"
)

var shanghai = time.FixedZone("CST", 8*3600)

// at is a wall-clock time in China Standard Time.
func at(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, shanghai)
}

// backend opens a fresh store for one test.
type backend struct {
	name string
	open func(t *testing.T) store.Store
}

var backends = []backend{
	{"memory", func(*testing.T) store.Store { return newFakeStore() }},
	{"sqlite", openSQLite},
}

// newFakeStore returns the in-memory store (memstore) the tests use where
// the backend does not matter; the name stays from the hand-written fake it
// replaced.
func newFakeStore() *memstore.Store { return memstore.New(memstore.Options{}) }

// openSQLite opens the real store on a temporary SQLite file. It skips
// while the store's document methods are not implemented yet.
func openSQLite(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlstore.Open(t.Context(), "sqlite:"+filepath.Join(t.TempDir(), "x.db"), sqlstore.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
	if _, err := st.GetDocument(t.Context(), "probe"); !errors.Is(err, store.ErrNotFound) {
		t.Skipf("sqlstore documents not usable yet (GetDocument: %v)", err)
	}
	return st
}

func forEachStore(t *testing.T, f func(t *testing.T, st store.Store)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) { f(t, b.open(t)) })
	}
}

// clock is a settable clock for the workflow.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// testEngine builds the engine of testdata/units.yaml and rules.yaml.
func testEngine(t testing.TB) *dispatch.Engine {
	t.Helper()
	units, err := dispatch.LoadUnitsFile("testdata/units.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir, err := dispatch.NewDirectory(units)
	if err != nil {
		t.Fatal(err)
	}
	rules, err := dispatch.LoadRulesFile("testdata/rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	e, err := dispatch.NewEngine(dir, rules)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// fixture is a workflow over one store with a settable clock.
type fixture struct {
	t     *testing.T
	w     *Workflow
	st    store.Store
	clock *clock
	ctx   context.Context
}

func newFixture(t *testing.T, st store.Store) *fixture {
	t.Helper()
	clk := &clock{t: at(2025, 9, 29, 9, 0)}
	w, err := New(Options{Store: st, Engine: testEngine(t), Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, w: w, st: st, clock: clk, ctx: t.Context()}
}

// newCase is a valid case of category cat in 武昌区 (Wuchang).
func newCase(cat string, sev cases.Severity) cases.NewCase {
	return cases.NewCase{Channel: cases.ChannelHotline, Title: "测试诉求", Category: cat, Severity: sev,
		Location: cases.Location{District: "420106", Street: "420106002"}}
}

// create creates a case at the given instant through the workflow.
func (f *fixture) create(n cases.NewCase, when time.Time) cases.Case {
	f.t.Helper()
	f.clock.Set(when)
	c, created, err := f.w.Create(f.ctx, store.CreateRequest{Case: n, Actor: "agent", At: when})
	if err != nil || !created {
		f.t.Fatalf("create: created %v, err %v", created, err)
	}
	return c
}

// do runs a command at the given instant and fails the test on error.
func (f *fixture) do(id string, when time.Time, cmd cases.Command) cases.Case {
	f.t.Helper()
	c, _, err := f.try(id, when, cmd)
	if err != nil {
		f.t.Fatalf("%s at %s: %v", cmd.Action, when, err)
	}
	return c
}

func (f *fixture) try(id string, when time.Time, cmd cases.Command) (cases.Case, cases.Event, error) {
	f.clock.Set(when)
	if cmd.Actor == "" {
		cmd.Actor = "tester"
	}
	return f.w.Transition(f.ctx, store.TransitionRequest{ID: id, Command: cmd, At: when})
}

func (f *fixture) history(id string) []cases.Event {
	f.t.Helper()
	h, err := f.st.History(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return h
}

func sameTime(t *testing.T, what string, got *time.Time, want time.Time) {
	t.Helper()
	if got == nil {
		t.Errorf("%s = nil, want %s", what, want.In(shanghai))
		return
	}
	if !got.Equal(want) {
		t.Errorf("%s = %s, want %s", what, got.In(shanghai), want.In(shanghai))
	}
}

func contains(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s lacks %q:\n%s", what, sub, s)
		}
	}
}
