package nlp

import (
	"fmt"
	"testing"

	"yiwang/internal/category"
	"yiwang/internal/nlp/hier"
)

func TestTrainCategory(t *testing.T) {
	m, err := TrainCategory(1)
	if err != nil {
		t.Fatal(err)
	}
	tax, err := category.Default()
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Labels) != 7 {
		t.Fatalf("labels %v", m.Labels)
	}
	for _, l := range m.Labels {
		if _, ok := tax.ByName(1, l); !ok {
			t.Errorf("label %q is not a first-level category", l)
		}
	}
	p := m.Predict("孩子入学学位不足", "学校招生名额太少，小学入学难", 3)
	if p[0].Label != "教育文体" || len(p[0].Terms) == 0 {
		t.Errorf("Predict = %+v", p)
	}
}

// TestTrainHierarchy: without deeper paths the hierarchy answers level 1
// only; with GENERATED closed cases labelled below 教育文体 (templated
// texts naming their level-2 category: a mechanics check, not a quality
// figure) it gets a child model there and descends on such a message.
func TestTrainHierarchy(t *testing.T) {
	tax, err := category.Default()
	if err != nil {
		t.Fatal(err)
	}
	edu, _ := tax.ByName(1, "教育文体")
	kids := tax.Children(edu.Code)[:2]
	var paths []hier.Example
	for _, k := range kids {
		for i := range 20 {
			paths = append(paths, hier.Example{Title: "关于" + k.Name, Body: fmt.Sprintf("反映%s方面的问题，第%d次。", k.Name, i), Path: []string{edu.Name, k.Code}})
		}
	}
	m, nodes, err := TrainHierarchy(1, paths, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Children) != 1 || m.Children[hier.Key([]string{edu.Name})] == nil || len(nodes) != 1 || !nodes[0].Trained {
		t.Fatalf("child models %d, nodes %+v; want one under %s", len(m.Children), nodes, edu.Name)
	}
	p := m.Predict("关于"+kids[1].Name, "反映"+kids[1].Name+"方面的问题。", 1, 0)[0]
	if len(p.Path) != 2 || p.Path[1] != kids[1].Code {
		t.Errorf("generated %s message predicted %+v", kids[1].Code, p)
	}
	prior := TaxonomyPrior(tax)(nil, []string{kids[0].Code})
	if len(prior) == 0 || prior[0].Label != kids[0].Code {
		t.Errorf("taxonomy prior %+v", prior)
	}
}
