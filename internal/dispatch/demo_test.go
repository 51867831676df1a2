package dispatch

import (
	"strings"
	"testing"
)

func TestDemoDataLoadsAndValidates(t *testing.T) {
	e, err := DemoEngine()
	if err != nil {
		t.Fatal(err)
	}
	dir := e.Directory()
	if dir.Len() < 100 || len(e.Rules()) < 200 {
		t.Errorf("demo has %d units and %d rules; want the full demo", dir.Len(), len(e.Rules()))
	}
	// Every district has the five branch departments under their bureau.
	for _, d := range testDistricts {
		for _, dept := range []string{"chengguan", "shuiwu", "zhujian", "shengtai", "shijian"} {
			anc, err := dir.Ancestors(dept + "." + d)
			if err != nil {
				t.Errorf("%s.%s: %v", dept, d, err)
				continue
			}
			if len(anc) != 2 || anc[0].Code != dept+".420100" || anc[1].Code != "zhengfu.420100" {
				t.Errorf("escalation chain of %s.%s = %v", dept, d, codesOf(anc))
			}
		}
	}
	// Each of the 15 first-level classes is covered by a city-level rule.
	for i := 1; i <= 15; i++ {
		cat := string([]byte{byte('0' + i/10), byte('0' + i%10)})
		d := e.DecideExplained(Query{Category: cat + "9999", Chain: []string{"420117"}, Severity: SeverityNormal, At: at(23, 10, 0)})
		city := d.Explanation.Winner != nil && d.Explanation.Winner.Rule.Area == "420100" && d.Explanation.Winner.Rule.Category == cat
		for _, o := range d.Explanation.Outranked {
			city = city || (o.Rule.Area == "420100" && o.Rule.Category == cat)
		}
		if d.Manual || !city {
			t.Errorf("class %s: %+v, want a city-level rule on the class", cat, d)
		}
	}
	// The headers say the data is generated.
	for _, f := range []string{"data/units.yaml", "data/rules.yaml"} {
		b, err := demoData.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b[:600]), "GENERATED FOR THE DEMO, NOT AN OFFICIAL 权责清单") {
			t.Errorf("%s lacks the generated-data label", f)
		}
	}
}

func TestDemoDecisions(t *testing.T) {
	e, err := DemoEngine()
	if err != nil {
		t.Fatal(err)
	}
	yy := []string{"420106", "420106002"}
	tests := []struct {
		name string
		q    Query
		lead string
		co   string
	}{
		{"城管执法 in 武昌", Query{"010202", yy, SeverityNormal, at(23, 10, 0)}, "chengguan.420106", ""},
		{"water supply, normal", Query{"010216", yy, SeverityNormal, at(23, 10, 0)}, "shuiwu.420106", ""},
		{"water supply, critical", Query{"010216", yy, SeverityCritical, at(23, 10, 0)}, "shuiwu.420100", "shuiwu.420106"},
		{"noise by day", Query{"040203", yy, SeverityNormal, at(23, 10, 0)}, "shengtai.420106", ""},
		{"noise at night", Query{"040203", yy, SeverityNormal, at(23, 23, 30)}, "gongan.420100", "shengtai.420100"},
		{"construction safety, weekday night", Query{"010501", yy, SeverityNormal, at(24, 2, 0)}, "chengguan.420106", "zhujian.420106"},
		{"construction safety, saturday night", Query{"010501", yy, SeverityNormal, at(28, 23, 0)}, "zhujian.420106", ""},
		{"illegal building", Query{"010302", []string{"420111"}, SeverityNormal, at(23, 10, 0)}, "chengguan.420111", "zhujian.420111"},
		{"小区管理 in the generated community", Query{"010212", append(yy, "420106002001"), SeverityNormal, at(23, 10, 0)}, "shequ.420106002001", "jiedao.420106002"},
		{"unknown category in a street with a fallback", Query{"99", yy, SeverityNormal, at(23, 10, 0)}, "jiedao.420106002", ""},
		{"traffic", Query{"130501", []string{"420115"}, SeverityUrgent, at(23, 10, 0)}, "jiaoguan.420100", ""},
	}
	for _, tt := range tests {
		d := e.Decide(tt.q)
		if d.Lead != tt.lead || strings.Join(d.Co, "|") != tt.co {
			t.Errorf("%s: lead %s co %v (rule %s), want %s %s", tt.name, d.Lead, d.Co, d.RuleID, tt.lead, tt.co)
		}
	}
	if d := e.Decide(Query{Category: "99", Chain: []string{"420111"}, Severity: SeverityNormal, At: at(23, 10, 0)}); !d.Manual {
		t.Errorf("unknown category without a street fallback: %+v, want Manual", d)
	}
}
