package nlp

import (
	"fmt"
	"slices"
	"testing"

	"yiwang/internal/nlp/classify"
)

// TestTrainCategoryWith checks that extra examples (the platform's closed
// cases) join the training set: a class the embedded data lacks is learnt
// from them.
func TestTrainCategoryWith(t *testing.T) {
	var extra []classify.Example
	for i := range 12 {
		extra = append(extra, classify.Example{Title: fmt.Sprintf("低保申请%d个月没有批", i%4+1),
			Body: "家里老人申请低保和残疾人补贴，社区民政办一直没有答复，养老院床位也排不上", Label: "民政"})
	}
	m, err := TrainCategoryWith(1, extra)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(m.Labels, "民政") || len(m.Labels) != 8 {
		t.Fatalf("labels %v, want the 7 embedded classes and 民政", m.Labels)
	}
	if p := m.Predict("低保一直批不下来", "老人申请低保和残疾人补贴没有答复", 1); p[0].Label != "民政" {
		t.Errorf("Predict = %+v", p)
	}
}
