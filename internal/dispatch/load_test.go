package dispatch

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func withoutSources(rules []Rule) []Rule {
	out := make([]Rule, len(rules))
	for i, r := range rules {
		r.Source = Source{}
		out[i] = r
	}
	return out
}

func TestCSVAndYAMLGiveTheSameEngine(t *testing.T) {
	fromYAML, err := LoadRulesFile("testdata/rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	fromCSV, err := LoadRulesFile("testdata/rules.csv")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(withoutSources(fromYAML), withoutSources(fromCSV)) {
		t.Fatalf("rules differ:\nyaml %+v\ncsv  %+v", fromYAML, fromCSV)
	}
	if fromYAML[1].Source != (Source{File: "testdata/rules.yaml", Line: 7}) || fromCSV[1].Source != (Source{File: "testdata/rules.csv", Line: 3}) {
		t.Errorf("sources %v and %v, want rules.yaml:7 and rules.csv:3", fromYAML[1].Source, fromCSV[1].Source)
	}
	units, err := LoadUnitsFile("testdata/units.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(withoutUnitSources(units), testUnits()) {
		t.Fatalf("testdata/units.yaml differs from testUnits():\n%+v", units)
	}
	dir, err := NewDirectory(units)
	if err != nil {
		t.Fatal(err)
	}
	ey, err := NewEngine(dir, fromYAML)
	if err != nil {
		t.Fatal(err)
	}
	ec, err := NewEngine(dir, fromCSV)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		q := randomQuery(rng)
		if a, b := ey.Decide(q), ec.Decide(q); !reflect.DeepEqual(a, b) {
			t.Fatalf("query %+v: yaml engine %+v, csv engine %+v", q, a, b)
		}
	}
}

func withoutUnitSources(us []Unit) []Unit {
	for i := range us {
		us[i].Source = Source{}
	}
	return us
}

func TestDemoRulesRoundTripThroughCSV(t *testing.T) {
	rules, err := DemoRules()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteRulesCSV(&buf, rules); err != nil {
		t.Fatal(err)
	}
	back, err := ReadRulesCSV(&buf, "demo.csv")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(withoutSources(rules), withoutSources(back)) {
		t.Fatal("demo rules changed through CSV")
	}
}

func TestLoaderErrorsNameTheirPlace(t *testing.T) {
	tests := []struct {
		name, file, text string
		read             func(string, string) error
		target           error
		fragments        []string
	}{
		{
			name: "yaml unknown field", file: "r.yaml", read: readYAMLRules, target: ErrMalformed,
			text:      "rules:\n  - id: a\n    category: \"01\"\n    area: \"420106\"\n    lead: cg.wc\n    leader: x\n",
			fragments: []string{"r.yaml", "line 6", "leader"},
		},
		{
			name: "yaml malformed area", file: "r.yaml", read: readYAMLRules, target: ErrMalformed,
			text:      "rules:\n  - id: a\n    category: \"01\"\n    area: \"420106\"\n    lead: cg.wc\n  - id: b\n    category: \"01\"\n    area: \"4201\"\n    lead: cg.wc\n",
			fragments: []string{"r.yaml:6", `rule "b"`, "field area", `"4201"`},
		},
		{
			name: "yaml two documents", file: "r.yaml", read: readYAMLRules, target: ErrMalformed,
			text:      "rules: []\n---\nrules: []\n",
			fragments: []string{"r.yaml", "one YAML document"},
		},
		{
			name: "csv bad header", file: "r.csv", read: readCSVRules, target: ErrMalformed,
			text:      "id,category,area,lead\n",
			fragments: []string{"r.csv:1", "field header"},
		},
		{
			name: "csv malformed category", file: "r.csv", read: readCSVRules, target: ErrMalformed,
			text:      "id,category,area,severity,window,lead,co,note\nok,01,420106,,,cg.wc,,\nbad,1,420106,,,cg.wc,,\n",
			fragments: []string{"r.csv:3", `rule "bad"`, "field category"},
		},
		{
			name: "csv malformed window and severity", file: "r.csv", read: readCSVRules, target: ErrMalformed,
			text:      "id,category,area,severity,window,lead,co,note\nw,01,420106,high,22-06,cg.wc,,\n",
			fragments: []string{"r.csv:2", "field severity", "field window"},
		},
		{
			name: "csv empty co entry", file: "r.csv", read: readCSVRules, target: ErrMalformed,
			text:      "id,category,area,severity,window,lead,co,note\nc,01,420106,,,cg.wc,sw||ga,\n",
			fragments: []string{"r.csv:2", "field co"},
		},
		{
			name: "csv wrong field count", file: "r.csv", read: readCSVRules, target: ErrMalformed,
			text:      "id,category,area,severity,window,lead,co,note\nc,01,420106\n",
			fragments: []string{"r.csv:2", "3 fields"},
		},
		{
			name: "units yaml bad duration", file: "u.yaml", read: readYAMLUnits, target: ErrMalformed,
			text:      "units:\n  - {code: a, name: A, kind: 城管, areas: [\"420100\"], schedule: 24x7, return_window: soon}\n",
			fragments: []string{"u.yaml", "line 2"},
		},
		{
			name: "units yaml bad kind", file: "u.yaml", read: readYAMLUnits, target: ErrMalformed,
			text:      "units:\n  - {code: a, name: A, kind: 城管, areas: [\"420100\"], schedule: 24x7, return_window: 1h}\n  - {code: b, name: B, kind: 外星, areas: [\"420100\"], schedule: 24x7, return_window: 1h}\n",
			fragments: []string{"u.yaml:3", `unit "b"`, "field kind"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, tt.read(tt.text, tt.file), tt.target, tt.fragments...)
		})
	}
}

