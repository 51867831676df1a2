package workflow

import (
	"slices"
	"strings"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/category"
	"yiwang/internal/nlp/classify"
	"yiwang/internal/store"
)

func recategorise(cat string) cases.Command {
	return cases.Command{Action: cases.ActionRecategorise, Actor: "dispatcher", Payload: cases.Payload{Category: cat}}
}

// TestRecategoriseRedispatches checks the dispatch that follows a
// recategorise in the dispatch queue, and that none follows elsewhere.
func TestRecategoriseRedispatches(t *testing.T) {
	created := at(2025, 9, 30, 10, 0)
	later := created.Add(3600e9)
	ret := cases.Command{Action: cases.ActionReturn, Actor: "unit", Payload: cases.Payload{Reason: "不属于本单位"}}
	tests := []struct {
		name      string
		filed     string
		before    []cases.Command
		to        string
		wantState cases.State
		wantUnit  string
		wantAfter []cases.Action // the actions appended by the recategorise
	}{
		{"received, no rule → covered: dispatched", "02", nil, "0102",
			cases.StateDispatched, "shuiwu.420100", []cases.Action{cases.ActionRecategorise, cases.ActionDispatch}},
		{"received, covered → no rule: stays in the queue", "02", nil, "03",
			cases.StateReceived, "", []cases.Action{cases.ActionRecategorise}},
		{"dispatched: the unit stays", "0102", nil, "0101",
			cases.StateDispatched, "shuiwu.420100", []cases.Action{cases.ActionRecategorise}},
		{"returned, to another unit: dispatched", "0102", []cases.Command{ret}, "0101",
			cases.StateDispatched, "zhujian.420100", []cases.Action{cases.ActionRecategorise, cases.ActionDispatch}},
		{"returned, back to the returning unit: stays in the queue", "0102", []cases.Command{ret}, "010201",
			cases.StateReturned, "", []cases.Action{cases.ActionRecategorise}},
		{"accepted: no dispatch", "0102", []cases.Command{{Action: cases.ActionAccept, Actor: "unit"}}, "0101",
			cases.StateAccepted, "shuiwu.420100", []cases.Action{cases.ActionRecategorise}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forEachStore(t, func(t *testing.T, st store.Store) {
				f := newFixture(t, st)
				c := f.create(newCase(tt.filed, cases.SeverityNormal), created)
				if tt.filed == "02" && c.State != cases.StateReceived {
					t.Fatalf("category 02 should wait in the queue, is %s", c.State)
				}
				for _, cmd := range tt.before {
					c = f.do(c.ID, created.Add(60e9), cmd)
				}
				n := len(f.history(c.ID))
				got, e, err := f.try(c.ID, later, recategorise(tt.to))
				if err != nil {
					t.Fatal(err)
				}
				if e.Action != cases.ActionRecategorise || e.Payload.Category != tt.to || e.Payload.PreviousCategory != tt.filed {
					t.Errorf("event %s %q → %q, want recategorise %q → %q", e.Action, e.Payload.PreviousCategory, e.Payload.Category, tt.filed, tt.to)
				}
				if got.Category != tt.to || got.State != tt.wantState || got.Unit != tt.wantUnit {
					t.Errorf("case: category %s state %s unit %q; want %s %s %q", got.Category, got.State, got.Unit, tt.to, tt.wantState, tt.wantUnit)
				}
				h := f.history(c.ID)
				var acts []cases.Action
				for _, e := range h[n:] {
					acts = append(acts, e.Action)
				}
				if len(acts) != len(tt.wantAfter) {
					t.Fatalf("appended %v, want %v", acts, tt.wantAfter)
				}
				for i := range acts {
					if acts[i] != tt.wantAfter[i] {
						t.Fatalf("appended %v, want %v", acts, tt.wantAfter)
					}
				}
				if last := h[len(h)-1]; last.Action == cases.ActionDispatch &&
					(last.Actor != SystemActor || !last.Payload.Automatic || last.Payload.Deadlines == nil) {
					t.Errorf("dispatch after recategorise: actor %s automatic %v deadlines %v", last.Actor, last.Payload.Automatic, last.Payload.Deadlines)
				}
				stored, err := st.Get(f.ctx, c.ID)
				if err != nil {
					t.Fatal(err)
				}
				if stored.Version != got.Version || stored.Category != tt.to {
					t.Errorf("stored version %d category %s, returned %d %s", stored.Version, stored.Category, got.Version, got.Category)
				}
				page, err := st.List(f.ctx, store.Filter{Category: tt.to})
				if err != nil {
					t.Fatal(err)
				}
				if len(page.Cases) != 1 || page.Cases[0].ID != c.ID {
					t.Errorf("List by the new category %s found %d cases", tt.to, len(page.Cases))
				}
				if page, _ := st.List(f.ctx, store.Filter{Category: tt.filed}); len(page.Cases) != 0 && !strings.HasPrefix(tt.to, tt.filed) {
					t.Errorf("List by the old category %s still finds the case", tt.filed)
				}
			})
		})
	}
}

