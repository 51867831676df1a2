package api

import (
	"net/http"
	"slices"
	"testing"

	"yiwang/internal/category"
	"yiwang/internal/dispatch"
	"yiwang/internal/nlp"
	"yiwang/internal/nlp/dedup"
	"yiwang/internal/nlp/review"
	"yiwang/internal/workflow"
)

// newSuggestHarness is a server whose workflow classifies with the model
// trained on the embedded real messages and finds duplicates.
func newSuggestHarness(t *testing.T) (*harness, *workflow.Duplicates) {
	t.Helper()
	st := newFakeStore()
	eng, err := dispatch.DemoEngine()
	if err != nil {
		t.Fatal(err)
	}
	tax, err := category.Default()
	if err != nil {
		t.Fatal(err)
	}
	m, err := nlp.TrainCategory(1)
	if err != nil {
		t.Fatal(err)
	}
	wf, err := workflow.New(workflow.Options{Store: st, Engine: eng, Suggester: workflow.ModelSuggester{Model: m, Taxonomy: tax}})
	if err != nil {
		t.Fatal(err)
	}
	d := workflow.NewDuplicates(dedup.Options{Window: 1 << 62})
	wf.SetDuplicates(d)
	return newHarness(t, st, func(o *Options) { o.Workflow = wf }), d
}

func TestSuggest(t *testing.T) {
	h, d := newSuggestHarness(t)
	const title, body = "小区下水道堵塞污水外溢", "万家丽路某小区门口的下水道堵塞，污水外溢已经一个多月，气味难闻，居民出行困难。"
	c := h.create(func(m map[string]any) { m["title"], m["description"] = title, body; placed(m) })
	if err := d.CatchUp(t.Context(), h.store); err != nil {
		t.Fatal(err)
	}
	rec := h.do("POST", "/api/v1/suggest", `{"title":"`+title+`","body":"`+body+`请尽快处理"}`)
	if rec.Code != http.StatusOK {
		t.Fatalf("suggest: %d %s", rec.Code, rec.Body)
	}
	got := decode[suggestResponse](t, rec)
	if !got.ClassifierReady || len(got.Categories) != 3 {
		t.Fatalf("suggest: %+v, want three categories", got)
	}
	for i, c := range got.Categories {
		if c.Name == "" || c.Confidence <= 0 || i > 0 && c.Confidence > got.Categories[i-1].Confidence {
			t.Errorf("category %d: %+v", i, c)
		}
	}
	if len(got.Categories[0].Terms) == 0 {
		t.Errorf("top category without terms: %+v", got.Categories[0])
	}
	t.Logf("suggestions: %+v", got.Categories)
	if len(got.Duplicates) != 1 || got.Duplicates[0].ID != c.ID {
		t.Fatalf("duplicates %+v, want %s", got.Duplicates, c.ID)
	}
	h.transition(c.ID, `{"action":"void","actor":"d","payload":{"reason":"测试"}}`)
	// The index has not heard of the void: the store's state filters it.
	if got := decode[suggestResponse](t, h.do("POST", "/api/v1/suggest", `{"title":"`+title+`","body":"`+body+`"}`)); len(got.Duplicates) != 0 {
		t.Errorf("voided case still suggested as a duplicate: %+v", got.Duplicates)
	}
	for _, tt := range []struct{ body, field string }{
		{`{}`, "title"}, {`{"title":"  "}`, "title"}, {`{"title":"x","lat":30.5}`, "lat"},
	} {
		wantProblem(t, h.do("POST", "/api/v1/suggest", tt.body), http.StatusUnprocessableEntity, ProblemInvalidField, tt.field)
	}
	rec = h.do("GET", "/api/v1/nlp/corrections?limit=10", "")
	if rec.Code != http.StatusOK {
		t.Fatalf("corrections: %d %s", rec.Code, rec.Body)
	}
	if cs := decode[correctionsResponse](t, rec); cs.Corrections == nil {
		t.Error("corrections: null list")
	}
	wantProblem(t, h.do("GET", "/api/v1/nlp/corrections?limit=0", ""), http.StatusBadRequest, ProblemInvalidParameter, "limit")
}

func TestSuggestWithoutWorkflow(t *testing.T) {
	h := newHarness(t, newFakeStore())
	wantProblem(t, h.do("POST", "/api/v1/suggest", `{"title":"x"}`), http.StatusNotFound, ProblemNotFound, "")
}

func TestReviewRoute(t *testing.T) {
	h := newHarness(t, newFakeStore())
	const msg = "万家丽路某小区门口的下水道堵塞，污水外溢已经一个多月，希望尽快疏通。"
	good := `{"message":"` + msg + `","reply":"网友您好：经核实，万家丽路某小区门口下水道因泥沙淤积堵塞。B区城市管理局已安排养护单位于3月5日疏通下水道，并要求在10个工作日内完成整改。","asked_at":"2019-03-01T09:00:00Z","answered_at":"2019-03-04T09:00:00Z"}`
	weak := `{"message":"` + msg + `","reply":"您的留言已收悉，感谢您的支持。"}`
	g := decode[review.Review](t, h.do("POST", "/api/v1/review", good))
	w := decode[review.Review](t, h.do("POST", "/api/v1/review", weak))
	if g.Overall <= w.Overall || slices.Contains(g.Flags, review.FlagWeak) || !slices.Contains(w.Flags, review.FlagWeak) {
		t.Errorf("good %+v, weak %+v", g, w)
	}
	if !slices.Contains(w.Flags, review.FlagNoTimes) || slices.Contains(g.Flags, review.FlagNoTimes) {
		t.Errorf("no_times: good %v weak %v", g.Flags, w.Flags)
	}
	wantProblem(t, h.do("POST", "/api/v1/review", `{"message":"x","reply":" "}`), http.StatusUnprocessableEntity, ProblemInvalidField, "reply")
}
