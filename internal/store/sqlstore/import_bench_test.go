package sqlstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
	"yiwang/internal/store/sqlstore"
)

// demoHistories builds n generated case histories of six events each (the
// shape of the demo data loaded at start-up).
func demoHistories(tb testing.TB, n int) [][]cases.Event {
	tb.Helper()
	t0 := time.Date(2026, 11, 2, 1, 0, 0, 0, time.UTC)
	steps := []cases.Command{
		{Action: cases.ActionDispatch, Actor: "dispatcher", Payload: cases.Payload{Unit: "wh-cg"}},
		{Action: cases.ActionAccept, Actor: "unit"},
		{Action: cases.ActionStart, Actor: "unit"},
		{Action: cases.ActionResolve, Actor: "unit", Payload: cases.Payload{Reply: "已处理"}},
		{Action: cases.ActionClose, Actor: "dispatcher"},
	}
	out := make([][]cases.Event, n)
	for i := range out {
		at := t0.Add(time.Duration(i) * time.Minute)
		id := fmt.Sprintf("WH-%s-%06d", at.Format("20060102"), i+1)
		h := []cases.Event{cases.NewCreate(id, cases.NewCase{Channel: cases.ChannelHotline, Title: fmt.Sprint("生成的演示工单 ", i),
			Description: "generated demo case", Category: "0103", Severity: cases.SeverityNormal,
			Location: cases.Location{District: "420103", Street: "420103002"}}, "agent", "12345", at)}
		c, err := cases.Replay(h)
		if err != nil {
			tb.Fatal(err)
		}
		for j, cmd := range steps {
			e, err := cases.Decide(&c, cmd, at.Add(time.Duration(j+1)*time.Hour))
			if err != nil {
				tb.Fatal(err)
			}
			if err := cases.Apply(&c, e); err != nil {
				tb.Fatal(err)
			}
			h = append(h, e)
		}
		out[i] = h
	}
	return out
}

// BenchmarkImport loads 3,000 six-event histories into an empty SQLite
// store with one Import, against the baseline of writing the same histories
// through Create and Transition from 64 goroutines (group commit).
//
//	go test -run '^$' -bench Import -benchtime 3x ./internal/store/sqlstore/
func BenchmarkImport(b *testing.B) {
	const n = 3000
	hs := demoHistories(b, n)
	open := func(b *testing.B) *sqlstore.Store {
		s, err := sqlstore.Open(context.Background(), "sqlite:"+filepath.Join(b.TempDir(), "import.sqlite"), sqlstore.Options{})
		if err != nil {
			b.Fatal(err)
		}
		return s
	}
	var baseline time.Duration
	b.Run("create-transition", func(b *testing.B) {
		var total time.Duration
		for range b.N {
			s := open(b)
			start := time.Now()
			var wg sync.WaitGroup
			work := make(chan []cases.Event)
			for range 64 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for h := range work {
						c, _, err := s.Create(context.Background(), store.CreateRequest{Case: *h[0].Payload.Case, Actor: h[0].Actor, Unit: h[0].Unit, At: h[0].At})
						if err != nil {
							b.Error(err)
							return
						}
						for _, e := range h[1:] {
							cmd := cases.Command{Action: e.Action, Actor: e.Actor, Unit: e.Unit, Note: e.Note, Payload: e.Payload}
							if _, _, err := s.Transition(context.Background(), store.TransitionRequest{ID: c.ID, Command: cmd, At: e.At}); err != nil {
								b.Error(err)
								return
							}
						}
					}
				}()
			}
			for _, h := range hs {
				work <- h
			}
			close(work)
			wg.Wait()
			total += time.Since(start)
			s.Close()
		}
		baseline = total / time.Duration(b.N)
		b.ReportMetric(baseline.Seconds(), "s/3000-cases")
	})
	b.Run("import", func(b *testing.B) {
		var total time.Duration
		for range b.N {
			s := open(b)
			start := time.Now()
			if err := s.Import(context.Background(), hs); err != nil {
				b.Fatal(err)
			}
			total += time.Since(start)
			s.Close()
		}
		per := total / time.Duration(b.N)
		b.ReportMetric(per.Seconds(), "s/3000-cases")
		if baseline > 0 {
			b.ReportMetric(baseline.Seconds()/per.Seconds(), "x-vs-create-transition")
		}
	})
}
