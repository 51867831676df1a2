package api

import (
	"net/http"
	"slices"
	"testing"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

func TestTransitionHappyPath(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		h := newHarness(t, st)
		c := h.create(nil)
		steps := []struct {
			body string
			want cases.State
		}{
			{`{"action":"dispatch","actor":"dispatcher-1","payload":{"unit":"jianghan-cg"}}`, cases.StateDispatched},
			{`{"action":"accept","actor":"officer-2","actor_unit":"jianghan-cg"}`, cases.StateAccepted},
			{`{"action":"start","actor":"officer-2"}`, cases.StateInProgress},
			{`{"action":"resolve","actor":"officer-2","payload":{"reply":"已更换灯泡"}}`, cases.StateResolved},
			{`{"action":"verify","actor":"callback-3","payload":{"satisfaction":"satisfied"}}`, cases.StateVerified},
			{`{"action":"close","actor":"callback-3"}`, cases.StateClosed},
		}
		for i, s := range steps {
			rec := h.do("POST", "/api/v1/cases/"+c.ID+"/transitions", s.body, "If-Match", etag(i+1))
			if rec.Code != http.StatusOK {
				t.Fatalf("step %d: %d %s", i, rec.Code, rec.Body)
			}
			res := decode[transitionResponse](t, rec)
			if res.Case.State != s.want || res.Case.Version != i+2 || res.Event.Seq != i+2 || res.Event.To != s.want {
				t.Fatalf("step %d: case %s v%d, event %+v; want %s v%d", i, res.Case.State, res.Case.Version, res.Event, s.want, i+2)
			}
			if got := rec.Header().Get("ETag"); got != etag(i+2) {
				t.Errorf("ETag = %q, want %q", got, etag(i+2))
			}
		}
		got := decode[cases.Case](t, h.do("GET", "/api/v1/cases/"+c.ID, ""))
		if got.State != cases.StateClosed || got.Unit != "jianghan-cg" || got.Reply != "已更换灯泡" || got.Satisfaction != cases.Satisfied {
			t.Fatalf("case after lifecycle = %+v", got)
		}
		hist := decode[historyResponse](t, h.do("GET", "/api/v1/cases/"+c.ID+"/history", ""))
		if len(hist.Events) != 7 || hist.Events[0].Action != cases.ActionCreate || hist.Events[6].Action != cases.ActionClose {
			t.Fatalf("history = %+v", hist.Events)
		}
	})
}

func TestTransitionExpectVersionInBody(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		h := newHarness(t, st)
		c := h.create(nil)
		res := h.transition(c.ID, `{"action":"dispatch","actor":"d","payload":{"unit":"u1"},"expect_version":1}`)
		if res.Case.Version != 2 {
			t.Fatalf("version = %d, want 2", res.Case.Version)
		}
		p := wantProblem(t, h.do("POST", "/api/v1/cases/"+c.ID+"/transitions",
			`{"action":"accept","actor":"o","expect_version":1}`), 409, ProblemVersionConflict, "If-Match")
		if p.CurrentVersion != 2 {
			t.Errorf("current_version = %d, want 2", p.CurrentVersion)
		}
		wantProblem(t, h.do("POST", "/api/v1/cases/"+c.ID+"/transitions", `{"action":"accept","actor":"o"}`, "If-Match", `"1"`),
			409, ProblemVersionConflict, "If-Match")
		if got := decode[cases.Case](t, h.do("GET", "/api/v1/cases/"+c.ID, "")); got.Version != 2 || got.State != cases.StateDispatched {
			t.Fatalf("case = v%d %s after refused transitions, want v2 dispatched", got.Version, got.State)
		}
	})
}

