package dispatch

import "strings"

// AreaLevel is the administrative level of an area code.
type AreaLevel int

// Area levels, from the city down to the grid.
const (
	AreaCity      AreaLevel = 1 + iota // 6 digits ending in "00", e.g. 420100
	AreaDistrict                       // 6 digits, e.g. 420106
	AreaStreet                         // 9 digits, e.g. 420106002
	AreaCommunity                      // 12 digits
	AreaGrid                           // 15 digits
)

var areaLevelNames = [...]string{"", "city", "district", "street", "community", "grid"}

func (l AreaLevel) String() string {
	if l < AreaCity || l > AreaGrid {
		return "invalid"
	}
	return areaLevelNames[l]
}

// areaKeyLens is the length of the index key of each level: a city is
// keyed by its 4 significant digits, the others by their full code.
var areaKeyLens = [...]int{0, 4, 6, 9, 12, 15}

// AreaLevelOf validates an area code and returns its level.
func AreaLevelOf(code string) (AreaLevel, error) {
	if !allDigits(code) {
		return 0, malformed("area code %q: want digits only", code)
	}
	switch len(code) {
	case 6:
		switch {
		case strings.HasSuffix(code, "0000"):
			return 0, malformed("area code %q: province-level codes are not supported", code)
		case strings.HasSuffix(code, "00"):
			return AreaCity, nil
		}
		return AreaDistrict, nil
	case 9:
		return AreaStreet, nil
	case 12:
		return AreaCommunity, nil
	case 15:
		return AreaGrid, nil
	}
	return 0, malformed("area code %q: want 6, 9, 12 or 15 digits", code)
}

// areaKey is the index key of a valid area code.
func areaKey(code string, l AreaLevel) string {
	return code[:areaKeyLens[l]]
}

// CoversArea reports whether the area code rule (a valid code) covers the
// area code area: the city covers every code sharing its first 4 digits,
// any other code covers the codes it prefixes.
func CoversArea(rule, area string) bool {
	l, err := AreaLevelOf(rule)
	if err != nil {
		return false
	}
	return strings.HasPrefix(area, areaKey(rule, l))
}

// CategoryDepth validates a category code and returns its depth: 0 for
// the wildcard "*", otherwise the number of 2-digit levels (1 to 3).
func CategoryDepth(code string) (int, error) {
	if code == "*" {
		return 0, nil
	}
	if !allDigits(code) || len(code)%2 != 0 || len(code) == 0 || len(code) > 6 {
		return 0, malformed("category code %q: want \"*\" or 2, 4 or 6 digits", code)
	}
	for i := 0; i < len(code); i += 2 {
		if code[i:i+2] == "00" {
			return 0, malformed("category code %q: level %d is 00", code, i/2+1)
		}
	}
	return len(code) / 2, nil
}

// CoversCategory reports whether the category code rule covers the
// category code cat: "*" covers everything, any other code covers the
// codes it prefixes.
func CoversCategory(rule, cat string) bool {
	return rule == "*" || strings.HasPrefix(cat, rule)
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// deepestArea returns the longest code of a chain (the last of equals).
func deepestArea(chain []string) string {
	best := ""
	for _, c := range chain {
		if len(c) >= len(best) {
			best = c
		}
	}
	return best
}
