package geo

import "fmt"

// Level is a level of Wuhan's administrative hierarchy, from the city down to the grid.
type Level int

// The levels, from the largest area to the smallest. The zero Level is invalid.
const (
	LevelCity      Level = iota + 1 // 市: Wuhan itself
	LevelDistrict                   // 区: 13 real districts
	LevelStreet                     // 街道/镇/乡: real codes and names, generated boundaries
	LevelCommunity                  // 社区: generated
	LevelGrid                       // 网格: generated
)

var levelNames = [...]string{
	LevelCity:      "city",
	LevelDistrict:  "district",
	LevelStreet:    "street",
	LevelCommunity: "community",
	LevelGrid:      "grid",
}

// String returns the level's lowercase English name ("city", "district", "street",
// "community", "grid").
func (l Level) String() string {
	if l < LevelCity || l > LevelGrid {
		return fmt.Sprintf("Level(%d)", int(l))
	}
	return levelNames[l]
}

// ParseLevel is the inverse of Level.String.
func ParseLevel(s string) (Level, error) {
	for l := LevelCity; l <= LevelGrid; l++ {
		if levelNames[l] == s {
			return l, nil
		}
	}
	return 0, fmt.Errorf("parse level %q: %w", s, ErrUnknownLevel)
}