func readYAMLRules(text, file string) error {
	_, err := ReadRulesYAML(strings.NewReader(text), file)
	return err
}

func readCSVRules(text, file string) error {
	_, err := ReadRulesCSV(strings.NewReader(text), file)
	return err
}

func readYAMLUnits(text, file string) error {
	_, err := ReadUnitsYAML(strings.NewReader(text), file)
	return err
}

func TestConflictNamesBothSources(t *testing.T) {
	text := "rules:\n  - {id: a, category: \"01\", area: \"420106\", lead: cg.wc}\n  - {id: b, category: \"01\", area: \"420106\", lead: cg}\n"
	rules, err := ReadRulesYAML(strings.NewReader(text), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewEngine(testDir(t), rules)
	wantErr(t, err, ErrConflict, `"a" (c.yaml:2)`, `"b" (c.yaml:3)`)
}

func FuzzReadRulesCSV(f *testing.F) {
	seed, _ := csvFixture()
	f.Add(seed)
	f.Add("id,category,area,severity,window,lead,co,note\nx,*,420100,,,a,b|c,\"n,\"\"q\"\"\"\n")
	f.Add("id,category,area\n")
	f.Fuzz(func(t *testing.T, text string) {
		rules, err := ReadRulesCSV(strings.NewReader(text), "f.csv")
		if err != nil {
			return
		}
		for _, r := range rules {
			if err := CheckRule(r); err != nil {
				t.Fatalf("accepted rule fails CheckRule: %v", err)
			}
		}
		var buf bytes.Buffer
		if err := WriteRulesCSV(&buf, rules); err != nil {
			t.Fatal(err)
		}
		back, err := ReadRulesCSV(&buf, "f.csv")
		if err != nil {
			t.Fatalf("written rules do not read back: %v\n%s", err, buf.String())
		}
		if !reflect.DeepEqual(withoutSources(rules), withoutSources(back)) {
			t.Fatalf("round trip changed rules:\n%+v\n%+v", rules, back)
		}
	})
}

func FuzzReadRulesYAML(f *testing.F) {
	_, seed := csvFixture()
	f.Add(seed)
	f.Add("rules:\n  - {id: a, category: \"*\", area: \"420100\", lead: x, co: [y], window: \"22:00-06:00\"}\n")
	f.Add("rules: {}\n")
	f.Add("rules: &a [{id: a, category: \"01\", area: \"420100\", lead: x}]\n")
	f.Fuzz(func(t *testing.T, text string) {
		rules, err := ReadRulesYAML(strings.NewReader(text), "f.yaml")
		if err != nil {
			return
		}
		for _, r := range rules {
			if err := CheckRule(r); err != nil {
				t.Fatalf("accepted rule fails CheckRule: %v", err)
			}
		}
		out, err := yaml.Marshal(rulesFile{Rules: rules})
		if err != nil {
			t.Fatal(err)
		}
		back, err := ReadRulesYAML(bytes.NewReader(out), "f.yaml")
		if err != nil {
			t.Fatalf("marshalled rules do not read back: %v\n%s", err, out)
		}
		if !reflect.DeepEqual(withoutSources(rules), withoutSources(back)) {
			t.Fatalf("round trip changed rules:\n%+v\n%+v", rules, back)
		}
	})
}

func FuzzReadUnitsYAML(f *testing.F) {
	f.Add("units:\n  - {code: a, name: A, kind: 城管, areas: [\"420100\"], schedule: 24x7, return_window: 1h}\n")
	f.Add("units: [{code: b}]\n")
	f.Fuzz(func(t *testing.T, text string) {
		units, err := ReadUnitsYAML(strings.NewReader(text), "u.yaml")
		if err != nil {
			return
		}
		for _, u := range units {
			if errs := checkUnit(u); len(errs) > 0 {
				t.Fatalf("accepted unit fails checkUnit: %v", errs)
			}
		}
		_, _ = NewDirectory(units) // must not panic
	})
}

func csvFixture() (csvText, yamlText string) {
	c, _ := testdataFS.ReadFile("testdata/rules.csv")
	y, _ := testdataFS.ReadFile("testdata/rules.yaml")
	return string(c), string(y)
}
