package workflow

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/category"
	"yiwang/internal/nlp/classify"
	"yiwang/internal/nlp/hier"
)

func defaultTaxonomy(t *testing.T) *category.Taxonomy {
	t.Helper()
	tax, err := category.Default()
	if err != nil {
		t.Fatal(err)
	}
	return tax
}

func TestCategoryPath(t *testing.T) {
	tax := defaultTaxonomy(t)
	l2 := tax.Children("01")[1]
	l3 := tax.Children(l2.Code)[0]
	l1, _ := tax.Get("01")
	tests := []struct {
		code string
		want []string
	}{
		{"01", []string{l1.Name}},
		{l2.Code, []string{l1.Name, l2.Code}},
		{l3.Code, []string{l1.Name, l2.Code, l3.Code}},
		{"99", nil},
		{"", nil},
	}
	for _, tt := range tests {
		got, ok := CategoryPath(tax, tt.code)
		if ok != (tt.want != nil) || !slices.Equal(got, tt.want) {
			t.Errorf("CategoryPath(%q) = %v, %t; want %v", tt.code, got, ok, tt.want)
		}
	}
	ex := PathExamples([]LabeledCase{{Title: "a", Description: "b", Category: l3.Code}, {Category: "9999"}}, tax)
	if len(ex) != 1 || ex[0].Title != "a" || ex[0].Body != "b" || len(ex[0].Path) != 3 {
		t.Errorf("PathExamples = %+v", ex)
	}
}

