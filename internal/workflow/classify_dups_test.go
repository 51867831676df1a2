package workflow

import (
	"testing"

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
