package sla

import (
	"errors"
	"strings"
	"testing"
)

func mustDefault(t testing.TB) *Set {
	t.Helper()
	s, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func clk(t testing.TB, s string) Clock {
	t.Helper()
	c, err := ParseClock(s)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDefaultPrecedence(t *testing.T) {
	s := mustDefault(t)
	type want struct {
		clock, policy string // clock "" means no clock of that kind
	}
	tests := []struct {
		name string
		c    Case
		want map[ClockKind]want
	}{
		{"ordinary web case", Case{"web", "0103", "normal"}, map[ClockKind]want{
			ClockDispatch: {}, ClockSignOff: {"2h working", "ordinary"}, ClockOnSite: {},
			ClockResolve: {"5d working", "ordinary"}, ClockReply: {},
		}},
		{"enterprise overrides sign-off, adds reply, inherits resolve", Case{"enterprise", "02", "normal"}, map[ClockKind]want{
			ClockDispatch: {}, ClockSignOff: {"1h working", "enterprise"}, ClockOnSite: {},
			ClockResolve: {"5d working", "ordinary"}, ClockReply: {"3d working", "enterprise"},
		}},
		{"urgent hotline", Case{"hotline", "010302", "urgent"}, map[ClockKind]want{
			ClockDispatch: {"30m calendar", "hotline-urgent"}, ClockSignOff: {"2h working", "ordinary"},
			ClockOnSite: {"2h calendar", "hotline-urgent"}, ClockResolve: {"5d working", "ordinary"}, ClockReply: {},
		}},
		{"urgent web is not the hotline rule", Case{"web", "01", "urgent"}, map[ClockKind]want{
			ClockDispatch: {}, ClockOnSite: {}, ClockSignOff: {"2h working", "ordinary"},
		}},
		{"critical hotline", Case{"hotline", "01", "critical"}, map[ClockKind]want{
			ClockDispatch: {"15m calendar", "critical"}, ClockSignOff: {"30m calendar", "critical"},
			ClockOnSite: {"1h calendar", "critical"}, ClockResolve: {"24h calendar", "critical"}, ClockReply: {},
		}},
		{"critical beats the enterprise channel", Case{"enterprise", "01", "critical"}, map[ClockKind]want{
			ClockSignOff: {"30m calendar", "critical"}, ClockReply: {"3d working", "enterprise"},
		}},
	}
	for _, tt := range tests {
		terms := s.Resolve(tt.c)
		for k, w := range tt.want {
			r, ok := terms.Rule(k)
			switch {
			case w.clock == "" && ok:
				t.Errorf("%s: %s = %s from %s, want none", tt.name, k, r.Clock, r.Policy)
			case w.clock != "" && (!ok || r.Clock.String() != w.clock || r.Policy != w.policy):
				t.Errorf("%s: %s = %q from %q (ok=%v), want %q from %q", tt.name, k, r.Clock, r.Policy, ok, w.clock, w.policy)
			}
		}
	}
	if r, _ := s.Resolve(Case{"hotline", "01", "critical"}).Rule(ClockDispatch); r.YellowAt != 0.5 {
		t.Errorf("critical yellow_at = %v, want 0.5", r.YellowAt)
	}
	if r, _ := s.Resolve(Case{"web", "01", "normal"}).Rule(ClockSignOff); r.YellowAt != DefaultYellowAt {
		t.Errorf("ordinary yellow_at = %v, want %v", r.YellowAt, DefaultYellowAt)
	}
}

const precedenceYAML = `
yellow_at: 0.7
policies:
  - name: base
    clocks: {resolve: 10d working}
  - name: env
    match: {category: "01"}
    clocks: {resolve: 7d working}
  - name: env-water
    match: {category: 0103}
    clocks: {resolve: 3d working}
  - name: env-water-outage
    match: {category: "010302"}
    clocks: {resolve: 1d working}
  - name: grid
    match: {channel: grid}
    clocks: {resolve: 4d working}
  - name: grid-env
    match: {channel: grid, category: "01"}
    clocks: {resolve: 2d working}
  - name: urgent
    match: {severity: urgent}
    yellow_at: 0.6
    clocks: {resolve: 8h working}
  - name: other-category
    match: {category: "02"}
    clocks: {resolve: 6d working}
`

func TestPrecedence(t *testing.T) {
	s, err := Load(strings.NewReader(precedenceYAML))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		c      Case
		policy string
		yellow float64
	}{
		{Case{"web", "03", "normal"}, "base", 0.7},
		{Case{"web", "01", "normal"}, "env", 0.7},
		{Case{"web", "0101", "normal"}, "env", 0.7},
		{Case{"web", "010301", "normal"}, "env-water", 0.7},
		{Case{"web", "010302", "normal"}, "env-water-outage", 0.7},
		{Case{"web", "0201", "normal"}, "other-category", 0.7},
		{Case{"grid", "010302", "normal"}, "grid-env", 0.7}, // channel beats a deeper category
		{Case{"grid", "03", "normal"}, "grid", 0.7},
		{Case{"grid", "010302", "urgent"}, "urgent", 0.6}, // severity beats everything
		{Case{"", "", "normal"}, "base", 0.7},
	}
	for _, tt := range tests {
		r, ok := s.Resolve(tt.c).Rule(ClockResolve)
		if !ok || r.Policy != tt.policy || r.YellowAt != tt.yellow {
			t.Errorf("%+v: resolve from %q yellow %v (ok=%v), want %q yellow %v", tt.c, r.Policy, r.YellowAt, ok, tt.policy, tt.yellow)
		}
	}
	if got := s.Policies()[0].Name; got != "urgent" {
		t.Errorf("most specific policy first: got %q", got)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name, yaml string
		mention    []string // substrings the message must contain
	}{
		{"tie on identical match", `
policies:
  - {name: a, match: {channel: enterprise}, clocks: {reply: 3d working}}
  - {name: b, match: {channel: enterprise}, clocks: {reply: 2d working}}
`, []string{`"a"`, `"b"`, "equal specificity"}},
		{"tie with category and severity", `
policies:
  - {name: first, match: {category: "01", severity: urgent}, clocks: {resolve: 1d working}}
  - {name: second, match: {category: "01", severity: urgent}, clocks: {dispatch: 1h working}}
`, []string{`"first"`, `"second"`}},
		{"unknown top-level field", "policy: []\n", []string{"field policy not found"}},
		{"unknown policy field", `
policies:
  - {name: a, colour: red, clocks: {reply: 3d working}}
`, []string{"field colour not found"}},
		{"unknown clock", `
policies:
  - name: a
    clocks:
      sign-off: 1h working
`, []string{"field sign-off not found"}},
		{"unknown match field", `
policies:
  - {name: a, match: {district: "420103"}, clocks: {reply: 3d working}}
`, []string{"field district not found"}},
		{"bad clock", `
policies:
  - {name: a, clocks: {reply: 3 days}}
`, []string{`"a"`, "clocks.reply"}},
		{"bad severity", `
policies:
  - {name: a, match: {severity: high}, clocks: {reply: 3d working}}
`, []string{"match.severity"}},
		{"bad category", `
policies:
  - {name: a, match: {category: "013"}, clocks: {reply: 3d working}}
`, []string{"match.category"}},
		{"bad channel", `
policies:
  - {name: a, match: {channel: "Hot Line"}, clocks: {reply: 3d working}}
`, []string{"match.channel"}},
		{"no clocks", `
policies:
  - {name: a}
`, []string{"no clocks"}},
		{"no name", `
policies:
  - {clocks: {reply: 3d working}}
`, []string{"name is required"}},
		{"duplicate name", `
policies:
  - {name: a, clocks: {reply: 3d working}}
  - {name: a, match: {channel: web}, clocks: {reply: 3d working}}
`, []string{`"a" used twice`}},
		{"bad yellow", "yellow_at: 1.5\npolicies:\n  - {name: a, clocks: {reply: 3d working}}\n", []string{"yellow_at"}},
		{"bad policy yellow", "policies:\n  - {name: a, yellow_at: 0, clocks: {reply: 3d working}}\n", []string{"yellow_at"}},
		{"no policies", "yellow_at: 0.8\n", []string{"no policies"}},
		{"empty", "", []string{"EOF"}},
		{"two documents", "policies:\n  - {name: a, clocks: {reply: 3d working}}\n---\npolicies: []\n", []string{"more than one"}},
	}
	for _, tt := range tests {
		_, err := Load(strings.NewReader(tt.yaml))
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: error = %v, want ErrInvalid", tt.name, err)
			continue
		}
		for _, m := range tt.mention {
			if !strings.Contains(err.Error(), m) {
				t.Errorf("%s: error %q does not mention %q", tt.name, err, m)
			}
		}
	}
}

func TestNoTieWhenCasesCannotOverlap(t *testing.T) {
	s, err := Load(strings.NewReader(`
policies:
  - {name: web, match: {channel: web}, clocks: {reply: 3d working}}
  - {name: app, match: {channel: app}, clocks: {reply: 2d working}}
  - {name: c01, match: {category: "01"}, clocks: {reply: 3d working}}
  - {name: c02, match: {category: "02"}, clocks: {reply: 3d working}}
  - {name: urgent, match: {severity: urgent}, clocks: {reply: 1d working}}
  - {name: critical, match: {severity: critical}, clocks: {reply: 1h calendar}}
`))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(s.Policies()); n != 6 {
		t.Fatalf("%d policies, want 6", n)
	}
	if r, _ := s.Resolve(Case{"web", "01", "critical"}).Rule(ClockReply); r.Policy != "critical" {
		t.Fatalf("reply from %q, want critical", r.Policy)
	}
}
