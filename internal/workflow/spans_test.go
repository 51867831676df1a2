package workflow

import (
	"slices"
	"testing"

	"yiwang/internal/category"
	"yiwang/internal/nlp/classify"
)

// gramClassifier predicts one label with fixed driving grams.
type gramClassifier struct {
	label string
	terms []classify.Term
}

func (g gramClassifier) Predict(string, string, int) []classify.Prediction {
	return []classify.Prediction{{Label: g.label, Confidence: 0.9, Terms: g.terms}}
}

// TestModelSuggesterShowsSpans: the model suggester shows spans of the
// message, not the classifier's raw grams.
func TestModelSuggesterShowsSpans(t *testing.T) {
	tax, err := category.Default()
	if err != nil {
		t.Fatal(err)
	}
	cat, err := tax.Get("04")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		title, body string
		terms       []classify.Term
		want        []string
	}{
		{"overlapping grams", "噪音扰民", "楼下酒吧夜夜噪音扰民",
			[]classify.Term{{Text: "噪音", Weight: 0.3}, {Text: "区", Weight: 0.25}, {Text: "音扰", Weight: 0.2}, {Text: "扰民", Weight: 0.1}, {Text: "酒吧", Weight: 0.05}},
			[]string{"噪音扰民", "酒吧"}},
		{"title and body apart", "噪音", "扰民", []classify.Term{{Text: "噪音", Weight: 0.3}, {Text: "扰民", Weight: 0.2}}, []string{"噪音", "扰民"}},
		{"class marks only", "", "13812345678", []classify.Term{{Text: "<电话>", Weight: 0.3}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := ModelSuggester{Model: gramClassifier{label: cat.Name, terms: tt.terms}, Taxonomy: tax}
			got := s.Suggest(tt.title, tt.body)
			if len(got) != 1 || got[0].Category != "04" {
				t.Fatalf("Suggest = %+v, want one suggestion of 04", got)
			}
			if !slices.Equal(got[0].Terms, tt.want) {
				t.Errorf("terms %q, want %q", got[0].Terms, tt.want)
			}
		})
	}
}
