package workflow

import (
	"slices"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/nlp/dedup"
)

func TestDuplicates(t *testing.T) {
	f := newFixture(t, newFakeStore())
	created := at(2025, 9, 30, 10, 0)
	const body = "万家丽路某小区门口的下水道堵塞，污水外溢已经一个多月，气味难闻，居民出行困难，希望尽快疏通。"
	n := newCase("0101", cases.SeverityNormal)
	n.Title, n.Description = "下水道堵塞", body
	a := f.create(n, created)
	b := f.create(n, created)
	other := n
	other.Title, other.Description = "噪音扰民", "楼下餐馆每天凌晨两点还在营业，油烟和噪音严重影响休息，请城管部门查处。"
	f.create(other, created)
	far := n
	far.Location = cases.Location{District: "420111", Street: "420111001"}
	f.create(far, created)

	d := NewDuplicates(dedup.Options{})
	if _, ok := f.w.SimilarOpen("x", "y", n.Location, created, 5); ok {
		t.Fatal("SimilarOpen without an index reports ok")
	}
	f.w.SetDuplicates(d)
	if err := d.CatchUp(f.ctx, f.st); err != nil {
		t.Fatal(err)
	}
	ids := func() []string {
		ms, ok := f.w.SimilarOpen("下水道堵塞", body+"麻烦了", n.Location, created.Add(3600e9), 5)
		if !ok {
			t.Fatal("no index")
		}
		var out []string
		for _, m := range ms {
			out = append(out, m.ID)
		}
		return out
	}
	if got := ids(); len(got) != 2 || got[0] != a.ID && got[1] != a.ID {
		t.Fatalf("similar open cases %v, want %s and %s", got, a.ID, b.ID)
	}
	f.do(a.ID, created.Add(2*3600e9), cases.Command{Action: cases.ActionVoid, Actor: "dispatcher", Payload: cases.Payload{Reason: "重复"}})
	if err := d.CatchUp(f.ctx, f.st); err != nil {
		t.Fatal(err)
	}
	if got := ids(); len(got) != 1 || got[0] != b.ID {
		t.Fatalf("after voiding %s: %v, want only %s", a.ID, got, b.ID)
	}
}

// TestDuplicatesSeed: an index seeded from the recent open cases and
// caught up from a log position answers at "now" exactly as one that
// replayed the whole log — old cases, closed ones, cases created and
// voided after the seed position included.
func TestDuplicatesSeed(t *testing.T) {
	f := newFixture(t, newFakeStore())
	now := at(2025, 10, 30, 10, 0)
	const body = "万家丽路某小区门口的下水道堵塞，污水外溢已经一个多月，气味难闻，居民出行困难，希望尽快疏通。"
	n := newCase("0101", cases.SeverityNormal)
	n.Title, n.Description = "下水道堵塞", body
	f.create(n, now.Add(-40*24*time.Hour))          // older than the window
	recent := f.create(n, now.Add(-3*24*time.Hour)) // open, recent
	gone := f.create(n, now.Add(-2*24*time.Hour))
	f.do(gone.ID, now.Add(-47*time.Hour), cases.Command{Action: cases.ActionVoid, Actor: "dispatcher", Payload: cases.Payload{Reason: "重复"}})
	evs, err := f.st.Events(f.ctx, 0, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	pos := evs[len(evs)-1].Pos
	// After the position the seed is told about: a new case (which Seed
	// will list too) and the recent one voided.
	late := f.create(n, now.Add(-time.Hour))
	f.do(recent.ID, now.Add(-30*time.Minute), cases.Command{Action: cases.ActionVoid, Actor: "dispatcher", Payload: cases.Payload{Reason: "重复"}})

	full := NewDuplicates(dedup.Options{})
	if err := full.CatchUp(f.ctx, f.st); err != nil {
		t.Fatal(err)
	}
	seeded := NewDuplicates(dedup.Options{})
	if err := seeded.Seed(f.ctx, f.st, now.Add(-30*24*time.Hour), pos); err != nil {
		t.Fatal(err)
	}
	if err := seeded.CatchUp(f.ctx, f.st); err != nil {
		t.Fatal(err)
	}
	ask := func(d *Duplicates) []Match { return d.Similar("下水道堵塞", body, dupArea(n.Location), now, 10) }
	want, got := ask(full), ask(seeded)
	if len(want) != 1 || want[0].ID != late.ID || !slices.Equal(got, want) {
		t.Fatalf("seeded index answers %v, the full replay %v (want only %s)", got, want, late.ID)
	}
	if seeded.ix.Len() >= full.ix.Len() {
		t.Errorf("seeded index holds %d items, the full replay %d: the seed should leave old and closed cases out", seeded.ix.Len(), full.ix.Len())
	}
	if err := seeded.Seed(f.ctx, f.st, now, 0); err == nil {
		t.Error("a second Seed on a filled index was accepted")
	}
}
