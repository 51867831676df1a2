package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// fakeCaller is a signed-in caller whose scope is a set of lead units.
type fakeCaller struct {
	login, unit string
	units       []string
	reveal      bool
}

func (c fakeCaller) Actor() (string, string)    { return c.login, c.unit }
func (c fakeCaller) Sees(x *cases.Case) bool    { return slices.Contains(c.units, x.Unit) }
func (c fakeCaller) Scope() *store.Scope        { return &store.Scope{Units: c.units} }
func (c fakeCaller) Reveal() bool               { return c.reveal }
func (c fakeCaller) String() string             { return c.login }
func (c fakeCaller) MayAct(a cases.Action) bool { return a != cases.ActionVoid }
func withCaller(r *http.Request, c Caller) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), callerKey{}, c))
}

type callerKey struct{}

func callerFromContext(ctx context.Context) (Caller, bool) {
	c, ok := ctx.Value(callerKey{}).(Caller)
	return c, ok
}

// TestCallerScopeActorMasking checks what the API does with a caller:
// lists and single-case routes keep to its scope (out of scope answers
// exactly as missing), events record it as actor whatever the body says,
// and masking follows its role, not reveal tokens.
func TestCallerScopeActorMasking(t *testing.T) {
	h := newHarness(t, newFakeStore(), func(o *Options) { o.Auth = callerFromContext })
	mine, other := h.create(nil), h.create(nil)
	h.transition(mine.ID, `{"action":"dispatch","actor":"d","payload":{"unit":"u-a"}}`)
	h.transition(other.ID, `{"action":"dispatch","actor":"d","payload":{"unit":"u-b"}}`)
	handler := fakeCaller{login: "h1", unit: "u-a", units: []string{"u-a"}, reveal: true}
	analyst := fakeCaller{login: "an", unit: "u-a", units: []string{"u-a"}, reveal: false}
	send := func(c Caller, method, path, body string, hdr ...string) *httptest.ResponseRecorder {
		var req *http.Request
		if body != "" {
			req = httptest.NewRequest(method, path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
		} else {
			req = httptest.NewRequest(method, path, nil)
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		rec := httptest.NewRecorder()
		h.srv.ServeHTTP(rec, withCaller(req, c))
		return rec
	}
	// Lists.
	list := decode[listResponse](t, send(handler, "GET", "/api/v1/cases", ""))
	if len(list.Cases) != 1 || list.Cases[0].ID != mine.ID {
		t.Fatalf("scoped list: %+v", list.Cases)
	}
	if all := decode[listResponse](t, h.do("GET", "/api/v1/cases", "")); len(all.Cases) != 2 {
		t.Fatalf("without a caller the list is open: %d cases", len(all.Cases))
	}
	// Single-case routes: out of scope is byte-for-byte a missing case.
	const missing = "WH-20991231-999999"
	for _, suffix := range []string{"", "/history", "/actions"} {
		out := send(handler, "GET", "/api/v1/cases/"+other.ID+suffix, "")
		none := send(handler, "GET", "/api/v1/cases/"+missing+suffix, "")
		if out.Code != 404 || out.Body.String() != strings.ReplaceAll(none.Body.String(), missing, other.ID) ||
			out.Header().Get("Content-Type") != none.Header().Get("Content-Type") {
			t.Errorf("GET %s: out of scope %d %s; missing %d %s", suffix, out.Code, out.Body, none.Code, none.Body)
		}
		if in := send(handler, "GET", "/api/v1/cases/"+mine.ID+suffix, ""); in.Code != 200 {
			t.Errorf("GET %s in scope: %d", suffix, in.Code)
		}
	}
	if rec := send(handler, "POST", "/api/v1/cases/"+other.ID+"/transitions", `{"action":"accept"}`); rec.Code != 404 {
		t.Errorf("transition out of scope: %d %s", rec.Code, rec.Body)
	}
	// An action the role may not take is 403, on a case in scope.
	if rec := send(handler, "POST", "/api/v1/cases/"+mine.ID+"/transitions", `{"action":"void","note":"x"}`); rec.Code != 403 || !strings.Contains(rec.Body.String(), ProblemForbidden) {
		t.Errorf("void by a caller who may not: %d %s", rec.Code, rec.Body)
	}
	// The caller is the actor, whatever the body says.
	rec := send(handler, "POST", "/api/v1/cases/"+mine.ID+"/transitions", `{"action":"accept","actor":"someone-else","actor_unit":"u-z"}`)
	if rec.Code != 200 {
		t.Fatalf("accept: %d %s", rec.Code, rec.Body)
	}
	if ev := decode[transitionResponse](t, rec).Event; ev.Actor != "h1" || ev.Unit != "u-a" {
		t.Errorf("event actor %q unit %q, want h1 u-a", ev.Actor, ev.Unit)
	}
	// Masking follows the caller's role; a reveal token does not override it.
	if c := decode[caseView](t, send(handler, "GET", "/api/v1/cases/"+mine.ID, "")); c.Reporter.Phone != fullPhone {
		t.Errorf("handler sees phone %q, want it in full", c.Reporter.Phone)
	}
	if c := decode[caseView](t, send(analyst, "GET", "/api/v1/cases/"+mine.ID, "", "Authorization", "Bearer "+revealToken)); c.Reporter.Phone != maskedPhone {
		t.Errorf("analyst sees phone %q, want it masked", c.Reporter.Phone)
	}
	// Creates record the caller too.
	created := send(handler, "POST", "/api/v1/cases", caseBody(nil))
	if created.Code != 201 {
		t.Fatalf("create: %d %s", created.Code, created.Body)
	}
	c := decode[cases.Case](t, created)
	events, _ := h.store.History(t.Context(), c.ID)
	if events[0].Actor != "h1" || events[0].Unit != "u-a" {
		t.Errorf("create event actor %q unit %q", events[0].Actor, events[0].Unit)
	}
}
