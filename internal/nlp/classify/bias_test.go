package classify

import (
	"math"
	"testing"
)

func TestFitBias(t *testing.T) {
	// Class 1 is under-predicted: its examples score a little below class
	// 0, so a shift of class 1 up (or class 0 down) fixes them.
	under := [][]float64{{2, 0}, {2, 0}, {2, 0}, {1, 0.8}, {1, 0.7}, {1, 0.9}, {0, 2}}
	underTruth := []int{0, 0, 0, 1, 1, 1, 1}
	tests := []struct {
		name   string
		logits [][]float64
		truth  []int
		gain   bool // macro-F1 must rise
	}{
		{"under-predicted class", under, underTruth, true},
		{"already perfect", [][]float64{{2, 0}, {0, 2}, {3, 1}, {1, 3}}, []int{0, 1, 0, 1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			zero := make([]float64, 2)
			before := macroF1(tt.logits, tt.truth, zero, 2)
			b := fitBias(tt.logits, tt.truth, 2)
			after := macroF1(tt.logits, tt.truth, b, 2)
			if after < before {
				t.Fatalf("macro-F1 fell from %.3f to %.3f with offsets %v", before, after, b)
			}
			if tt.gain {
				if after != 1 {
					t.Errorf("macro-F1 %.3f after the shift %v, want 1", after, b)
				}
				if b[1]-b[0] <= 0.1 {
					t.Errorf("offsets %v do not lift class 1 over class 0", b)
				}
				return
			}
			for k, v := range b {
				if v != 0 {
					t.Errorf("offset of class %d is %v on already perfect logits, want 0 (ties go to the smaller shift)", k, v)
				}
			}
		})
	}
}

func TestMacroF1(t *testing.T) {
	logits := [][]float64{{1, 0, 0}, {0, 1, 0}, {0, 1, 0}, {0, 0, 1}}
	truth := []int{0, 1, 2, 2}
	// class 0: F1 1; class 1: tp 1 fp 1 → 2/3; class 2: tp 1 fn 1 → 2/3.
	if got, want := macroF1(logits, truth, make([]float64, 3), 3), (1+2.0/3+2.0/3)/3; math.Abs(got-want) > 1e-12 {
		t.Fatalf("macroF1 = %v, want %v", got, want)
	}
	// Class 1 down by ½ and class 2 up by 0.6 turn both class-1
	// predictions into class 2: class 1 F1 0, class 2 tp 2 fp 1 → 0.8.
	if got, want := macroF1(logits, truth, []float64{0, -0.5, 0.6}, 3), (1+0+0.8)/3; math.Abs(got-want) > 1e-12 {
		t.Fatalf("shifted macroF1 = %v, want %v", got, want)
	}
}
