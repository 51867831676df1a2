package workflow

import (
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/dispatch"
	"yiwang/internal/store"
)

// fixedUnits answers the same unit types for every message.
type fixedUnits []UnitSuggestion

func (f fixedUnits) RouteUnits(string, string) []UnitSuggestion { return f }

var testKindTypes = map[dispatch.Kind]string{
	dispatch.KindUrbanManagement: "城管", dispatch.KindHousing: "住建", dispatch.KindWater: "水利水务", dispatch.KindGovernment: "区县政府",
}

func TestSuggestUnits(t *testing.T) {
	f := newFixture(t, newFakeStore())
	if _, ok := f.w.SuggestUnits("路灯", "不亮", cases.Location{}); ok {
		t.Fatal("SuggestUnits ready without a router")
	}
	router := fixedUnits{
		{Type: "城管", Confidence: 0.5, Terms: []string{"占道"}},
		{Type: "教育", Confidence: 0.2},
		{Type: "住建", Confidence: 0.1},
		{Type: "水利水务", Confidence: 0.1},
	}
	f.w.SetUnitRouter(router, testKindTypes)
	tests := []struct {
		name  string
		loc   cases.Location
		units []string // of the top three
	}{
		{"no place", cases.Location{}, []string{"", "", ""}},
		// The district's 城管 is narrower than any city unit; the city's
		// 住建 covers the street; no 教育 unit exists.
		{"street", cases.Location{District: "420106", Street: "420106002"}, []string{"chengguan.420106", "", "zhujian.420100"}},
		{"district only", cases.Location{District: "420106"}, []string{"chengguan.420106", "", "zhujian.420100"}},
		// Another district: its 城管 is not in the directory.
		{"other district", cases.Location{District: "420102"}, []string{"", "", "zhujian.420100"}},
		{"outside the city", cases.Location{District: "110101"}, []string{"", "", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := f.w.SuggestUnits("占道经营", "路边摆摊", tt.loc)
			if !ok || len(got) != 3 {
				t.Fatalf("SuggestUnits = %+v, %v; want the top three", got, ok)
			}
			for i, want := range tt.units {
				if got[i].Type != router[i].Type || got[i].Unit != want || (want == "") != (got[i].UnitName == "") {
					t.Errorf("suggestion %d = %+v, want type %s unit %q with its name", i, got[i], router[i].Type, want)
				}
			}
		})
	}
	if router[0].Unit != "" {
		t.Error("SuggestUnits wrote into the router's answer")
	}
	f.w.SetUnitRouter(nil, nil)
	if _, ok := f.w.SuggestUnits("路灯", "不亮", cases.Location{}); ok {
		t.Error("SuggestUnits ready after the router was removed")
	}
}

func TestClosedUnitCases(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		created := at(2025, 9, 30, 10, 0)
		open := f.create(newCase("0101", cases.SeverityNormal), created)
		c := f.create(newCase("0101", cases.SeverityNormal), created)
		if c.Unit == "" {
			t.Fatalf("case %s was not dispatched", c.ID)
		}
		steps := []cases.Command{
			{Action: cases.ActionAccept, Actor: "unit"},
			{Action: cases.ActionResolve, Actor: "unit", Payload: cases.Payload{Reply: "已处理"}},
			{Action: cases.ActionClose, Actor: "dispatcher"},
		}
		for i, cmd := range steps {
			f.do(c.ID, created.Add(time.Duration(i+1)*time.Minute), cmd)
		}
		want, err := f.w.Engine().Directory().Unit(c.Unit)
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.w.ClosedUnitCases(f.ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != c.ID || got[0].Unit != c.Unit || got[0].Kind != want.Kind || got[0].Title != "测试诉求" {
			t.Fatalf("closed unit cases %+v, want only %s with unit %s (%s), not %s (open)", got, c.ID, c.Unit, want.Kind, open.ID)
		}
		if got, _ := f.w.ClosedUnitCases(f.ctx, 0); len(got) != 0 {
			t.Errorf("limit 0 gave %d", len(got))
		}
		tagged := newCase("0101", cases.SeverityNormal)
		tagged.Tags = []string{"demo"}
		d := f.create(tagged, created)
		for i, cmd := range steps {
			f.do(d.ID, created.Add(time.Duration(i+1)*time.Minute), cmd)
		}
		if got, _ := f.w.ClosedUnitCases(f.ctx, 10); len(got) != 2 {
			t.Errorf("without skip tags: %d cases, want 2", len(got))
		}
		if got, _ := f.w.ClosedUnitCases(f.ctx, 10, "demo"); len(got) != 1 || got[0].ID != c.ID {
			t.Errorf("skipping tag demo: %+v, want only %s", got, c.ID)
		}
	})
}

func TestUnitFor(t *testing.T) {
	units := []dispatch.Unit{
		{Code: "a.city", Name: "市城管", Kind: dispatch.KindUrbanManagement, Areas: []string{"420100"}, Schedule: "24x7"},
		{Code: "z.district", Name: "武昌区城管", Kind: dispatch.KindUrbanManagement, Parent: "a.city", Areas: []string{"420106"}, Schedule: "24x7"},
		{Code: "street", Name: "杨园街道", Kind: dispatch.KindStreetOffice, Parent: "a.city", Areas: []string{"420106002"}, Schedule: "24x7"},
		{Code: "b.district", Name: "江岸区城管", Kind: dispatch.KindUrbanManagement, Parent: "a.city", Areas: []string{"420102"}, Schedule: "24x7"},
	}
	dir, err := dispatch.NewDirectory(units)
	if err != nil {
		t.Fatal(err)
	}
	types := map[dispatch.Kind]string{dispatch.KindUrbanManagement: "城管", dispatch.KindStreetOffice: "街道乡镇"}
	tests := []struct{ typ, area, want string }{
		// The district's branch, not the city bureau, whose code sorts first.
		{"城管", "420106002", "z.district"},
		{"城管", "420106", "z.district"},
		{"城管", "420111", "a.city"},
		{"街道乡镇", "420106002", "street"},
		{"街道乡镇", "420106007", ""},
		{"街道乡镇", "420106", ""}, // a street does not cover its district
		{"教育", "420106", ""},
		{"", "420106", ""},
		{"城管", "110101", ""},
	}
	for _, tt := range tests {
		u, ok := unitFor(dir, types, tt.typ, tt.area)
		if ok != (tt.want != "") || u.Code != tt.want {
			t.Errorf("unitFor(%s, %s) = %q, %v; want %q", tt.typ, tt.area, u.Code, ok, tt.want)
		}
	}
}
