package platform

import (
	"slices"
	"testing"

	"yiwang/internal/nlp/text"
	"yiwang/internal/workflow"
)

// TestUnitTerms: the unit router's grams become spans of the message (by
// rank), its cues the text does not hold follow as they are.
func TestUnitTerms(t *testing.T) {
	tests := []struct {
		name, title, body string
		terms, want       []string
	}{
		{"overlapping grams merge", "小区噪音", "楼下酒吧噪音扰民", []string{"噪音", "扰民", "音扰", "区"}, []string{"噪音扰民"}},
		{"cues follow the spans", "学校收费", "小学乱收费", []string{"收费", "村组", "A7县", "学"}, []string{"收费", "村组", "A7县"}},
		{"class marks dropped", "电话", "请拨打13812345678", []string{"<电话>", "打<电话>", "拨打"}, []string{"拨打"}},
		{"single characters when nothing else", "路", "灯坏", []string{"灯", "路"}, []string{"灯", "路"}},
		{"none", "路灯", "不亮", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			norm := workflow.MessageText(tt.title, tt.body)
			got := unitTerms(norm, text.Term(norm, 0, len(norm)), tt.terms)
			if !slices.Equal(got, tt.want) {
				t.Errorf("unitTerms(%q) = %q, want %q", tt.terms, got, tt.want)
			}
		})
	}
}
