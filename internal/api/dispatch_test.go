package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/dispatch"
	"yiwang/internal/store"
	"yiwang/internal/workflow"
)

// manualClock is a clock the test moves.
type manualClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *manualClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// demoWorkflow is a workflow over st and the demo responsibility list on
// a movable clock starting at t0.
func demoWorkflow(t testing.TB, st store.Store) (*workflow.Workflow, *manualClock) {
	t.Helper()
	clk := &manualClock{t: t0}
	eng, err := dispatch.DemoEngine()
	if err != nil {
		t.Fatal(err)
	}
	wf, err := workflow.New(workflow.Options{Store: st, Engine: eng, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return wf, clk
}

// newWorkflowHarness is a server whose cases go through a workflow over
// the demo responsibility list, both on one movable clock.
func newWorkflowHarness(t *testing.T, st store.Store) (*harness, *manualClock) {
	t.Helper()
	wf, clk := demoWorkflow(t, st)
	return newHarness(t, st, func(o *Options) { o.Workflow = wf; o.Now = clk.Now }), clk
}

// placed puts a case in 武昌区 (the client sends the chain; no geography
// in these tests).
func placed(m map[string]any) {
	m["location"] = map[string]any{"district": "420106", "street": "420106002"}
}

type caseWithClocks struct {
	cases.Case
	Clocks []clockView `json:"clocks"`
}

func (h *harness) getCase(id string) caseWithClocks {
	h.t.Helper()
	rec := h.do("GET", "/api/v1/cases/"+id, "")
	if rec.Code != http.StatusOK {
		h.t.Fatalf("get %s: %d %s", id, rec.Code, rec.Body)
	}
	return decode[caseWithClocks](h.t, rec)
}

func (h *harness) listIDs(query string) []string {
	h.t.Helper()
	rec := h.do("GET", "/api/v1/cases?"+query, "")
	if rec.Code != http.StatusOK {
		h.t.Fatalf("list %s: %d %s", query, rec.Code, rec.Body)
	}
	var ids []string
	for _, c := range decode[listResponse](h.t, rec).Cases {
		ids = append(ids, c.ID)
	}
	slices.Sort(ids)
	return ids
}

// TestCreateDispatchesWithClocks checks that a create through the API is
// dispatched by the rules, and that its clocks turn yellow and red.
func TestCreateDispatchesWithClocks(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		h, clk := newWorkflowHarness(t, st)
		c := h.create(placed)
		if c.State != cases.StateDispatched || c.Unit == "" || c.RuleID == "" {
			t.Fatalf("created case: state %s unit %q rule %q, want dispatched by a rule", c.State, c.Unit, c.RuleID)
		}
		got := h.getCase(c.ID)
		if len(got.Clocks) == 0 || got.Clocks[0].Clock != "sign_off" || got.Clocks[0].Colour != "green" {
			t.Fatalf("clocks = %+v, want a green sign_off clock first", got.Clocks)
		}
		clk.t = got.Clocks[0].Due
		if got = h.getCase(c.ID); got.Clocks[0].Colour != "red" || got.Clocks[0].LeftSeconds != 0 {
			t.Errorf("at the due time: %+v, want red with 0 left", got.Clocks[0])
		}

		x := h.do("GET", "/api/v1/cases/"+c.ID+"/dispatch", "")
		if x.Code != http.StatusOK {
			t.Fatalf("explain: %d %s", x.Code, x.Body)
		}
		ex := decode[workflow.Explanation](t, x)
		if ex.RecordedRule != c.RuleID || !ex.StillChosen || !strings.Contains(ex.ZH, c.RuleID) || !strings.Contains(ex.EN, "by rule "+c.RuleID) {
			t.Errorf("explanation = %+v", ex)
		}
		wantProblem(t, h.do("GET", "/api/v1/cases/WH-404/dispatch", ""), http.StatusNotFound, ProblemNotFound, "")
	})
}

