package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"yiwang/internal/category"
)

func TestCategoryPathOf(t *testing.T) {
	tax, err := category.Default()
	if err != nil {
		t.Fatal(err)
	}
	l3 := tax.Children(tax.Children("01")[1].Code)[0]
	names := strings.Split(l3.Path, " / ")
	tests := []struct {
		in   string
		want []string
	}{
		{"01", []string{names[0]}},
		{l3.Code, []string{names[0], l3.Parent, l3.Code}},
		{l3.Path, []string{names[0], l3.Parent, l3.Code}},
		{strings.Join(names, "/"), []string{names[0], l3.Parent, l3.Code}},
		{names[0], []string{names[0]}},
		{"不存在", nil},
		{"", nil},
	}
	for _, tt := range tests {
		got, err := categoryPathOf(tax, tt.in)
		if (err == nil) != (tt.want != nil) || !slices.Equal(got, tt.want) {
			t.Errorf("categoryPathOf(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func FuzzCategoryPathOf(f *testing.F) {
	tax, err := category.Default()
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"01", "010101", "城乡建设 / 安全生产", "/", " / / ", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := categoryPathOf(tax, s)
		if err == nil && (len(p) == 0 || len(p) > 3) {
			t.Errorf("categoryPathOf(%q) = %v", s, p)
		}
	})
}

// TestNLPTrainCategory runs nlp train, eval and predict with --category on
// a GENERATED CSV (templated texts per level-3 category; a mechanics
// check, no quality figure) mixed with level-1-only rows.
func TestNLPTrainCategory(t *testing.T) {
	tax, err := category.Default()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"title", "body", "category"})
	for _, l2 := range tax.Children("01")[:2] {
		for _, l3 := range tax.Children(l2.Code)[:2] {
			for i := range 16 {
				w.Write([]string{"反映问题", fmt.Sprintf("%s方面，具体是%s，第%d次", l2.Name, l3.Name, i), l3.Path})
			}
		}
	}
	other, _ := tax.Get("04")
	for i := range 20 {
		w.Write([]string{"环境问题", fmt.Sprintf("工厂排污 臭味 第%d次", i), other.Code})
	}
	w.Flush()
	data := filepath.Join(dir, "gen.csv")
	model := filepath.Join(dir, "m.gz")
	if err := os.WriteFile(data, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	common := []string{"--data", data, "--category", "category", "--weak=false", "--select-l2=false"}
	if err := run(t.Context(), append([]string{"nlp", "train", "--out", model}, common...), &out, &errOut); err != nil {
		t.Fatalf("train: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "3 child models") {
		t.Errorf("train output %q, want 3 child models (城乡建设 and its two level-2 classes)", out.String())
	}
	out.Reset()
	if err := run(t.Context(), append([]string{"nlp", "eval", "--model", model}, common...), &out, &errOut); err != nil {
		t.Fatalf("eval: %v", err)
	}
	if !strings.Contains(out.String(), "level") || !strings.Contains(out.String(), "84 messages") {
		t.Errorf("eval output %q", out.String())
	}
	out.Reset()
	l3 := tax.Children(tax.Children("01")[1].Code)[1]
	if err := run(t.Context(), []string{"nlp", "predict", "--model", model, "--title", "反映问题", "--body", l3.Name}, &out, &errOut); err != nil {
		t.Fatalf("predict: %v", err)
	}
	if !strings.Contains(out.String(), `"path"`) {
		t.Errorf("predict output %q", out.String())
	}
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("title,body,category\na,b,01\nc,d,不存在\n"), 0o600)
	err = run(t.Context(), []string{"nlp", "train", "--data", bad, "--category", "category", "--out", model}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "data row 2, column category") {
		t.Errorf("an unknown category: %v", err)
	}
}