// TestTransitionRefused checks that refused commands change nothing.
func TestTransitionRefused(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		headers []string
		status  int
		typ     string
		field   string
	}{
		{"wrong state", `{"action":"accept","actor":"o"}`, nil, 409, ProblemTransitionNotAllowed, "action"},
		{"terminal-only action", `{"action":"close","actor":"o"}`, nil, 409, ProblemTransitionNotAllowed, "action"},
		{"dispatch without unit", `{"action":"dispatch","actor":"d"}`, nil, 422, ProblemTransitionRefused, "payload.unit"},
		{"void without reason", `{"action":"void","actor":"d"}`, nil, 422, ProblemTransitionRefused, "payload.reason"},
		{"note without note", `{"action":"note","actor":"d"}`, nil, 422, ProblemTransitionRefused, "note"},
		{"merge into itself", `{"action":"merge","actor":"d","payload":{"parent_id":"SELF"}}`, nil, 422, ProblemTransitionRefused, "payload.parent_id"},
		{"unknown action", `{"action":"teleport","actor":"d"}`, nil, 422, ProblemInvalidField, "action"},
		{"missing actor", `{"action":"dispatch","payload":{"unit":"u"}}`, nil, 422, ProblemInvalidField, "actor"},
		{"create payload smuggled in", `{"action":"note","actor":"d","note":"x","payload":{"case":{"title":"x"}}}`, nil, 422, ProblemInvalidField, "payload.case"},
		{"NUL in unit", `{"action":"dispatch","actor":"d","payload":{"unit":"u\u0000"}}`, nil, 422, ProblemInvalidField, "payload.unit"},
		{"wrong type", `{"action":"dispatch","actor":"d","payload":{"unit":7}}`, nil, 400, ProblemWrongType, "payload.unit"},
		{"unknown field", `{"action":"dispatch","actor":"d","payload":{"unit_code":"u"}}`, nil, 400, ProblemUnknownField, "payload.unit_code"},
		{"malformed", `{"action":"dispatch"`, nil, 400, ProblemMalformedJSON, ""},
		{"expect_version zero", `{"action":"note","actor":"d","note":"x","expect_version":0}`, nil, 422, ProblemInvalidField, "expect_version"},
		{"expect_version disagrees with If-Match", `{"action":"note","actor":"d","note":"x","expect_version":1}`, []string{"If-Match", `"2"`}, 422, ProblemInvalidField, "expect_version"},
		{"weak If-Match", `{"action":"note","actor":"d","note":"x"}`, []string{"If-Match", `W/"1"`}, 400, ProblemInvalidParameter, "If-Match"},
		{"unquoted If-Match", `{"action":"note","actor":"d","note":"x"}`, []string{"If-Match", `1`}, 400, ProblemInvalidParameter, "If-Match"},
		{"stale If-Match", `{"action":"note","actor":"d","note":"x"}`, []string{"If-Match", `"7"`}, 409, ProblemVersionConflict, "If-Match"},
		{"wrong content type", `{"action":"note","actor":"d","note":"x"}`, []string{"Content-Type", "application/xml"}, 415, ProblemUnsupportedMediaType, "Content-Type"},
	}
	forEachStore(t, func(t *testing.T, st store.Store) {
		h := newHarness(t, st)
		c := h.create(nil)
		before, err := st.History(t.Context(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				body := tt.body
				if tt.name == "merge into itself" {
					body = `{"action":"merge","actor":"d","payload":{"parent_id":"` + c.ID + `"}}`
				}
				p := wantProblem(t, h.do("POST", "/api/v1/cases/"+c.ID+"/transitions", body, tt.headers...), tt.status, tt.typ, tt.field)
				if tt.typ == ProblemTransitionNotAllowed || tt.typ == ProblemTransitionRefused {
					if p.State != cases.StateReceived || !slices.Contains(p.Allowed, cases.ActionDispatch) {
						t.Errorf("problem = %+v, want state received and dispatch allowed", p)
					}
				}
				after, err := st.History(t.Context(), c.ID)
				if err != nil || len(after) != len(before) {
					t.Fatalf("history has %d events (%v) after a refused transition, want %d", len(after), err, len(before))
				}
			})
		}
		wantProblem(t, h.do("POST", "/api/v1/cases/WH-missing/transitions", `{"action":"note","actor":"d","note":"x"}`), 404, ProblemNotFound, "")
	})
}

func TestActions(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		h := newHarness(t, st)
		c := h.create(nil)
		got := decode[actionsResponse](t, h.do("GET", "/api/v1/cases/"+c.ID+"/actions", ""))
		if got.CaseID != c.ID || got.State != cases.StateReceived || got.StateLabel != "受理" || got.Version != 1 ||
			!slices.Equal(got.Actions, cases.Allowed(&c)) || !slices.Contains(got.Actions, cases.ActionDispatch) {
			t.Fatalf("actions = %+v", got)
		}
		h.transition(c.ID, `{"action":"void","actor":"d","payload":{"reason":"重复"}}`)
		got = decode[actionsResponse](t, h.do("GET", "/api/v1/cases/"+c.ID+"/actions", ""))
		if got.State != cases.StateVoided || !slices.Equal(got.Actions, []cases.Action{cases.ActionNote}) {
			t.Fatalf("actions of a voided case = %+v, want only note", got)
		}
		wantProblem(t, h.do("GET", "/api/v1/cases/WH-missing/actions", ""), 404, ProblemNotFound, "")
		wantProblem(t, h.do("GET", "/api/v1/cases/WH-missing/history", ""), 404, ProblemNotFound, "")
	})
}
