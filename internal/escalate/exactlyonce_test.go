package escalate_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/dispatch"
	"yiwang/internal/escalate"
	"yiwang/internal/pgtest"
	"yiwang/internal/store/memstore"
	"yiwang/internal/store/sqlstore"
)

// raceScanners creates overdue cases through w, then, for each hour of
// lateness, runs one fresh scanner per store in parallel, each scanning
// twice, and checks that every (case, clock, level) was supervised exactly
// once. stores are the nodes: several handles on one database, or one
// handle shared by goroutines.
func raceScanners(t *testing.T, w *world, stores []escalate.Store) {
	const n = 24
	var ids []string
	for i := range n {
		sev := cases.Severities[i%len(cases.Severities)]
		id := w.dispatched(sev, community, time.Hour)
		if i%3 == 0 {
			due := t0.Add(90 * time.Minute)
			w.do(id, t0.Add(time.Minute), cases.Command{Action: cases.ActionSummon, Payload: cases.Payload{Units: []string{cgDist}, Due: &due}})
		}
		ids = append(ids, id)
	}
	quiet := slog.New(slog.DiscardHandler)
	const hours = 10 // levels 1, 2, 3 of sign_off (due t0+1h) by t0+10h
	for h := 1; h <= hours; h++ {
		now := t0.Add(time.Duration(h) * time.Hour)
		start := make(chan struct{})
		var wg sync.WaitGroup
		errs := make(chan error, 2*len(stores))
		for _, s := range stores {
			wg.Add(1)
			go func() {
				defer wg.Done()
				sc, err := escalate.New(escalate.Options{Store: s, Logger: quiet, Directory: func() *dispatch.Directory { return w.dir }})
				if err != nil {
					errs <- err
					return
				}
				<-start
				for range 2 {
					rep, err := sc.ScanOnce(context.Background(), now)
					if err == nil && rep.Errors > 0 {
						err = fmt.Errorf("scan at t0+%dh: %+v", h, rep)
					}
					if err != nil {
						errs <- err
					}
				}
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	}
	total := 0
	for i, id := range ids {
		got, _ := w.supervisions(id)
		count := map[sup]int{}
		for _, s := range got {
			count[s]++
		}
		for s, k := range count {
			if k != 1 {
				t.Errorf("case %s: %v supervised %d times", id, s, k)
			}
		}
		// sign_off: due t0+1h, last scan t0+10h → levels 1..3.
		// summons: due t0+1h30m → levels 1..3 as well.
		want := 3
		if i%3 == 0 {
			want = 6
		}
		if len(count) != want {
			t.Errorf("case %s: %d distinct supervisions %v, want %d", id, len(count), got, want)
		}
		total += len(got)
	}
	t.Logf("%d supervisions over %d cases from %d racing scanners", total, n, len(stores))
}

// TestExactlyOnceTwoNodesPostgres runs two schedulers, each on its own
// store handle (two nodes) over one PostgreSQL database.
func TestExactlyOnceTwoNodesPostgres(t *testing.T) {
	dsn := pgtest.Database(t, "yiwang_esc_test")
	var nodes []*sqlstore.Store
	for range 2 {
		s, err := sqlstore.Open(context.Background(), dsn, sqlstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		nodes = append(nodes, s)
	}
	w := &world{tb: t, s: nodes[0], dir: testDir(t)}
	raceScanners(t, w, []escalate.Store{nodes[0], nodes[1]})
}

// TestExactlyOnceTwoGoroutinesSQLite runs two schedulers in two goroutines
// over one SQLite store.
func TestExactlyOnceTwoGoroutinesSQLite(t *testing.T) {
	s := openSQLite(t)
	w := &world{tb: t, s: s, dir: testDir(t)}
	raceScanners(t, w, []escalate.Store{s, s})
}

// TestExactlyOnceTwoNodesMemory checks the same on two views of one
// in-memory store, so the property is covered even without a database.
func TestExactlyOnceTwoNodesMemory(t *testing.T) {
	s := memstore.New(memstore.Options{})
	w := &world{tb: t, s: s, dir: testDir(t)}
	raceScanners(t, w, []escalate.Store{s, s.View(memstore.Options{})})
}
