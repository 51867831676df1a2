package api

import (
	"net/http"
	"reflect"
	"slices"
	"sort"
	"testing"

	"yiwang/internal/cases"
	"yiwang/internal/workflow"
)

// TestRecategoriseRoute checks the recategorise action over HTTP: the
// category is checked against the taxonomy (422 naming payload.category),
// the event keeps the old and new category, and the state machine's
// refusals come through.
func TestRecategoriseRoute(t *testing.T) {
	h := newHarness(t, newFakeStore())
	c := h.create(nil)
	path := "/api/v1/cases/" + c.ID + "/transitions"
	for _, tt := range []struct {
		name, body, typ, field string
	}{
		{"unknown category", `{"action":"recategorise","actor":"d","payload":{"category":"9999"}}`, ProblemUnknownCategory, "payload.category"},
		{"missing category", `{"action":"recategorise","actor":"d"}`, ProblemTransitionRefused, "payload.category"},
		{"unchanged category", `{"action":"recategorise","actor":"d","payload":{"category":"` + testCat + `"}}`, ProblemTransitionRefused, "payload.category"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wantProblem(t, h.do("POST", path, tt.body), http.StatusUnprocessableEntity, tt.typ, tt.field)
		})
	}
	got := h.transition(c.ID, `{"action":"recategorise","actor":"dispatcher1","payload":{"category":"15","previous_category":"99"}}`)
	if got.Case.Category != "15" || got.Event.Action != cases.ActionRecategorise ||
		got.Event.Payload.Category != "15" || got.Event.Payload.PreviousCategory != testCat {
		t.Fatalf("recategorise: case category %s, event %s %q → %q; want 15, recategorise %s → 15",
			got.Case.Category, got.Event.Action, got.Event.Payload.PreviousCategory, got.Event.Payload.Category, testCat)
	}
	if rec := h.do("GET", "/api/v1/cases?category=15", ""); rec.Code != http.StatusOK {
		t.Fatalf("list: %d %s", rec.Code, rec.Body)
	} else if l := decode[listResponse](t, rec); len(l.Cases) != 1 || l.Cases[0].ID != c.ID {
		t.Errorf("list by the new category: %d cases", len(l.Cases))
	}

	v := h.create(nil)
	h.transition(v.ID, `{"action":"void","actor":"d","payload":{"reason":"重复"}}`)
	p := wantProblem(t, h.do("POST", "/api/v1/cases/"+v.ID+"/transitions", `{"action":"recategorise","actor":"d","payload":{"category":"15"}}`),
		http.StatusConflict, ProblemTransitionNotAllowed, "action")
	if p.State != cases.StateVoided {
		t.Errorf("refusal state %s", p.State)
	}
}

// TestRecategoriseCorrection checks that a recategorise after the
// classifier's suggestion is listed by GET /api/v1/nlp/corrections, old →
// new with the text.
func TestRecategoriseCorrection(t *testing.T) {
	h, _ := newSuggestHarness(t)
	const body = "万家丽路某小区门口的下水道堵塞，污水外溢已经一个多月，气味难闻，居民出行困难。"
	c := h.create(func(m map[string]any) {
		m["title"], m["description"], m["category"] = "小区下水道堵塞", body, "01"
		m["tags"] = []any{workflow.TagAutoCategory}
		placed(m)
	})
	to := "15"
	if c.Category == to {
		to = "14"
	}
	h.transition(c.ID, `{"action":"recategorise","actor":"dispatcher1","payload":{"category":"`+to+`"}}`)
	rec := h.do("GET", "/api/v1/nlp/corrections", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("corrections: %d %s", rec.Code, rec.Body)
	}
	cs := decode[correctionsResponse](t, rec).Corrections
	if len(cs) != 1 {
		t.Fatalf("corrections %+v, want one", cs)
	}
	r := cs[0].Recategorised
	if cs[0].CaseID != c.ID || r == nil || r.From != c.Category || r.To != to || r.By != "dispatcher1" || cs[0].Text != body {
		t.Errorf("correction %+v (recategorised %+v), want %s %s → %s with the description", cs[0], r, c.ID, c.Category, to)
	}
}

// TestOpenAPICategoryCorrection checks the CategoryCorrection schema has
// exactly the Go type's fields (the schema list in openapi_test.go is
// another helper's file).
func TestOpenAPICategoryCorrection(t *testing.T) {
	doc := loadOpenAPI(t)
	schema, ok := doc.Components.Schemas["CategoryCorrection"]
	if !ok {
		t.Fatal("schema CategoryCorrection missing")
	}
	var want, got []string
	for k := range jsonFields(reflect.TypeOf(workflow.CategoryCorrection{})) {
		want = append(want, k)
	}
	for k := range schema.Properties {
		got = append(got, k)
	}
	sort.Strings(want)
	sort.Strings(got)
	if !slices.Equal(got, want) {
		t.Errorf("schema CategoryCorrection has %v, Go type has %v", got, want)
	}
}
