package workflow

import (
	"strings"
	"testing"

	"yiwang/internal/cases"
)

// fixedSuggester suggests the same categories for every message; two-digit
// codes are coarse.
type fixedSuggester []Suggestion

func (f fixedSuggester) Suggest(string, string) []Suggestion { return f }
func (f fixedSuggester) Coarse(code string) bool             { return len(code) == 2 }

func TestCreateClassifies(t *testing.T) {
	confident := fixedSuggester{{"0102", 0.91, []string{"停水"}}, {"0101", 0.05, nil}, {"03", 0.02, nil}, {"04", 0.01, nil}}
	unsure := fixedSuggester{{"0102", 0.55, []string{"水压"}}, {"0101", 0.30, []string{"小区"}}, {"0103", 0.10, nil}}
	created := at(2025, 9, 30, 10, 0)
	tests := []struct {
		name      string
		sg        fixedSuggester
		cat       string
		tags      []string
		wantCat   string
		wantState cases.State
		wantUnit  string
		wantNote  []string // substrings of the suggestion note; nil: no note
		automatic bool
	}{
		{"tagged auto, confident: the suggestion is applied", confident, "0101", []string{TagAutoCategory},
			"0102", cases.StateDispatched, "shuiwu.420100", []string{"applied=true", "自动分类：0102", "1. 0102 0.91 依据：停水"}, true},
		{"coarse category, confident: refined", confident, "01", nil,
			"0102", cases.StateDispatched, "shuiwu.420100", []string{"applied=true", "original=01"}, true},
		{"tagged auto, unsure: manual queue with the top three", unsure, "0101", []string{TagAutoCategory},
			"0101", cases.StateReceived, "", []string{"applied=false", "转人工派单", "1. 0102 0.55 依据：水压", "2. 0101 0.30 依据：小区", "3. 0103"}, false},
		{"confident and equal: the category is confirmed", confident, "0102", []string{TagAutoCategory},
			"0102", cases.StateDispatched, "shuiwu.420100", []string{"applied=false", "确认原分类"}, false},
		{"fine category, not tagged: no classification", confident, "0101", nil,
			"0101", cases.StateDispatched, "zhujian.420100", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, newFakeStore())
			if err := f.w.SetSuggester(tt.sg, 0); err != nil {
				t.Fatal(err)
			}
			n := newCase(tt.cat, cases.SeverityNormal)
			n.Tags = tt.tags
			c := f.create(n, created)
			if c.Category != tt.wantCat || c.State != tt.wantState || c.Unit != tt.wantUnit {
				t.Fatalf("case: category %s state %s unit %s, want %s %s %s", c.Category, c.State, c.Unit, tt.wantCat, tt.wantState, tt.wantUnit)
			}
			var note *cases.Event
			for _, e := range f.history(c.ID) {
				if e.Action == cases.ActionNote && strings.HasPrefix(e.Note, suggestionMark) {
					note = &e
				}
			}
			if tt.wantNote == nil {
				if note != nil {
					t.Fatalf("unexpected suggestion note %q", note.Note)
				}
				return
			}
			if note == nil {
				t.Fatal("no suggestion note")
			}
			contains(t, "note", note.Note, tt.wantNote...)
			if note.Payload.Automatic != tt.automatic {
				t.Errorf("note automatic = %v, want %v", note.Payload.Automatic, tt.automatic)
			}
		})
	}
}

func TestSetSuggesterThreshold(t *testing.T) {
	f := newFixture(t, newFakeStore())
	for _, th := range []float64{-0.1, 1.5} {
		if err := f.w.SetSuggester(fixedSuggester{}, th); err == nil {
			t.Errorf("threshold %v accepted", th)
		}
	}
	if _, ok := f.w.Suggest("a", "b"); ok {
		t.Error("Suggest without a suggester reports ok")
	}
	if err := f.w.SetSuggester(fixedSuggester{{"0102", 0.85, nil}}, 0.9); err != nil {
		t.Fatal(err)
	}
	n := newCase("0101", cases.SeverityNormal)
	n.Tags = []string{TagAutoCategory}
	if c := f.create(n, at(2025, 9, 30, 10, 0)); c.State != cases.StateReceived {
		t.Errorf("0.85 under threshold 0.9: state %s, want received", c.State)
	}
}

func TestCorrections(t *testing.T) {
	f := newFixture(t, newFakeStore())
	created := at(2025, 9, 30, 10, 0)
	if err := f.w.SetSuggester(fixedSuggester{{"0102", 0.55, nil}}, 0); err != nil {
		t.Fatal(err)
	}
	n := newCase("0101", cases.SeverityNormal)
	n.Tags = []string{TagAutoCategory}
	held := f.create(n, created)   // suggestion 0102 would go to shuiwu.420100
	agreed := f.create(n, created) // the dispatcher follows the suggestion
	f.create(n, created)           // still waiting: no correction yet
	person := func(unit string) cases.Command {
		return cases.Command{Action: cases.ActionDispatch, Actor: "dispatcher", Payload: cases.Payload{Unit: unit}}
	}
	f.do(held.ID, created.Add(3600e9), person("zhujian.420100"))
	f.do(agreed.ID, created.Add(3600e9), person("shuiwu.420100"))

	if err := f.w.SetSuggester(fixedSuggester{{"0102", 0.95, nil}}, 0); err != nil {
		t.Fatal(err)
	}
	applied := f.create(n, created)
	f.do(applied.ID, created.Add(2*3600e9), cases.Command{Action: cases.ActionReturn, Actor: "shuiwu", Payload: cases.Payload{Reason: "不属于本单位"}})
	f.create(n, created) // applied, untouched

	got, err := f.w.Corrections(f.ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d corrections, want 2: %+v", len(got), got)
	}
	if c := got[0]; c.CaseID != held.ID || c.Unit != "zhujian.420100" || c.SuggestedUnit != "shuiwu.420100" || c.Suggestion.Applied {
		t.Errorf("held case correction %+v", c)
	}
	if c := got[1]; c.CaseID != applied.ID || c.Returned != 1 || !c.Suggestion.Applied || c.Suggestion.Original != "0101" {
		t.Errorf("applied case correction %+v", c)
	}
	if got, _ := f.w.Corrections(f.ctx, 0, 1); len(got) != 1 {
		t.Errorf("limit 1 gave %d", len(got))
	}
}