// TestHierSuggesterDispatchesDeeper trains a hierarchical model on
// GENERATED templated messages (two first-level classes; under 城乡建设
// two level-2 children, one of them with two level-3 children) and checks
// that a confident deeper suggestion refines a coarse filing and is
// dispatched by the rule of its ancestor (the rules name 0102, the
// suggestion is a child of it).
func TestHierSuggesterDispatchesDeeper(t *testing.T) {
	tax := defaultTaxonomy(t)
	l1a, _ := tax.Get("01")
	l1b, _ := tax.Get("04")
	water := tax.Children("0102")
	var ex []hier.Example
	add := func(n int, text string, path ...string) {
		for i := range n {
			ex = append(ex, hier.Example{Title: "诉求", Body: fmt.Sprintf("%s 第%d次反映", text, i), Path: path})
		}
	}
	add(20, "垃圾 焚烧 臭味 排污", l1b.Name)
	add(20, "安全 隐患 事故 危险", l1a.Name, "0101")
	add(20, water[0].Name+" 问题", l1a.Name, "0102", water[0].Code)
	add(20, water[1].Name+" 问题", l1a.Name, "0102", water[1].Code)
	root, err := classify.Train(hier.Level1(ex), classify.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := hier.Build(root, ex, hier.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Depth() != 2 {
		t.Fatalf("model depth %d, want 2", m.Depth())
	}
	sg := HierSuggester{Model: m, Taxonomy: tax, Floor: DefaultThreshold}
	title, body := "诉求", water[1].Name+" 问题"
	top := sg.Suggest(title, body)
	if len(top) == 0 || top[0].Category != water[1].Code {
		t.Fatalf("suggestions %+v, want %s first", top, water[1].Code)
	}
	t.Logf("GENERATED messages: top suggestion %+v", top[0])
	if !sg.Coarse("01") || sg.Coarse("0102") || sg.Coarse("x") {
		t.Error("Coarse: want only first-level codes coarse")
	}
	f := newFixture(t, newFakeStore())
	if err := f.w.SetSuggester(sg, 0); err != nil {
		t.Fatal(err)
	}
	n := newCase("01", cases.SeverityNormal)
	n.Title, n.Description = title, body
	c := f.create(n, at(2025, 9, 30, 10, 0))
	if top[0].Confidence < DefaultThreshold {
		t.Fatalf("generated text of one class gave an unsure %+v", top[0])
	}
	if c.Category != water[1].Code || c.State != cases.StateDispatched || c.Unit != "shuiwu.420100" {
		t.Errorf("confident %s (%.3f): case %s %s %s, want it dispatched by the 0102 rule to shuiwu.420100", top[0].Category, top[0].Confidence, c.Category, c.State, c.Unit)
	}
	if _, ok := sg.code([]string{l1b.Name, water[0].Code}); ok {
		t.Error("a path whose code is not under its first-level class was accepted")
	}
}

// TestDeeperSuggestionDispatchesByAncestorRule: a level-3 suggestion
// applied to a coarse case is dispatched by the rule on its level-2
// ancestor.
func TestDeeperSuggestionDispatchesByAncestorRule(t *testing.T) {
	tax := defaultTaxonomy(t)
	leaf := tax.Children("0102")[0].Code
	f := newFixture(t, newFakeStore())
	if err := f.w.SetSuggester(fixedSuggester{{leaf, 0.9, nil}}, 0); err != nil {
		t.Fatal(err)
	}
	c := f.create(newCase("01", cases.SeverityNormal), at(2025, 9, 30, 10, 0))
	if c.Category != leaf || c.State != cases.StateDispatched || c.Unit != "shuiwu.420100" {
		t.Errorf("case %s %s %s, want %s dispatched to shuiwu.420100 (rule on 0102)", c.Category, c.State, c.Unit, leaf)
	}
}

// TestClosedCasesSkipAutomatic: a closed case whose category the
// classifier applied is no label unless a person recategorised it after.
func TestClosedCasesSkipAutomatic(t *testing.T) {
	f := newFixture(t, newFakeStore())
	created := at(2025, 9, 30, 10, 0)
	if err := f.w.SetSuggester(fixedSuggester{{"0102", 0.95, nil}}, 0); err != nil {
		t.Fatal(err)
	}
	untouched := f.create(newCase("01", cases.SeverityNormal), created)
	touched := f.create(newCase("01", cases.SeverityNormal), created)
	if err := f.w.SetSuggester(nil, 0); err != nil {
		t.Fatal(err)
	}
	person := f.create(newCase("0102", cases.SeverityNormal), created)
	for _, c := range []cases.Case{untouched, touched, person} {
		if c.Category != "0102" {
			t.Fatalf("case %s category %s, want 0102", c.ID, c.Category)
		}
	}
	close := []cases.Command{
		{Action: cases.ActionAccept, Actor: "unit"},
		{Action: cases.ActionResolve, Actor: "unit", Payload: cases.Payload{Reply: "已处理"}},
		{Action: cases.ActionClose, Actor: "dispatcher"},
	}
	f.do(touched.ID, created.Add(1e9), cases.Command{Action: cases.ActionReturn, Actor: "shuiwu", Payload: cases.Payload{Reason: "不属于本单位"}})
	f.do(touched.ID, created.Add(2e9), recategorise("0101"))
	for _, c := range []cases.Case{untouched, touched, person} {
		for i, cmd := range close {
			f.do(c.ID, created.Add(time.Duration(10+i)*time.Minute), cmd)
		}
	}
	got, err := f.w.ClosedCases(f.ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range got {
		ids = append(ids, c.ID)
	}
	slices.Sort(ids)
	want := []string{touched.ID, person.ID}
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Errorf("closed cases %v, want %v (not the untouched automatic %s)", ids, want, untouched.ID)
	}
}

// TestHierSuggesterLevel1Only: without deeper data the hierarchical
// suggester answers as the level-1 ModelSuggester (GENERATED text).
func TestHierSuggesterLevel1Only(t *testing.T) {
	tax := defaultTaxonomy(t)
	var ex []classify.Example
	for i, l := range []string{"城乡建设", "环境保护", "交通运输", "教育文体"} {
		for j := range 12 {
			ex = append(ex, classify.Example{Title: "诉求", Body: fmt.Sprintf("%s 关键词%d 第%d次", l, i, j), Label: l})
		}
	}
	root, err := classify.Train(ex, classify.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	m, _, err := hier.Build(root, nil, hier.Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := HierSuggester{Model: m, Taxonomy: tax, Floor: DefaultThreshold}
	flat := ModelSuggester{Model: root, Taxonomy: tax}
	for _, body := range []string{"环境保护 关键词1", "交通", "", "🚧"} {
		a, b := h.Suggest("诉求", body), flat.Suggest("诉求", body)
		if len(a) != 3 || len(b) < 3 {
			t.Fatalf("%q: %d and %d suggestions", body, len(a), len(b))
		}
		for i := range a {
			if a[i].Category != b[i].Category || a[i].Confidence != b[i].Confidence || !slices.Equal(a[i].Terms, b[i].Terms) {
				t.Errorf("%q #%d: hier %+v, level-1 %+v", body, i, a[i], b[i])
			}
		}
	}
}
