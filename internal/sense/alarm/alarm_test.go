package alarm

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
	"yiwang/internal/store/memstore"
	"yiwang/internal/workflow"
)

var _ Cases = (*workflow.Workflow)(nil)

var t0 = time.Date(2026, 7, 1, 8, 0, 0, 0, time.UTC)

// fakeCases records calls; closed cases answer notes as closed.
type fakeCases struct {
	log    []string
	closed map[string]bool
	n      int
	keys   map[string]string
}

func (f *fakeCases) Create(_ context.Context, req store.CreateRequest) (cases.Case, bool, error) {
	if id, ok := f.keys[req.IdempotencyKey]; ok {
		return cases.Case{ID: id}, false, nil
	}
	f.n++
	id := fmt.Sprintf("C%d", f.n)
	f.keys[req.IdempotencyKey] = id
	f.log = append(f.log, "create "+id+" "+string(req.Case.Channel)+" "+req.IdempotencyKey)
	return cases.Case{ID: id, State: cases.StateDispatched}, true, nil
}

func (f *fakeCases) Transition(_ context.Context, req store.TransitionRequest) (cases.Case, cases.Event, error) {
	f.log = append(f.log, "note "+req.ID+" "+strings.Fields(req.Command.Note)[0])
	st := cases.StateDispatched
	if f.closed[req.ID] {
		st = cases.StateClosed
	}
	return cases.Case{ID: req.ID, State: st}, cases.Event{}, nil
}

func newManager(t *testing.T) (*Manager, *fakeCases) {
	f := &fakeCases{closed: map[string]bool{}, keys: map[string]string{}}
	m, err := New(Options{Cases: f, MinHold: 5 * time.Minute, Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	return m, f
}

func fire(rule string, on bool) Event {
	return Event{Rule: rule, Firing: on, Severity: cases.SeverityUrgent, Detail: "d",
		Case: cases.NewCase{Title: "水位超警戒", Category: "0101"}}
}

func at(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }

func TestLifecycle(t *testing.T) {
	m, f := newManager(t)
	ctx := context.Background()
	m.Handle(at(0), fire("wl", true))
	m.Handle(at(1), fire("wl", true)) // dedup: same open alarm
	if err := m.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	open := m.Open()
	if len(open) != 1 || open[0].Refires != 1 || open[0].CaseID != "C1" || open[0].State != Active {
		t.Fatalf("open %+v", open)
	}
	if _, err := m.Ack(open[0].ID, "张三", at(2)); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Ack(open[0].ID, "张三", at(2)); !errors.Is(err, ErrState) {
		t.Fatalf("second ack: %v", err)
	}
	if _, err := m.Ack("nope", "x", at(2)); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown ack: %v", err)
	}
	// Flap: clear within the hold, then fire again: nothing happens.
	m.Handle(at(3), fire("wl", false))
	m.Handle(at(4), fire("wl", true))
	m.Tick(at(10))
	if len(m.Open()) != 1 || m.Stats().FlapsSuppressed != 1 {
		t.Fatalf("flap not suppressed: %+v", m.Stats())
	}
	// A clear within the hold is applied once the hold has passed.
	m.Handle(at(4), fire("wl", false)) // 4 minutes after the raise: within the hold
	m.Tick(at(4))
	if len(m.Open()) != 1 {
		t.Fatal("cleared within the hold")
	}
	m.Tick(at(5))
	if len(m.Open()) != 0 || len(m.Recent()) != 1 || m.Recent()[0].State != Cleared {
		t.Fatalf("not cleared after the hold: open %v recent %v", m.Open(), m.Recent())
	}
	// Fires again: its case is still open, so the case gets a note.
	m.Handle(at(20), fire("wl", true))
	m.Handle(at(30), fire("wl", false))
	// The case is closed now: the next alarm opens a new case.
	m.Drain(ctx)
	f.closed["C1"] = true
	m.Handle(at(40), fire("wl", true))
	if err := m.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"create C1 sensor sense/wl@" + fmt.Sprint(at(0).UnixNano()),
		"note C1 告警已解除",
		"note C1 告警再次触发",
		"note C1 告警已解除",
		"note C1 告警再次触发",
		"create C2 sensor sense/wl@" + fmt.Sprint(at(40).UnixNano()),
	}
	if strings.Join(f.log, "\n") != strings.Join(want, "\n") {
		t.Fatalf("calls:\n%s\nwant:\n%s", strings.Join(f.log, "\n"), strings.Join(want, "\n"))
	}
	if s := m.Stats(); s.Raised != 3 || s.Cleared != 2 || s.CasesCreated != 2 {
		t.Fatalf("stats %+v", s)
	}
}

// TestWithWorkflow opens a real case through the workflow over the
// in-memory store, retried with the same key.
func TestWithWorkflow(t *testing.T) {
	st := memstore.New(memstore.Options{})
	defer st.Close()
	wf, err := workflow.New(workflow.Options{Store: st, Now: func() time.Time { return at(1) }})
	if err != nil {
		t.Fatal(err)
	}
	var got []cases.Case
	m, _ := New(Options{Cases: wf, Now: func() time.Time { return at(1) }, MinHold: time.Minute,
		OnCase: func(a Alarm, c cases.Case, created bool) { got = append(got, c) }})
	ev := fire("wl", true)
	ev.Case.Location = cases.Location{District: "420102"}
	m.Handle(at(0), ev)
	m.Handle(at(2), fire("wl", false))
	if err := m.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Channel != cases.ChannelSensor || got[0].State != cases.StateDispatched || got[0].Unit == "" {
		t.Fatalf("cases %+v", got)
	}
	h, _ := st.History(context.Background(), got[0].ID)
	if last := h[len(h)-1]; last.Action != cases.ActionNote || !strings.Contains(last.Note, "告警已解除") {
		t.Fatalf("last event %+v", last)
	}
	// A restarted manager raising the same alarm (same rule, same raise
	// time) finds the case by its idempotency key instead of opening one.
	var again []bool
	m2, _ := New(Options{Cases: wf, Now: func() time.Time { return at(3) },
		OnCase: func(a Alarm, c cases.Case, created bool) { again = append(again, created); got = append(got, c) }})
	m2.Handle(at(0), ev)
	if err := m2.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(again) != 1 || again[0] || got[2].ID != got[0].ID {
		t.Fatalf("retry created=%v, case %s vs %s", again, got[2].ID, got[0].ID)
	}
}

func TestRun(t *testing.T) {
	f := &fakeCases{closed: map[string]bool{}, keys: map[string]string{}}
	done := make(chan string, 1)
	m, _ := New(Options{Cases: f, OnCase: func(a Alarm, c cases.Case, created bool) { done <- c.ID }})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- m.Run(ctx) }()
	m.Handle(at(0), fire("wl", true))
	if id := <-done; id != "C1" {
		t.Fatalf("case %s", id)
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatal(err)
	}
}
