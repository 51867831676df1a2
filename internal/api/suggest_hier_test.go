package api

import (
	"net/http"
	"strings"
	"testing"

	"yiwang/internal/category"
	"yiwang/internal/dispatch"
	"yiwang/internal/workflow"
)

// deepSuggester suggests fixed categories, however deep.
type deepSuggester []workflow.Suggestion

func (d deepSuggester) Suggest(string, string) []workflow.Suggestion { return d }

// TestSuggestDeeperCategory: a suggestion below level 1 (as the
// hierarchical classifier gives when it is confident) is answered with its
// code, level, name and path.
func TestSuggestDeeperCategory(t *testing.T) {
	tax, err := category.Default()
	if err != nil {
		t.Fatal(err)
	}
	leaf := tax.Children(tax.Children("01")[1].Code)[0]
	eng, err := dispatch.DemoEngine()
	if err != nil {
		t.Fatal(err)
	}
	st := newFakeStore()
	wf, err := workflow.New(workflow.Options{Store: st, Engine: eng,
		Suggester: deepSuggester{{Category: leaf.Code, Confidence: 0.85}, {Category: "04", Confidence: 0.1}}})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, st, func(o *Options) { o.Workflow = wf })
	rec := h.do("POST", "/api/v1/suggest", `{"title":"路灯","body":"路灯坏了"}`)
	if rec.Code != http.StatusOK {
		t.Fatalf("suggest: %d %s", rec.Code, rec.Body)
	}
	got := decode[suggestResponse](t, rec)
	if len(got.Categories) != 2 {
		t.Fatalf("categories %+v", got.Categories)
	}
	c := got.Categories[0]
	if c.Category != leaf.Code || c.Level != 3 || c.Name != leaf.Name || c.Path != leaf.Path || c.Confidence != 0.85 {
		t.Errorf("deeper suggestion %+v, want %s level 3 %s", c, leaf.Code, leaf.Path)
	}
	if got.Categories[1].Level != 1 {
		t.Errorf("first-level suggestion %+v, want level 1", got.Categories[1])
	}
	if !strings.Contains(rec.Body.String(), `"level":3`) {
		t.Errorf("body %s has no level", rec.Body)
	}
}
