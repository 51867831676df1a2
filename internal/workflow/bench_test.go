package workflow

import (
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
	"yiwang/internal/store/sqlstore"
)

// BenchmarkCreate measures a create through the workflow (create, decide,
// dispatch with deadlines: two durable writes) against the bare store's
// create on SQLite, and reports the ratio.
func BenchmarkCreate(b *testing.B) {
	run := func(b *testing.B, create func(store.CreateRequest) error) time.Duration {
		req := store.CreateRequest{Case: newCase("0102", cases.SeverityNormal), Actor: "bench", At: at(2025, 9, 29, 10, 0)}
		start := time.Now()
		for range b.N {
			if err := create(req); err != nil {
				b.Fatal(err)
			}
		}
		return time.Since(start)
	}
	var bare, wf time.Duration
	b.Run("store", func(b *testing.B) {
		st := benchStore(b)
		bare = run(b, func(r store.CreateRequest) error { _, _, err := st.Create(b.Context(), r); return err }) / time.Duration(b.N)
	})
	b.Run("workflow", func(b *testing.B) {
		st := benchStore(b)
		w, err := New(Options{Store: st, Engine: testEngine(b), Now: func() time.Time { return at(2025, 9, 29, 10, 0) }})
		if err != nil {
			b.Fatal(err)
		}
		wf = run(b, func(r store.CreateRequest) error { _, _, err := w.Create(b.Context(), r); return err }) / time.Duration(b.N)
		if bare > 0 {
			b.ReportMetric(float64(wf)/float64(bare), "x_store_create")
		}
	})
}

// BenchmarkClocks measures the clocks of a dispatched case against
// cases.Case.Pending (the store's view of the same deadlines).
func BenchmarkClocks(b *testing.B) {
	clk := &clock{t: at(2025, 9, 30, 17, 29)}
	w, err := New(Options{Store: newFakeStore(), Engine: testEngine(b), Now: clk.Now})
	if err != nil {
		b.Fatal(err)
	}
	c, _, err := w.Create(b.Context(), store.CreateRequest{Case: newCase("0101", cases.SeverityNormal), Actor: "bench", At: at(2025, 9, 30, 17, 29)})
	if err != nil {
		b.Fatal(err)
	}
	now := at(2025, 10, 9, 9, 0)
	var base time.Duration
	b.Run("pending", func(b *testing.B) {
		start := time.Now()
		for range b.N {
			if len(c.Pending()) == 0 {
				b.Fatal("no pending deadline")
			}
		}
		base = time.Since(start) / time.Duration(b.N)
	})
	b.Run("clocks", func(b *testing.B) {
		start := time.Now()
		for range b.N {
			if len(w.Clocks(c, now)) == 0 {
				b.Fatal("no clock")
			}
		}
		if base > 0 {
			b.ReportMetric(float64(time.Since(start)/time.Duration(b.N))/float64(base), "x_pending")
		}
	})
}

func benchStore(b *testing.B) store.Store {
	b.Helper()
	st, err := sqlstore.Open(b.Context(), "sqlite:"+filepath.Join(b.TempDir(), "x.db"), sqlstore.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st
}
