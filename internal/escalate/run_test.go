package escalate_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/dispatch"
	"yiwang/internal/escalate"
	"yiwang/internal/store/memstore"
)

// Run scans at once and on every tick with the injected clock, and returns
// nil when its context ends.
func TestRunTicksUntilCancelled(t *testing.T) {
	w := &world{tb: t, s: memstore.New(memstore.Options{}), dir: testDir(t)}
	id := w.dispatched(cases.SeverityNormal, community, time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	calls := 0
	now := func() time.Time {
		calls++
		if calls == 3 {
			cancel()
		}
		return t0.Add(time.Duration(calls) * 4 * time.Hour) // levels 1, 2, (3 cancelled)
	}
	sc, err := escalate.New(escalate.Options{Store: w.s, Now: now, Interval: time.Millisecond,
		Logger: slog.New(slog.DiscardHandler), Directory: func() *dispatch.Directory { return w.dir }})
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.Run(ctx); err != nil {
		t.Fatalf("Run: %v", err)
	}
	got, _ := w.supervisions(id)
	if len(got) < 2 || got[0].Level != 1 || got[1].Level != 2 {
		t.Fatalf("supervisions %v, want levels 1 and 2 from two ticks", got)
	}
}

func TestNewNeedsStore(t *testing.T) {
	if _, err := escalate.New(escalate.Options{}); err != escalate.ErrNoStore {
		t.Fatalf("New without store: %v, want ErrNoStore", err)
	}
}
