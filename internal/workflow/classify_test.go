package workflow

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
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
			// The case carries the top three; only a held case waits in
			// the low-confidence queue.
			wantQueue := cases.Queue("")
			if tt.wantState == cases.StateReceived {
				wantQueue = cases.QueueLowConfidence
			}
			if c.Queue != wantQueue || note.Payload.Queue != wantQueue {
				t.Errorf("queue: case %q note %q, want %q", c.Queue, note.Payload.Queue, wantQueue)
			}
			if len(c.Suggestions) != 3 {
				t.Fatalf("case suggestions %+v, want the top three", c.Suggestions)
			}
			for i, s := range c.Suggestions {
				if s.Category != tt.sg[i].Category || s.Confidence != tt.sg[i].Confidence || !slices.Equal(s.Terms, tt.sg[i].Terms) {
					t.Errorf("suggestion %d: %+v, want %+v", i, s, tt.sg[i])
				}
			}
			// The note's text alone (as notes were written before the
			// payload carried the suggestions) replays to the same queue
			// and suggestions, confidences to the text's precision.
			hist := f.history(c.ID)
			for i := range hist {
				hist[i].Payload.Suggestions, hist[i].Payload.Queue = nil, ""
			}
			old, err := cases.Replay(hist)
			if err != nil {
				t.Fatal(err)
			}
			if old.Queue != c.Queue || len(old.Suggestions) != len(c.Suggestions) {
				t.Fatalf("from the text: queue %q suggestions %+v; from the payload %q %+v", old.Queue, old.Suggestions, c.Queue, c.Suggestions)
			}
			for i, s := range old.Suggestions {
				w := c.Suggestions[i]
				if s.Category != w.Category || math.Abs(s.Confidence-w.Confidence) > 0.005 || !slices.Equal(s.Terms, w.Terms) {
					t.Errorf("from the text, suggestion %d: %+v; from the payload %+v", i, s, w)
				}
			}
		})
	}
}

// TestHeldCaseLeavesQueue: a held case is listed by the store's queue
// filter until a dispatcher recategorises it (the workflow then dispatches
// it by the new category) or dispatches it; a confidently classified case
// never is.
func TestHeldCaseLeavesQueue(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		created := at(2025, 9, 30, 10, 0)
		unsure := fixedSuggester{{"0102", 0.55, []string{"水压"}}, {"0101", 0.30, nil}}
		if err := f.w.SetSuggester(unsure, 0); err != nil {
			t.Fatal(err)
		}
		n := newCase("0101", cases.SeverityNormal)
		n.Tags = []string{TagAutoCategory}
		a, b := f.create(n, created), f.create(n, created)
		if err := f.w.SetSuggester(fixedSuggester{{"0102", 0.95, nil}}, 0); err != nil {
			t.Fatal(err)
		}
		confident := f.create(n, created)
		queue := func() []string {
			t.Helper()
			page, err := st.List(context.Background(), store.Filter{Queue: cases.QueueLowConfidence})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, c := range page.Cases {
				out = append(out, c.ID)
			}
			slices.Sort(out)
			return out
		}
		want := []string{a.ID, b.ID}
		slices.Sort(want)
		if got := queue(); !slices.Equal(got, want) || slices.Contains(got, confident.ID) {
			t.Fatalf("queue %v, want %v (not the confident %s)", got, want, confident.ID)
		}
		r, _, err := f.w.Transition(context.Background(), store.TransitionRequest{ID: a.ID, At: created.Add(time.Hour),
			Command: cases.Command{Action: cases.ActionRecategorise, Actor: "dispatcher", Payload: cases.Payload{Category: "0102"}}})
		if err != nil {
			t.Fatal(err)
		}
		if r.State != cases.StateDispatched || r.Queue != "" {
			t.Fatalf("recategorised: state %s queue %q, want dispatched by the new category and out of the queue", r.State, r.Queue)
		}
		if got := queue(); !slices.Equal(got, []string{b.ID}) {
			t.Fatalf("after the recategorise: queue %v, want [%s]", got, b.ID)
		}
		f.do(b.ID, created.Add(time.Hour), cases.Command{Action: cases.ActionDispatch, Actor: "dispatcher", Payload: cases.Payload{Unit: "zhujian.420100"}})
		if got := queue(); len(got) != 0 {
			t.Fatalf("after the dispatch: queue %v, want none", got)
		}
	})
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

// TestAttachedIsAccepted: whatever a suggester answers, the suggestions a
// note carries pass cases.Decide, so a held case is never stored without
// its hold note (and then dispatched by the retry).
func TestAttachedIsAccepted(t *testing.T) {
	long := strings.Repeat("长", 80)
	tests := []struct {
		name string
		in   []Suggestion
		want int
	}{
		{"odd confidences", []Suggestion{{"01", math.NaN(), nil}, {"02", 1.7, nil}, {"03", -0.2, nil}}, 3},
		{"four", []Suggestion{{"01", 0.4, nil}, {"02", 0.3, nil}, {"03", 0.2, nil}, {"04", 0.1, nil}}, 3},
		{"bad categories skipped", []Suggestion{{"", 0.4, nil}, {strings.Repeat("1", 60), 0.3, nil}, {"\xff", 0.2, nil}, {"04", 0.1, nil}}, 1},
		{"odd terms", []Suggestion{{"01", 0.5, append([]string{"", " ", "a\x00b", long, "\xffx"}, make([]string, 30)...)}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := attached(tt.in)
			if len(got) != tt.want {
				t.Fatalf("%d suggestions attached, want %d: %+v", len(got), tt.want, got)
			}
			c := cases.Case{ID: "WH-1", State: cases.StateReceived, Version: 1}
			cmd := cases.Command{Action: cases.ActionNote, Actor: SystemActor, Note: "n", Payload: cases.Payload{Queue: cases.QueueLowConfidence, Suggestions: got}}
			if _, err := cases.Decide(&c, cmd, at(2025, 9, 30, 10, 0)); err != nil {
				t.Fatalf("Decide refuses the attached suggestions: %v", err)
			}
		})
	}
}
