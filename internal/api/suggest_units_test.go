package api

import (
	"net/http"
	"testing"

	"yiwang/internal/cases"
	"yiwang/internal/dispatch"
	"yiwang/internal/workflow"
)

// fixedUnitRouter answers the same unit types for every message.
type fixedUnitRouter []workflow.UnitSuggestion

func (f fixedUnitRouter) RouteUnits(string, string) []workflow.UnitSuggestion { return f }

func TestSuggestUnits(t *testing.T) {
	st := newFakeStore()
	eng, err := dispatch.DemoEngine()
	if err != nil {
		t.Fatal(err)
	}
	wf, err := workflow.New(workflow.Options{Store: st, Engine: eng})
	if err != nil {
		t.Fatal(err)
	}
	locate := func(lat, lon float64) (cases.Location, error) {
		return cases.Location{District: "420106", Street: "420106002"}, nil
	}
	h := newHarness(t, st, func(o *Options) { o.Workflow, o.Locate = wf, locate })
	const req = `{"title":"学校门口占道经营","body":"放学时小摊贩占满人行道","lat":30.54,"lon":114.31}`
	got := decode[suggestResponse](t, h.do("POST", "/api/v1/suggest", req))
	if got.UnitRouterReady || got.Units == nil || len(got.Units) != 0 {
		t.Fatalf("before the router is set: ready %v, units %+v (want false and [])", got.UnitRouterReady, got.Units)
	}
	wf.SetUnitRouter(fixedUnitRouter{
		{Type: "城管", Confidence: 0.6, Terms: []string{"占道", "摊贩"}},
		{Type: "街道乡镇", Confidence: 0.2, Terms: []string{"村组"}},
		{Type: "教育", Confidence: 0.1},
		{Type: "公安", Confidence: 0.1},
	}, map[dispatch.Kind]string{dispatch.KindUrbanManagement: "城管", dispatch.KindStreetOffice: "街道乡镇", dispatch.KindEducation: "教育"})
	rec := h.do("POST", "/api/v1/suggest", req)
	if rec.Code != http.StatusOK {
		t.Fatalf("suggest: %d %s", rec.Code, rec.Body)
	}
	got = decode[suggestResponse](t, rec)
	want := []struct{ typ, unit, name string }{
		{"城管", "chengguan.420106", ""}, {"街道乡镇", "jiedao.420106002", "武昌区杨园街道办事处"}, {"教育", "", "武汉市教育局"},
	}
	if !got.UnitRouterReady || len(got.Units) != 3 {
		t.Fatalf("units %+v, ready %v: want the top three", got.Units, got.UnitRouterReady)
	}
	for i, w := range want {
		u := got.Units[i]
		if u.Type != w.typ || w.unit != "" && u.Unit != w.unit || w.name != "" && u.UnitName != w.name || u.Unit == "" || u.UnitName == "" {
			t.Errorf("unit %d = %+v, want type %s unit %s %s", i, u, w.typ, w.unit, w.name)
		}
	}
	if len(got.Units[0].Terms) != 2 {
		t.Errorf("terms of the top unit: %v", got.Units[0].Terms)
	}
	// Without lat/lon there is no place: types only.
	got = decode[suggestResponse](t, h.do("POST", "/api/v1/suggest", `{"title":"学校门口占道经营"}`))
	if len(got.Units) != 3 || got.Units[0].Unit != "" || got.Units[0].UnitName != "" {
		t.Errorf("without a place: %+v", got.Units)
	}
}
