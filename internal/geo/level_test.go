package geo

import (
	"errors"
	"testing"
)

func TestLevelString(t *testing.T) {
	tests := []struct {
		level Level
		want  string
	}{
		{LevelCity, "city"},
		{LevelDistrict, "district"},
		{LevelStreet, "street"},
		{LevelCommunity, "community"},
		{LevelGrid, "grid"},
		{0, "Level(0)"},
		{LevelGrid + 1, "Level(6)"},
	}
	for _, tt := range tests {
		if got := tt.level.String(); got != tt.want {
			t.Errorf("Level(%d).String() = %q, want %q", int(tt.level), got, tt.want)
		}
		l, err := ParseLevel(tt.want)
		valid := tt.level >= LevelCity && tt.level <= LevelGrid
		if valid && (err != nil || l != tt.level) {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v", tt.want, l, err, tt.level)
		}
		if !valid && !errors.Is(err, ErrUnknownLevel) {
			t.Errorf("ParseLevel(%q) error = %v, want ErrUnknownLevel", tt.want, err)
		}
	}
}
