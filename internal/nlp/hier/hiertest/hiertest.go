// Package hiertest holds test helpers for packages that load, swap or
// serve category models (workflow, platform).
package hiertest

import (
	"fmt"
	"testing"

	"yiwang/internal/nlp/classify"
	"yiwang/internal/nlp/hier"
)

// TinyModel trains a small level-1 model in milliseconds: "路灯不亮"
// messages labelled lamp, "学校乱收费" ones labelled school.
func TinyModel(t testing.TB, lamp, school string) *hier.Model {
	t.Helper()
	var ex []classify.Example
	for i := range 6 {
		ex = append(ex,
			classify.Example{Title: "路灯不亮", Body: fmt.Sprintf("小区路灯晚上不亮很黑 %d", i), Label: lamp},
			classify.Example{Title: "学校乱收费", Body: fmt.Sprintf("学校要求家长缴纳补课费 %d", i), Label: school})
	}
	m, err := classify.Train(ex, classify.Options{CalibrationFolds: 1, Epochs: 5, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return &hier.Model{Root: m, Children: map[string]*classify.Model{}, Threshold: hier.DefaultThreshold}
}
