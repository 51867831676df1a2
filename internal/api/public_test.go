package api

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// resolve takes a dispatched case to resolved with an official reply.
func (h *harness) resolve(c cases.Case) {
	h.t.Helper()
	h.transition(c.ID, `{"action":"accept","actor":"clerk-张科长","actor_unit":"`+c.Unit+`"}`)
	h.transition(c.ID, `{"action":"resolve","actor":"clerk-张科长","note":"内部：联系人张科长 13900001111","payload":{"reply":"已修复路灯，感谢反映。"}}`)
}

func TestPublicCaseAndRating(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		h, _ := newIntakeHarness(t, st)
		// A web case without a phone gets a lookup token; one with a phone does not.
		rec := h.do("POST", "/api/v1/cases", caseBody(func(m map[string]any) {
			m["channel"] = "web"
			m["reporter"] = map[string]any{"name": "匿名"}
			placed(m)
		}))
		anon := decode[caseView](t, rec)
		if rec.Code != http.StatusCreated || len(anon.LookupToken) != 24 {
			t.Fatalf("create without phone: %d token %q", rec.Code, anon.LookupToken)
		}
		withPhone := h.create(placed)
		if strings.Contains(h.do("GET", "/api/v1/cases/"+withPhone.ID, "").Body.String(), "lookup_token") {
			t.Fatal("a case with a phone was given a lookup token")
		}

		pub := func(id, cred string) *httptest.ResponseRecorder {
			return h.do("GET", "/api/v1/public/cases/"+id+"?"+cred, "")
		}
		tok := "token=" + anon.LookupToken
		if rec := pub(anon.ID, tok); rec.Code != http.StatusOK {
			t.Fatalf("public by token: %d %s", rec.Code, rec.Body)
		}
		phone := "phone=" + url.QueryEscape("138 1234 5678")
		if rec := pub(withPhone.ID, phone); rec.Code != http.StatusOK {
			t.Fatalf("public by phone: %d %s", rec.Code, rec.Body)
		}
		for _, cred := range []string{"phone=13800000000", "token=" + anon.LookupToken, ""} { // wrong phone, another case's token, none
			if rec := pub(withPhone.ID, cred); rec.Code != http.StatusNotFound && rec.Code != http.StatusBadRequest {
				t.Errorf("public with %q: %d", cred, rec.Code)
			}
		}
		wantProblem(t, pub(withPhone.ID, "phone=1&token=2"), 400, ProblemInvalidParameter, "phone")
		wantProblem(t, pub(anon.ID, "token=AAAAAAAAAAAAAAAAAAAAAAAA"), 404, ProblemNotFound, "")

		rate := func(id, cred, body string) *httptest.ResponseRecorder {
			return h.do("POST", "/api/v1/public/cases/"+id+"/rating?"+cred, body)
		}
		// Before resolution: 409.
		p := wantProblem(t, rate(withPhone.ID, phone, `{"rating":"satisfied"}`), 409, ProblemRatingNotAllowed, "")
		if p.State != cases.StateDispatched {
			t.Fatalf("problem state = %s", p.State)
		}
		h.resolve(withPhone)
		rec = pub(withPhone.ID, phone)
		view := decode[publicCase](t, rec)
		body := rec.Body.String()
		if view.Reply != "已修复路灯，感谢反映。" || !view.CanRate || view.State != cases.StateResolved {
			t.Fatalf("public view = %+v", view)
		}
		for _, secret := range []string{"张科长", "13900001111", "agent-007", fullPhone, "system:dispatch"} {
			if strings.Contains(body, secret) {
				t.Errorf("public view shows %q: %s", secret, body)
			}
		}
		if len(view.Timeline) < 4 || view.Timeline[0].Label != "受理" || view.Timeline[len(view.Timeline)-1].Reply == "" {
			t.Fatalf("timeline = %+v", view.Timeline)
		}
		wantProblem(t, rate(withPhone.ID, phone, `{"rating":"great"}`), 422, ProblemInvalidField, "rating")
		wantProblem(t, rate(withPhone.ID, phone, `{"rating":"satisfied","stars":5}`), 400, ProblemUnknownField, "stars")
		rec = rate(withPhone.ID, phone, `{"rating":"satisfied","comment":"很快"}`)
		res := decode[ratingResponse](t, rec)
		if rec.Code != http.StatusOK || res.Reopened || res.Case.State != cases.StateVerified || res.Case.Satisfaction != cases.Satisfied || res.Case.CanRate {
			t.Fatalf("rating: %d %+v", rec.Code, res)
		}
		wantProblem(t, rate(withPhone.ID, phone, `{"rating":"unsatisfied"}`), 409, ProblemRatingNotAllowed, "")

		// Unsatisfied: verify with unsatisfied, then reopen (重办).
		h.transition(anon.ID, `{"action":"accept","actor":"clerk"}`)
		h.transition(anon.ID, `{"action":"resolve","actor":"clerk","payload":{"reply":"已处理"}}`)
		rec = rate(anon.ID, tok, `{"rating":"unsatisfied","comment":"没有修好"}`)
		res = decode[ratingResponse](t, rec)
		if rec.Code != http.StatusOK || !res.Reopened || res.Case.State != cases.StateDispatched || res.Case.Reopens != 1 {
			t.Fatalf("unsatisfied rating: %d %+v", rec.Code, res)
		}
		tl := res.Case.Timeline
		if v := tl[len(tl)-2]; v.Action != cases.ActionVerify || v.Satisfaction != cases.Unsatisfied || tl[len(tl)-1].Action != cases.ActionReopen {
			t.Fatalf("timeline does not end verify(unsatisfied), reopen: %+v", tl)
		}
		c, _ := st.Get(t.Context(), anon.ID)
		if c.Deadlines.Resolve == nil || !c.Deadlines.Resolve.After(t0) {
			t.Fatalf("reopened case has no new resolve deadline: %+v", c.Deadlines)
		}
		// Rated for this round; a new round (after the rework is resolved) may be rated again.
		wantProblem(t, rate(anon.ID, tok, `{"rating":"satisfied"}`), 409, ProblemRatingNotAllowed, "")
		h.transition(anon.ID, `{"action":"accept","actor":"clerk"}`)
		h.transition(anon.ID, `{"action":"resolve","actor":"clerk","payload":{"reply":"已重新处理"}}`)
		if rec := rate(anon.ID, tok, `{"rating":"basically_satisfied"}`); rec.Code != http.StatusOK {
			t.Fatalf("rating the rework: %d %s", rec.Code, rec.Body)
		}
	})
}