// TestCategoryCorrections checks that a person's recategorise after a
// suggestion is listed as a correction, old → new with the text, and that
// a recategorise back to the same category is not.
func TestCategoryCorrections(t *testing.T) {
	f := newFixture(t, newFakeStore())
	created := at(2025, 9, 30, 10, 0)
	if err := f.w.SetSuggester(fixedSuggester{{"0102", 0.95, nil}}, 0); err != nil {
		t.Fatal(err)
	}
	n := newCase("01", cases.SeverityNormal) // coarse: refined to 0102 and dispatched
	n.Description = "小区楼道灯坏了"
	wrong := f.create(n, created)
	if wrong.Category != "0102" || wrong.State != cases.StateDispatched {
		t.Fatalf("setup: category %s state %s", wrong.Category, wrong.State)
	}
	back := f.create(n, created)
	f.do(wrong.ID, created.Add(3600e9), recategorise("0103"))
	f.do(wrong.ID, created.Add(2*3600e9), recategorise("0104"))
	f.do(back.ID, created.Add(3600e9), recategorise("0103"))
	f.do(back.ID, created.Add(2*3600e9), recategorise("0102"))
	plain := f.create(newCase("0101", cases.SeverityNormal), created) // no suggestion: not a correction
	f.do(plain.ID, created.Add(3600e9), recategorise("0103"))

	got, err := f.w.Corrections(f.ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("got %d corrections, want 1: %+v", len(got), got)
	}
	c := got[0]
	r := c.Recategorised
	if c.CaseID != wrong.ID || r == nil || r.From != "0102" || r.To != "0104" || r.By != "dispatcher" || c.Category != "0104" || c.Text != n.Description {
		t.Errorf("correction %+v, recategorised %+v; want %s 0102 → 0104 by dispatcher with the description", c, r, wrong.ID)
	}
	if !r.At.Equal(created.Add(2 * 3600e9)) {
		t.Errorf("correction at %s, want the last recategorise", r.At)
	}
}

// TestClosedCasesFinalCategory checks that the training examples from
// closed cases carry the category after recategorise.
func TestClosedCasesFinalCategory(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		created := at(2025, 9, 30, 10, 0)
		open := f.create(newCase("0101", cases.SeverityNormal), created)
		c := f.create(newCase("0101", cases.SeverityNormal), created)
		steps := []cases.Command{
			recategorise("0102"),
			{Action: cases.ActionAccept, Actor: "unit"},
			{Action: cases.ActionResolve, Actor: "unit", Payload: cases.Payload{Reply: "已处理"}},
			{Action: cases.ActionClose, Actor: "dispatcher"},
		}
		for i, cmd := range steps {
			f.do(c.ID, created.Add(time.Duration(i+1)*time.Minute), cmd)
		}
		got, err := f.w.ClosedCases(f.ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != c.ID || got[0].Category != "0102" || got[0].Title != "测试诉求" {
			t.Fatalf("closed cases %+v, want only %s labelled 0102 (not %s, open)", got, c.ID, open.ID)
		}
		if got, _ := f.w.ClosedCases(f.ctx, 0); len(got) != 0 {
			t.Errorf("limit 0 gave %d", len(got))
		}
		if got, _ := f.w.ClosedCases(f.ctx, 10, "other", "测试"); len(got) != 1 {
			t.Errorf("an absent skip tag left %d cases", len(got))
		}
		tagged := newCase("0101", cases.SeverityNormal)
		tagged.Tags = []string{"demo"}
		d := f.create(tagged, created)
		for i, cmd := range steps[1:] {
			f.do(d.ID, created.Add(time.Duration(i+1)*time.Minute), cmd)
		}
		if got, _ := f.w.ClosedCases(f.ctx, 10); len(got) != 2 {
			t.Errorf("without skip tags: %d cases, want 2", len(got))
		}
		if got, _ := f.w.ClosedCases(f.ctx, 10, "demo"); len(got) != 1 || got[0].ID != c.ID {
			t.Errorf("skipping tag demo: %+v, want only %s", got, c.ID)
		}
	})
}

func TestLevel1Examples(t *testing.T) {
	tax, err := category.Default()
	if err != nil {
		t.Fatal(err)
	}
	got := Level1Examples([]LabeledCase{
		{Title: "a", Description: "b", Category: "010101"},
		{Title: "c", Category: "15"},
		{Title: "unknown", Category: "9999"},
	}, tax)
	want := []classify.Example{{Title: "a", Body: "b", Label: "城乡建设"}, {Title: "c", Label: "劳动和社会保障"}}
	if !slices.Equal(got, want) {
		t.Errorf("examples %+v, want %+v", got, want)
	}
}