// TestQueues checks the manual, returned and arbitration queues: a case no
// rule covers waits in the manual queue; a case returned twice goes to
// the arbitration queue.
func TestQueues(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		h, clk := newWorkflowHarness(t, st)
		manual := h.create(nil) // no chain: no rule covers it
		once := h.create(placed)
		twice := h.create(placed)
		ret := `{"action":"return","actor":"u1","payload":{"reason":"不属本单位职责"}}`
		h.transition(once.ID, ret)
		h.transition(twice.ID, ret)
		h.transition(twice.ID, `{"action":"dispatch","actor":"dispatcher","payload":{"unit":"shuiwu.420100"}}`)
		h.transition(twice.ID, ret)

		for _, q := range []struct {
			query string
			want  []string
		}{
			{"queue=manual", []string{manual.ID}},
			{"queue=returned", sorted(once.ID, twice.ID)},
			{"queue=arbitration", []string{twice.ID}},
		} {
			if got := h.listIDs(q.query); !slices.Equal(got, q.want) {
				t.Errorf("%s = %v, want %v", q.query, got, q.want)
			}
		}
		wantProblem(t, h.do("GET", "/api/v1/cases?queue=lost", ""), http.StatusBadRequest, ProblemInvalidParameter, "queue")
		wantProblem(t, h.do("GET", "/api/v1/cases?queue=manual&state=closed", ""), http.StatusBadRequest, ProblemInvalidParameter, "queue")

		// The manual case explains itself in its history.
		hist := decode[historyResponse](t, h.do("GET", "/api/v1/cases/"+manual.ID+"/history", ""))
		if len(hist.Events) != 2 || hist.Events[1].Action != cases.ActionNote || !strings.Contains(hist.Events[1].Note, "人工派单") {
			t.Errorf("manual case history = %+v", hist.Events)
		}

		// Returns per unit and rule.
		rec := h.do("GET", "/api/v1/dispatch/returns?since=2026-11-01T00:00:00%2B08:00", "")
		stats := decode[returnsResponse](t, rec)
		total := 0
		for _, s := range stats.Returns {
			total += s.Count
		}
		if total != 3 || stats.Since == nil {
			t.Errorf("returns = %+v, want 3 in all", stats)
		}
		wantProblem(t, h.do("GET", "/api/v1/dispatch/returns?since=yesterday", ""), http.StatusBadRequest, ProblemInvalidParameter, "since")

		// Past the return window (shuiwu.420100: 4h) a return is refused.
		late := h.create(placed)
		clk.Advance(5 * time.Hour)
		p := wantProblem(t, h.do("POST", "/api/v1/cases/"+late.ID+"/transitions", ret), http.StatusUnprocessableEntity, ProblemTransitionRefused, "payload")
		if !strings.Contains(p.Detail, "4h0m0s") {
			t.Errorf("refusal %q does not name the window", p.Detail)
		}
	})
}

func sorted(ids ...string) []string {
	slices.Sort(ids)
	return ids
}