// TestStaffCallbackThenRating: a callback (回访) recorded by hotline staff
// with the verify transition; the citizen's later rating is a note, and an
// unsatisfied one still reopens the case.
func TestStaffCallbackThenRating(t *testing.T) {
	h, _ := newIntakeHarness(t, newFakeStore())
	c := h.create(placed)
	h.resolve(c)
	h.transition(c.ID, `{"action":"verify","actor":"agent-011","note":"电话回访","payload":{"satisfaction":"basically_satisfied"}}`)
	rec := h.do("POST", "/api/v1/public/cases/"+c.ID+"/rating?phone="+fullPhone, `{"rating":"unsatisfied"}`)
	res := decode[ratingResponse](t, rec)
	if rec.Code != http.StatusOK || !res.Reopened || res.Case.State != cases.StateDispatched {
		t.Fatalf("rating after callback: %d %+v", rec.Code, res)
	}
	got, _ := h.store.History(t.Context(), c.ID)
	if e := got[len(got)-2]; e.Action != cases.ActionNote || e.Actor != PublicActor || !strings.Contains(e.Note, "不满意") {
		t.Fatalf("rating event = %+v", e)
	}
}

// TestLookupTokenOnlyWithSecret: no secret, no token, and token lookups fail.
func TestLookupTokenOnlyWithSecret(t *testing.T) {
	h := newHarness(t, newFakeStore())
	rec := h.do("POST", "/api/v1/cases", caseBody(func(m map[string]any) { m["reporter"] = map[string]any{"name": "x"} }))
	if v := decode[caseView](t, rec); v.LookupToken != "" {
		t.Fatalf("token without a secret: %q", v.LookupToken)
	}
	if _, err := New(Options{Store: newFakeStore(), Taxonomy: h.srv.tax, LookupSecret: []byte("short")}); err == nil {
		t.Fatal("a short lookup secret was accepted")
	}
}
