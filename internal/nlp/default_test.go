package nlp

import (
	"testing"

	"yiwang/internal/category"
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
