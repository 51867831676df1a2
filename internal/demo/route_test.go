package demo

import (
	"math/rand/v2"
	"testing"

	"yiwang/internal/cases"
	"yiwang/internal/dispatch"
)

func TestFallbackRouter(t *testing.T) {
	q := RouteQuery{Category: "0403", Location: cases.Location{District: "420106"}}
	if got := (FallbackRouter{}).Route(q); got.Lead != "demo.shengtai.420106" || got.RuleID != "" {
		t.Errorf("route = %+v", got)
	}
	r := rand.New(rand.NewPCG(1, 2))
	if u := (FallbackRouter{}).Misroute(q, "demo.shengtai.420106", r); u == "" || u == "demo.shengtai.420106" {
		t.Errorf("misroute = %q", u)
	}
	if got := (FallbackRouter{}).Route(RouteQuery{Category: "99"}); got.Lead != "demo.zhengfu.420100" {
		t.Errorf("unknown category routes to %q", got.Lead)
	}
}

func TestDispatchRouter(t *testing.T) {
	e, err := dispatch.DemoEngine()
	if err != nil {
		t.Fatal(err)
	}
	rt := DispatchRouter(e)
	r := rand.New(rand.NewPCG(1, 2))
	for _, cat := range []string{"01", "04", "06", "14", "15"} {
		q := RouteQuery{Category: cat, Location: cases.Location{District: "420106"}, Severity: cases.SeverityNormal, At: testNow}
		a := rt.Route(q)
		if !e.Directory().Has(a.Lead) {
			t.Errorf("category %s: lead %q is not a unit", cat, a.Lead)
		}
		if u := rt.Misroute(q, a.Lead, r); u == a.Lead || (u != "" && !e.Directory().Has(u)) {
			t.Errorf("category %s: misroute %q", cat, u)
		}
	}
}
