package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"yiwang/internal/cases"
	"yiwang/internal/category"
	"yiwang/internal/enterprise"
	"yiwang/internal/store"
)

const huawei = "914403001922038216" // a published code (see the enterprise tests)

func enterpriseBody(edit func(map[string]any)) string {
	m := map[string]any{
		"type": "utilities", "title": "厂区新增用电报装进度咨询", "description": "申请增容两个月未答复",
		"reporter": map[string]any{"name": "王经理", "phone": "027-8765 4321", "org_code": huawei},
		"location": map[string]any{"lat": homeLat, "lon": homeLon},
	}
	if edit != nil {
		edit(m)
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func TestEnterpriseRequests(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		h, _ := newIntakeHarness(t, st)
		tax, _ := category.Default()
		cats, err := enterprise.NewCategories(tax)
		if err != nil {
			t.Fatal(err)
		}
		rec := h.do("POST", "/api/v1/enterprise/requests", enterpriseBody(func(m map[string]any) {
			m["reporter"].(map[string]any)["org_code"] = " 914403001922038216 "
		}))
		if rec.Code != http.StatusCreated {
			t.Fatalf("create: %d %s", rec.Code, rec.Body)
		}
		c := decode[caseView](t, rec)
		if c.Channel != cases.ChannelEnterprise || c.Category != cats[enterprise.Utilities] || c.Reporter.OrgCode != huawei ||
			!slices.Contains(c.Tags, "request_type:utilities") {
			t.Fatalf("case = channel %s category %s org %q tags %v", c.Channel, c.Category, c.Reporter.OrgCode, c.Tags)
		}
		if c.State == cases.StateDispatched && (c.Deadlines.Reply == nil || c.Deadlines.SignOff == nil) {
			t.Fatalf("enterprise SLA clocks missing: %+v", c.Deadlines)
		}
		bad := func(field string, v any) string {
			return enterpriseBody(func(m map[string]any) { m["reporter"].(map[string]any)[field] = v })
		}
		for _, tc := range []struct{ name, body, field string }{
			{"wrong check character", bad("org_code", "914403001922038217"), "reporter.org_code"},
			{"too short", bad("org_code", "9144030019220382"), "reporter.org_code"},
			{"missing", bad("org_code", ""), "reporter.org_code"},
			{"bad phone", bad("phone", "none"), "reporter.phone"},
			{"unknown type", enterpriseBody(func(m map[string]any) { m["type"] = "loans" }), "type"},
			{"no title", enterpriseBody(func(m map[string]any) { delete(m, "title") }), "title"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantProblem(t, h.do("POST", "/api/v1/enterprise/requests", tc.body), 422, ProblemInvalidField, tc.field)
			})
		}
		wantProblem(t, h.do("POST", "/api/v1/enterprise/requests", enterpriseBody(func(m map[string]any) { m["category"] = "01" })),
			400, ProblemUnknownField, "category")
		if n := len(h.all()); n != 1 {
			t.Fatalf("%d cases stored, want 1", n)
		}

		// History: this enterprise's requests only.
		other := enterpriseBody(func(m map[string]any) { m["reporter"].(map[string]any)["org_code"] = "9144030071526726XG" })
		if rec := h.do("POST", "/api/v1/enterprise/requests", other); rec.Code != http.StatusCreated {
			t.Fatalf("second enterprise: %d %s", rec.Code, rec.Body)
		}
		h.create(nil) // a hotline case
		rec = h.do("GET", "/api/v1/enterprise/"+huawei+"/cases", "")
		hist := decode[enterpriseCases](t, rec)
		if rec.Code != http.StatusOK || len(hist.Cases) != 1 || hist.Cases[0].ID != c.ID || hist.Truncated || hist.Cases[0].Reporter.Phone == "02787654321" {
			t.Fatalf("history = %d %+v", rec.Code, hist)
		}
		if rec := h.do("GET", "/api/v1/enterprise/91350100M000100Y43/cases", ""); len(decode[enterpriseCases](t, rec).Cases) != 0 {
			t.Fatal("an enterprise without requests has some")
		}
		wantProblem(t, h.do("GET", "/api/v1/enterprise/914403001922038217/cases", ""), 400, ProblemInvalidParameter, "code")
	})
}
