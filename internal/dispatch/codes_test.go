package dispatch

import (
	"errors"
	"testing"
)

func TestAreaLevelOf(t *testing.T) {
	tests := []struct {
		code string
		want AreaLevel
		ok   bool
	}{
		{"420100", AreaCity, true},
		{"420106", AreaDistrict, true},
		{"420106002", AreaStreet, true},
		{"420106002001", AreaCommunity, true},
		{"420106002001003", AreaGrid, true},
		{"420000", 0, false}, // province
		{"42010", 0, false},
		{"4201060", 0, false},
		{"42010a", 0, false},
		{"", 0, false},
		{" 420106", 0, false},
	}
	for _, tt := range tests {
		got, err := AreaLevelOf(tt.code)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("AreaLevelOf(%q) = %v, %v; want %v, ok=%v", tt.code, got, err, tt.want, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrMalformed) {
			t.Errorf("AreaLevelOf(%q) error %v does not wrap ErrMalformed", tt.code, err)
		}
	}
}

func TestCategoryDepth(t *testing.T) {
	tests := []struct {
		code string
		want int
		ok   bool
	}{
		{"*", 0, true}, {"01", 1, true}, {"0103", 2, true}, {"010302", 3, true},
		{"1", 0, false}, {"010", 0, false}, {"01030201", 0, false}, {"00", 0, false},
		{"0100", 0, false}, {"0x", 0, false}, {"", 0, false}, {"**", 0, false},
	}
	for _, tt := range tests {
		got, err := CategoryDepth(tt.code)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("CategoryDepth(%q) = %v, %v; want %v, ok=%v", tt.code, got, err, tt.want, tt.ok)
		}
	}
}

func TestCovers(t *testing.T) {
	tests := []struct {
		rule, area string
		want       bool
	}{
		{"420100", "420106", true},
		{"420100", "420117002", true},
		{"420100", "420100", true},
		{"420100", "420201", false}, // 黄石 is not Wuhan
		{"420106", "420106002", true},
		{"420106", "420106", true},
		{"420106", "420111002", false},
		{"420106002", "420106", false}, // a street does not cover its district
		{"420106002", "420106002001", true},
		{"bad", "420106", false},
	}
	for _, tt := range tests {
		if got := CoversArea(tt.rule, tt.area); got != tt.want {
			t.Errorf("CoversArea(%q, %q) = %v, want %v", tt.rule, tt.area, got, tt.want)
		}
	}
	for _, tt := range []struct {
		rule, cat string
		want      bool
	}{{"01", "0103", true}, {"0103", "010302", true}, {"0103", "0103", true}, {"0103", "01", false}, {"02", "0103", false}, {"*", "99", true}} {
		if got := CoversCategory(tt.rule, tt.cat); got != tt.want {
			t.Errorf("CoversCategory(%q, %q) = %v, want %v", tt.rule, tt.cat, got, tt.want)
		}
	}
}

func TestSpecificityOrder(t *testing.T) {
	// Category first, then area, then severity, then window.
	ordered := []Specificity{
		{0, AreaGrid, true, true},
		{1, AreaCity, false, false},
		{1, AreaCity, false, true},
		{1, AreaCity, true, false},
		{1, AreaDistrict, false, false},
		{2, AreaCity, false, false},
		{3, AreaCity, false, false},
		{3, AreaGrid, true, true},
	}
	for i := range ordered {
		for j := range ordered {
			want := sign(i - j)
			if got := ordered[i].Compare(ordered[j]); got != want {
				t.Errorf("%v.Compare(%v) = %d, want %d", ordered[i], ordered[j], got, want)
			}
		}
	}
	if c, ok := ordered[1].Decisive(ordered[2]); !ok || c != CriterionWindow {
		t.Errorf("Decisive = %v, %v; want window", c, ok)
	}
}