// TestRulesRoutes checks reading and replacing the responsibility list.
func TestRulesRoutes(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		h, _ := newWorkflowHarness(t, st)
		rec := h.do("GET", "/api/v1/dispatch/rules", "")
		if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/yaml") ||
			rec.Header().Get("ETag") != `"0"` || !strings.Contains(rec.Body.String(), "420100/01") {
			t.Fatalf("GET rules: %d %v %.200s", rec.Code, rec.Header(), rec.Body)
		}
		rec = h.do("GET", "/api/v1/dispatch/rules", "", "Accept", "text/csv")
		if !strings.HasPrefix(rec.Body.String(), dispatch.CSVHeader) {
			t.Errorf("CSV rules start %.80q", rec.Body)
		}
		list := decode[rulesResponse](t, h.do("GET", "/api/v1/dispatch/rules", "", "Accept", "application/json"))
		if list.Version != 0 || len(list.Rules) < 100 {
			t.Errorf("JSON rules: version %d, %d rules", list.Version, len(list.Rules))
		}
		units := decode[unitsResponse](t, h.do("GET", "/api/v1/dispatch/units", ""))
		if !slices.ContainsFunc(units.Units, func(u unitView) bool {
			return u.Code == "shuiwu.420100" && u.Name == "武汉市水务局" && u.ReturnWindowMinutes == 240
		}) {
			t.Errorf("units lack shuiwu.420100 with a 240 minute return window: %d units", len(units.Units))
		}

		put := func(body, ct string, headers ...string) *httptest.ResponseRecorder {
			return h.do("PUT", "/api/v1/dispatch/rules?actor=admin", body, append([]string{"Content-Type", ct}, headers...)...)
		}
		conflict := dispatch.CSVHeader + "\nfirst,01,420100,,,zhujian.420100,,\nsecond,01,420100,,,shuiwu.420100,,\nthird,01,420100,,,nosuch,,\n"
		p := wantProblem(t, put(conflict, "text/csv"), http.StatusUnprocessableEntity, ProblemInvalidRules, "")
		var named []string
		for _, e := range p.Errors {
			named = append(named, strings.Join(e.Rules, "+"))
		}
		if !slices.Contains(named, "first+second") || !slices.Contains(named, "third") || len(p.Errors) != 2 {
			t.Errorf("errors = %+v, want the conflict first+second and the unknown unit of third", p.Errors)
		}
		wantProblem(t, put("{}", "application/json"), http.StatusUnsupportedMediaType, ProblemUnsupportedMediaType, "Content-Type")

		valid := "rules:\n  - id: only\n    category: \"01\"\n    area: \"420100\"\n    lead: shuiwu.420100\n"
		wantProblem(t, put(valid, "application/yaml", "If-Match", `"3"`), http.StatusConflict, ProblemVersionConflict, "If-Match")
		wantProblem(t, put(valid, "application/yaml", "If-Match", `W/"0"`), http.StatusBadRequest, ProblemInvalidParameter, "If-Match")
		ok := put(valid, "application/yaml", "If-Match", `"0"`)
		if ok.Code != http.StatusOK || ok.Header().Get("ETag") != `"1"` {
			t.Fatalf("valid PUT: %d %s", ok.Code, ok.Body)
		}
		if got := decode[rulesResponse](t, ok); got.Version != 1 || got.UpdatedBy != "admin" || len(got.Rules) != 1 {
			t.Errorf("after PUT: %+v", got)
		}
		if c := h.create(placed); c.Unit != "shuiwu.420100" || c.RuleID != "only" {
			t.Errorf("next case: unit %s rule %s, want shuiwu.420100 by only", c.Unit, c.RuleID)
		}
		if body := h.do("GET", "/api/v1/dispatch/rules", "").Body.String(); body != valid {
			t.Errorf("GET after PUT = %q, want the stored YAML", body)
		}
	})
}

// TestDispatchRoutesWithoutWorkflow checks the plain-store server: the
// dispatch routes answer 404, cases carry an empty clocks list.
func TestDispatchRoutesWithoutWorkflow(t *testing.T) {
	h := newHarness(t, newFakeStore())
	for _, path := range []string{"/api/v1/dispatch/rules", "/api/v1/dispatch/units", "/api/v1/dispatch/returns"} {
		wantProblem(t, h.do("GET", path, ""), http.StatusNotFound, ProblemNotFound, "")
	}
	c := h.create(nil)
	raw := h.do("GET", "/api/v1/cases/"+c.ID, "")
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw.Body.Bytes(), &m); err != nil || string(m["clocks"]) != "[]" || c.State != cases.StateReceived {
		t.Errorf("case without workflow: clocks %s state %s (err %v)", m["clocks"], c.State, err)
	}
}
