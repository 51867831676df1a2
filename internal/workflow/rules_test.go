package workflow

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

const overlapYAML = `rules:
  - id: a
    category: "0101"
    area: "420106"
    lead: chengguan.420106
  - id: b
    category: "0101"
    area: "420106"
    lead: chengguan.420106
  - id: c
    category: "01"
    area: "420100"
    lead: nosuch.unit
`

// TestPutRulesRefusesWithEveryProblem checks that invalid lists are
// refused with one problem per fault, naming the rules, and change nothing.
func TestPutRulesRefusesWithEveryProblem(t *testing.T) {
	tests := []struct {
		name, format, body string
		want               [][]string // the rule ids of each problem
		fields             []string
	}{
		{"overlap and unknown unit", FormatYAML, overlapYAML, [][]string{{"c"}, {"a", "b"}}, []string{"lead", ""}},
		{"bad window and severity", FormatCSV, "id,category,area,severity,window,lead,co,note\n" +
			"x,01,420100,grave,,zhujian.420100,,\ny,01,420100,,25:00-26:00,zhujian.420100,,\n",
			[][]string{{"x"}, {"y"}}, []string{"severity", "window"}},
		{"bad header", FormatCSV, "id,cat\n", [][]string{nil}, []string{"header"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, newFakeStore())
			before := f.w.Rules()
			_, err := f.w.PutRules(f.ctx, []byte(tt.body), tt.format, 0, "admin")
			var re *RulesError
			if !errors.As(err, &re) || !errors.Is(err, ErrInvalidRules) {
				t.Fatalf("err = %v, want a *RulesError", err)
			}
			if len(re.Problems) != len(tt.want) {
				t.Fatalf("problems = %+v, want %d", re.Problems, len(tt.want))
			}
			for i, p := range re.Problems {
				if !slices.Equal(p.Rules, tt.want[i]) || p.Field != tt.fields[i] || p.Message == "" {
					t.Errorf("problem %d = %+v, want rules %v field %q", i, p, tt.want[i], tt.fields[i])
				}
			}
			if after := f.w.Rules(); after.Engine != before.Engine || after.Version != 0 {
				t.Errorf("the engine changed after a refused list")
			}
		})
	}
}

// TestPutRulesSwapsEngine checks that a valid list is stored, routes the
// next case at once, and is picked up by another node over the store.
func TestPutRulesSwapsEngine(t *testing.T) {
	csv := "id,category,area,severity,window,lead,co,note\n" +
		"build-wuchang,01,420106,,,chengguan.420106,,武昌区城建事项\n" +
		"build-city,01,420100,,,zhujian.420100,,\n"
	forEachStore(t, func(t *testing.T, st store.Store) {
		f := newFixture(t, st)
		other := newFixture(t, st)
		if c := f.create(newCase("0101", cases.SeverityNormal), at(2025, 9, 29, 10, 0)); c.Unit != "zhujian.420100" {
			t.Fatalf("before: unit %s", c.Unit)
		}
		rs, err := f.w.PutRules(f.ctx, []byte(csv), FormatCSV, 0, "admin")
		if err != nil {
			t.Fatal(err)
		}
		if rs.Version != 1 || rs.UpdatedBy != "admin" || !strings.Contains(string(rs.YAML), "build-wuchang") {
			t.Errorf("rule set = version %d by %q, yaml %s", rs.Version, rs.UpdatedBy, rs.YAML)
		}
		if c := f.create(newCase("0101", cases.SeverityNormal), at(2025, 9, 29, 10, 5)); c.Unit != "chengguan.420106" || c.RuleID != "build-wuchang" {
			t.Errorf("after: unit %s rule %s, want chengguan.420106 by build-wuchang", c.Unit, c.RuleID)
		}
		if _, err := f.w.PutRules(f.ctx, []byte(csv), FormatCSV, 0, "admin"); !errors.Is(err, store.ErrVersionConflict) {
			t.Errorf("stale version: err %v, want ErrVersionConflict", err)
		}
		// The other node follows on its next poll.
		if other.w.Rules().Version != 0 {
			t.Fatal("other node changed before refreshing")
		}
		changed, err := other.w.Refresh(other.ctx)
		if err != nil || !changed || other.w.Rules().Version != 1 {
			t.Fatalf("refresh: changed %v err %v version %d", changed, err, other.w.Rules().Version)
		}
		if changed, err := other.w.Refresh(other.ctx); err != nil || changed {
			t.Errorf("second refresh: changed %v err %v, want no change", changed, err)
		}
		// A node starting now loads the stored list.
		fresh := newFixture(t, st)
		if err := fresh.w.LoadRules(fresh.ctx); err != nil || fresh.w.Rules().Version != 1 {
			t.Errorf("load: err %v version %d", err, fresh.w.Rules().Version)
		}
		// Unconditional put (expectVersion < 0) of the original YAML.
		body, err := os.ReadFile("testdata/rules.yaml")
		if err != nil {
			t.Fatal(err)
		}
		rs, err = other.w.PutRules(other.ctx, body, FormatYAML, -1, "admin2")
		if err != nil || rs.Version != 2 || string(rs.YAML) != string(body) {
			t.Fatalf("yaml put: version %d err %v", rs.Version, err)
		}
	})
}

// TestLoadRulesWithoutDocuments keeps the built-in list.
func TestLoadRulesWithoutDocuments(t *testing.T) {
	f := newFixture(t, newFakeStore())
	before := f.w.Engine()
	if err := f.w.LoadRules(f.ctx); err != nil {
		t.Fatal(err)
	}
	if rs := f.w.Rules(); rs.Version != 0 || len(rs.Engine.Rules()) != len(before.Rules()) || !strings.Contains(string(rs.YAML), "water-city") {
		t.Errorf("rules after load without documents: version %d, %d rules", rs.Version, len(rs.Engine.Rules()))
	}
	if _, err := f.w.PutRules(f.ctx, nil, "json", 0, "x"); !errors.Is(err, ErrFormat) {
		t.Errorf("json format: err %v, want ErrFormat", err)
	}
}

// FuzzPutRules checks that any rules file is either accepted or refused
// with a *RulesError, never anything else, and never panics.
func FuzzPutRules(f *testing.F) {
	body, err := os.ReadFile("testdata/rules.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(body, true)
	f.Add([]byte(overlapYAML), true)
	f.Add([]byte("id,category,area,severity,window,lead,co,note\nx,01,420100,,Mon-Fri 22:00-06:00,zhujian.420100,shuiwu.420100,\n"), false)
	f.Add([]byte("rules: [}"), true)
	eng := testEngine(f)
	f.Fuzz(func(t *testing.T, body []byte, yaml bool) {
		w, err := New(Options{Store: newFakeStore(), Engine: eng})
		if err != nil {
			t.Fatal(err)
		}
		format := FormatCSV
		if yaml {
			format = FormatYAML
		}
		rs, err := w.PutRules(t.Context(), body, format, 0, "fuzz")
		var re *RulesError
		switch {
		case err == nil:
			if rs.Version != 1 || w.Rules().Version != 1 {
				t.Errorf("accepted but version %d / %d", rs.Version, w.Rules().Version)
			}
		case errors.As(err, &re):
			if len(re.Problems) == 0 {
				t.Errorf("RulesError without problems")
			}
		default:
			t.Errorf("err = %v, want nil or *RulesError", err)
		}
	})
}
