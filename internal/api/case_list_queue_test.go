package api

import (
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"

	"yiwang/internal/cases"
	"yiwang/internal/store"
	"yiwang/internal/workflow"
)

// fixedSuggester suggests the same categories for every message; codes of
// two digits are coarse.
type fixedSuggester []workflow.Suggestion

func (f fixedSuggester) Suggest(string, string) []workflow.Suggestion { return f }
func (f fixedSuggester) Coarse(code string) bool                      { return len(code) == 2 }

// areaCaller is a signed-in caller whose scope is a set of areas.
type areaCaller struct {
	fakeCaller
	areas []string
}

func (c areaCaller) Scope() *store.Scope { return &store.Scope{Areas: c.areas} }

// TestLowConfidenceQueue checks GET /api/v1/cases?queue=low_confidence: a
// case the classifier held is listed with its suggestions (and shown with
// them), not in the manual queue; a recategorised or dispatched one leaves
// it; a confidently classified one never enters it; the caller's scope
// applies; a bad queue is a 400 naming the parameter; a client cannot put
// a case in the queue itself.
func TestLowConfidenceQueue(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		wf, clk := demoWorkflow(t, st)
		h := newHarness(t, st, func(o *Options) { o.Workflow = wf; o.Now = clk.Now; o.Auth = callerFromContext })
		unsure := fixedSuggester{{Category: testCat, Confidence: 0.55, Terms: []string{"路灯", "不亮"}},
			{Category: "0102", Confidence: 0.30, Terms: []string{"小区"}}, {Category: "15", Confidence: 0.10}}
		if err := wf.SetSuggester(unsure, 0); err != nil {
			t.Fatal(err)
		}
		auto := func(m map[string]any) {
			m["category"], m["tags"] = "01", []any{workflow.TagAutoCategory}
			placed(m)
		}
		held, recat, routed := h.create(auto), h.create(auto), h.create(auto)
		uncovered := h.create(nil) // no location: no rule covers it
		if err := wf.SetSuggester(fixedSuggester{{Category: testCat, Confidence: 0.95}}, 0); err != nil {
			t.Fatal(err)
		}
		confident := h.create(auto)
		if confident.State != cases.StateDispatched || confident.Queue != "" {
			t.Fatalf("confident case: state %s queue %q", confident.State, confident.Queue)
		}

		if got, want := h.listIDs("queue=low_confidence"), sorted(held.ID, recat.ID, routed.ID); !slices.Equal(got, want) {
			t.Fatalf("queue=low_confidence = %v, want %v", got, want)
		}
		if got := h.listIDs("queue=manual"); !slices.Equal(got, []string{uncovered.ID}) {
			t.Fatalf("queue=manual = %v, want only the uncovered %s (held cases are in low_confidence)", got, uncovered.ID)
		}
		// The list and the case view carry the suggestions, top three
		// with their confidences and terms.
		list := decode[listResponse](t, h.do("GET", "/api/v1/cases?queue=low_confidence&sort=due&limit=1", ""))
		if len(list.Cases) != 1 || list.NextCursor == "" || list.Cases[0].Queue != cases.QueueLowConfidence || len(list.Cases[0].Suggestions) != 3 {
			t.Fatalf("first page: %+v next %q", list.Cases, list.NextCursor)
		}
		v := h.getCase(held.ID)
		want := []cases.Suggestion{{Category: testCat, Confidence: 0.55, Terms: []string{"路灯", "不亮"}},
			{Category: "0102", Confidence: 0.30, Terms: []string{"小区"}}, {Category: "15", Confidence: 0.10}}
		if v.Queue != cases.QueueLowConfidence || !reflect.DeepEqual(v.Suggestions, want) {
			t.Fatalf("case view: queue %q suggestions %+v, want %+v", v.Queue, v.Suggestions, want)
		}
		raw := h.do("GET", "/api/v1/cases/"+held.ID, "").Body.String()
		if !strings.Contains(raw, `"queue":"low_confidence"`) || !strings.Contains(raw, `"suggestions":[{"category":"`+testCat+`","confidence":0.55,"terms":["路灯","不亮"]}`) {
			t.Errorf("case JSON lacks the queue or the suggestions: %s", raw)
		}

		// Recategorised as suggested: the rule covers it, it is
		// dispatched and out of the queue; dispatched by hand: out too.
		r := h.transition(recat.ID, `{"action":"recategorise","actor":"d","payload":{"category":"`+testCat+`"}}`)
		if r.Case.State != cases.StateDispatched || r.Case.Queue != "" || len(r.Case.Suggestions) != 3 {
			t.Fatalf("recategorised: state %s queue %q suggestions %d", r.Case.State, r.Case.Queue, len(r.Case.Suggestions))
		}
		h.transition(routed.ID, `{"action":"dispatch","actor":"d","payload":{"unit":"shuiwu.420100"}}`)
		if got := h.listIDs("queue=low_confidence"); !slices.Equal(got, []string{held.ID}) {
			t.Fatalf("after recategorise and dispatch: queue=low_confidence = %v, want [%s]", got, held.ID)
		}

		// Scope: a handler of another unit does not see the held case; a
		// caller whose area holds it does.
		send := func(c Caller, path string) *httptest.ResponseRecorder {
			rec := httptest.NewRecorder()
			h.srv.ServeHTTP(rec, withCaller(httptest.NewRequest("GET", path, nil), c))
			return rec
		}
		other := fakeCaller{login: "h1", unit: "u-a", units: []string{"u-a"}}
		if l := decode[listResponse](t, send(other, "/api/v1/cases?queue=low_confidence")); len(l.Cases) != 0 {
			t.Errorf("a handler of another unit sees %d held cases", len(l.Cases))
		}
		area := areaCaller{fakeCaller: fakeCaller{login: "d1", unit: "cg"}, areas: []string{"420106"}}
		if l := decode[listResponse](t, send(area, "/api/v1/cases?queue=low_confidence")); len(l.Cases) != 1 || l.Cases[0].ID != held.ID {
			t.Errorf("a caller of the case's area sees %+v, want [%s]", l.Cases, held.ID)
		}

		for _, q := range []string{"queue=low", "queue=LOW_CONFIDENCE", "queue=low_confidence&state=received", "queue=low_confidence&queue=manual"} {
			p := wantProblem(t, h.do("GET", "/api/v1/cases?"+q, ""), http.StatusBadRequest, ProblemInvalidParameter, "queue")
			if q == "queue=low" && !strings.Contains(p.Detail, "low_confidence") {
				t.Errorf("%s: detail %q does not name the queues", q, p.Detail)
			}
		}
		// Only the platform puts a case in a queue.
		for _, body := range []string{
			`{"action":"note","actor":"d","note":"x","payload":{"queue":"low_confidence","suggestions":[{"category":"01","confidence":0.5}]}}`,
			`{"action":"note","actor":"d","note":"x","payload":{"suggestions":[{"category":"01","confidence":0.5}]}}`,
		} {
			wantProblem(t, h.do("POST", "/api/v1/cases/"+uncovered.ID+"/transitions", body), http.StatusUnprocessableEntity, ProblemInvalidField, "payload.queue")
		}
		if got := h.listIDs("queue=low_confidence"); !slices.Equal(got, []string{held.ID}) {
			t.Fatalf("after the refused notes: queue=low_confidence = %v", got)
		}
	})
}
