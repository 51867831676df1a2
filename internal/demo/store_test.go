package demo

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"yiwang/internal/cases"
	"yiwang/internal/store"
	"yiwang/internal/store/sqlstore"
)

// TestSeedSQLite seeds a real SQLite store, checks what it holds, and that a
// second seed refuses a store that is not empty.
func TestSeedSQLite(t *testing.T) {
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "demo.db"), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	x, e := realDeps(t)
	opts := SeedOptions{Now: testNow, Locator: GeoLocator(x), Router: DispatchRouter(e)}
	rep, err := Seed(ctx, st, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("seed report: %+v", rep)
	if rep.Cases != 4615 {
		t.Errorf("seeded %d cases, want 4615", rep.Cases)
	}
	for _, s := range cases.States {
		page, err := st.List(ctx, store.Filter{States: []cases.State{s}, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		if want := rep.ByState[s]; len(page.Cases) != min(want, 1000) {
			t.Errorf("store lists %d cases in state %s, report says %d", len(page.Cases), s, want)
		}
	}
	page, err := st.List(ctx, store.Filter{Limit: 1})
	if err != nil || len(page.Cases) != 1 {
		t.Fatalf("list: %v %v", page, err)
	}
	hist, err := st.History(ctx, page.Cases[0].ID)
	if err != nil || len(hist) == 0 {
		t.Fatalf("history of %s: %v", page.Cases[0].ID, err)
	}
	if _, err := Seed(ctx, st, opts); !errors.Is(err, ErrNotEmpty) {
		t.Errorf("second seed: err = %v, want ErrNotEmpty", err)
	}
}
