package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
	"yiwang/internal/store/sqlstore"
	"yiwang/internal/workflow"
)

func TestDispatchCheck(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name, file string
		ok         bool
		out        []string
	}{
		{"valid yaml", write("ok.yaml", "rules:\n  - id: r1\n    category: \"01\"\n    area: \"420100\"\n    lead: zhujian.420100\n"), true, []string{"ok: 1 rules"}},
		{"conflict and unknown unit in csv", write("bad.csv", "id,category,area,severity,window,lead,co,note\n"+
			"a,01,420100,,,zhujian.420100,,\nb,01,420100,,,shuiwu.420100,,\nc,02,420100,,,ghost,,\n"), false,
			[]string{`"a"`, `"b"`, "equal specificity", `rule "c"`, "field lead", "unknown unit"}},
		{"bad window", write("win.yaml", "rules:\n  - id: w\n    category: \"01\"\n    area: \"420100\"\n    window: \"25:00-26:00\"\n    lead: zhujian.420100\n"), false,
			[]string{`rule "w"`, "field window"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			err := run(t.Context(), []string{"dispatch", "check", tt.file}, &out, &errb)
			if tt.ok != (err == nil) {
				t.Fatalf("err = %v, want ok %v; out %s", err, tt.ok, &out)
			}
			for _, s := range tt.out {
				if !strings.Contains(out.String(), s) {
					t.Errorf("output lacks %q:\n%s", s, &out)
				}
			}
		})
	}
	var out, errb bytes.Buffer
	if err := run(t.Context(), []string{"dispatch", "check", "-h"}, &out, &errb); !errors.Is(err, flag.ErrHelp) || !strings.Contains(errb.String(), "-units") {
		t.Errorf("check -h: err %v, usage %q", err, &errb)
	}
	if err := run(t.Context(), []string{"dispatch", "frobnicate"}, &out, &errb); !errors.Is(err, errUsage) {
		t.Errorf("unknown subcommand: err %v", err)
	}
}

func TestDispatchExplain(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "x.db")
	st, err := sqlstore.Open(t.Context(), db, sqlstore.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))
	wf, err := workflow.New(workflow.Options{Store: st, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := wf.Create(context.Background(), store.CreateRequest{Actor: "t", At: now, Case: cases.NewCase{
		Channel: cases.ChannelHotline, Title: "积水", Category: "01", Location: cases.Location{District: "420106", Street: "420106002"}}})
	if err != nil || c.RuleID == "" {
		t.Fatalf("create: %v rule %q", err, c.RuleID)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		lang string
		want []string
	}{
		{"zh", []string{"案件 " + c.ID, "依据规则 " + c.RuleID, "仍会", "主办："}},
		{"en", []string{"Case " + c.ID, "by rule " + c.RuleID, "still", "Lead:"}},
	} {
		var out, errb bytes.Buffer
		if err := run(t.Context(), []string{"dispatch", "explain", "--db", db, "--lang", tt.lang, c.ID}, &out, &errb); err != nil {
			t.Fatalf("explain --lang %s: %v (%s)", tt.lang, err, &errb)
		}
		for _, s := range tt.want {
			if !strings.Contains(out.String(), s) {
				t.Errorf("--lang %s output lacks %q:\n%s", tt.lang, s, &out)
			}
		}
	}
	var out, errb bytes.Buffer
	if err := run(t.Context(), []string{"dispatch", "explain", "--db", db, "WH-nope"}, &out, &errb); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown case: err %v", err)
	}
	if err := run(t.Context(), []string{"dispatch", "explain", "-h"}, &out, &errb); !errors.Is(err, flag.ErrHelp) || !strings.Contains(errb.String(), "-lang") {
		t.Errorf("explain -h: err %v", err)
	}
}
