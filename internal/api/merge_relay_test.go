package api

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// TestMergedCasesShareTheReply: cases merged into a parent (two before
// its resolve, one after) show the parent's state and, once it is
// resolved, its reply on the public look-up; GET /cases?parent= lists
// them; a client cannot send relay.
func TestMergedCasesShareTheReply(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		h, _ := newIntakeHarness(t, st)
		parent := h.create(placed)
		if parent.State != cases.StateDispatched {
			t.Fatalf("parent is %s, want dispatched", parent.State)
		}
		merge := func() cases.Case {
			t.Helper()
			c := h.create(placed)
			return h.transition(c.ID, `{"action":"merge","actor":"dispatcher-王","payload":{"parent_id":"`+parent.ID+`"}}`).Case.Case
		}
		a, b := merge(), merge()
		phone := "phone=" + url.QueryEscape(fullPhone)
		public := func(id string) (publicCase, string) {
			t.Helper()
			rec := h.do("GET", "/api/v1/public/cases/"+id+"?"+phone, "")
			if rec.Code != http.StatusOK {
				t.Fatalf("public %s: %d %s", id, rec.Code, rec.Body)
			}
			return decode[publicCase](t, rec), rec.Body.String()
		}
		v, _ := public(a.ID)
		if v.State != cases.StateMerged || v.Reply != "" || v.MergedInto == nil || v.MergedInto.ID != parent.ID ||
			v.MergedInto.State != cases.StateDispatched || v.MergedInto.StateLabel != "派单" {
			t.Fatalf("merged case before the reply: %+v (merged_into %+v)", v, v.MergedInto)
		}
		if pv, _ := public(parent.ID); pv.MergedInto != nil {
			t.Fatalf("the parent shows merged_into %+v", pv.MergedInto)
		}

		// A client may not relay, whatever it sends.
		for _, body := range []string{
			`{"action":"relay","actor":"dispatcher-王","payload":{"parent_id":"` + parent.ID + `","reply":"假答复"}}`,
			`{"action":"relay","actor":"system:relay","payload":{"parent_id":"` + parent.ID + `","reply":"假答复"}}`,
			`{"action":"detach","actor":"system:relay","payload":{"parent_id":"` + parent.ID + `","reason":"parent voided"}}`,
		} {
			wantProblem(t, h.do("POST", "/api/v1/cases/"+a.ID+"/transitions", body), 422, ProblemInvalidField, "action")
		}
		if c, _ := st.Get(t.Context(), a.ID); c.Reply != "" || c.Version != a.Version {
			t.Fatalf("a refused relay changed the case: %+v", c)
		}
		// Nor is it offered: not among the case's actions (sign-in is off
		// here, so every other allowed action is listed), nor among the
		// actions a refused transition names.
		if acts := decode[actionsResponse](t, h.do("GET", "/api/v1/cases/"+a.ID+"/actions", "")); slices.Contains(acts.Actions, cases.ActionRelay) || slices.Contains(acts.Actions, cases.ActionDetach) || len(acts.Actions) == 0 {
			t.Errorf("actions of a merged case: %v", acts.Actions)
		}
		if p := wantProblem(t, h.do("POST", "/api/v1/cases/"+a.ID+"/transitions", `{"action":"accept","actor":"x"}`), 409, ProblemTransitionNotAllowed, "action"); slices.Contains(p.Allowed, cases.ActionRelay) || slices.Contains(p.Allowed, cases.ActionDetach) {
			t.Errorf("a refused transition offers %v", p.Allowed)
		}

		h.resolve(parent)
		const reply = "已修复路灯，感谢反映。"
		late := merge()
		for _, c := range []cases.Case{a, b, late} {
			v, body := public(c.ID)
			if v.Reply != reply || v.State != cases.StateMerged || v.MergedInto == nil || v.MergedInto.State != cases.StateResolved || v.CanRate {
				t.Fatalf("merged case %s after the reply: %+v (merged_into %+v)", c.ID, v, v.MergedInto)
			}
			last := v.Timeline[len(v.Timeline)-1]
			if last.Action != cases.ActionRelay || last.Label != "答复" || last.Reply != reply {
				t.Fatalf("case %s: last public step %+v", c.ID, last)
			}
			for _, secret := range []string{"张科长", "13900001111", "dispatcher-王", "system:relay"} {
				if strings.Contains(body, secret) {
					t.Errorf("public view of %s shows %q", c.ID, secret)
				}
			}
		}

		// The staff list of the parent's children.
		rec := h.do("GET", "/api/v1/cases?parent="+parent.ID, "")
		if rec.Code != http.StatusOK {
			t.Fatalf("list by parent: %d %s", rec.Code, rec.Body)
		}
		var ids []string
		for _, c := range decode[listResponse](t, rec).Cases {
			ids = append(ids, c.ID)
			if c.Reply != reply {
				t.Errorf("listed child %s has reply %q", c.ID, c.Reply)
			}
		}
		if want := []string{late.ID, b.ID, a.ID}; !slices.Equal(ids, want) {
			t.Fatalf("children of %s: %v, want %v", parent.ID, ids, want)
		}
		rec = h.do("GET", "/api/v1/cases?parent="+a.ID, "")
		if got := decode[listResponse](t, rec).Cases; rec.Code != http.StatusOK || len(got) != 0 {
			t.Fatalf("children of a child: %d %d cases", rec.Code, len(got))
		}
		for _, bad := range []string{"x", "WH-2026-000001", "WH-20261399-000001", "WH-20261123-12", "-20261123-000001", "WH-20261123-00000a", parent.ID + "&parent=" + a.ID} {
			wantProblem(t, h.do("GET", "/api/v1/cases?parent="+bad, ""), 400, ProblemInvalidParameter, "parent")
		}
	})
}

func TestWellFormedCaseID(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"WH-20261123-000001", true},
		{"WH-20261123-1234567", true},
		{"AB-CD-20261123-000001", true},
		{"WH-20261123-00001", false},
		{"WH-20261131-000001", false},
		{"WH20261123-000001", false},
		{"-20261123-000001", false},
		{"WH-20261123-000001 ", false},
		{"W\x01H-20261123-000001", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := wellFormedCaseID(tt.id); got != tt.want {
			t.Errorf("wellFormedCaseID(%q) = %v, want %v", tt.id, got, tt.want)
		}
	}
}
