package geo

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/paulmach/orb/geojson"
)

func TestFeatureCollection(t *testing.T) {
	x := testIndex(t)
	tests := []struct {
		name      string
		level     Level
		parent    string
		wantN     int // -1: same as the count of areas at that level
		generated bool
	}{
		{"city", LevelCity, "", 1, false},
		{"districts", LevelDistrict, "", 13, false},
		{"districts of the city", LevelDistrict, "420100", 13, false},
		{"streets of 江岸区", LevelStreet, "420102", 17, true},
		{"all streets", LevelStreet, "", 193, true},
		{"grids", LevelGrid, "", -1, true},
		{"grids of a district in another", LevelGrid, "420199", 0, true},
		{"invalid level", Level(0), "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc := x.FeatureCollection(tt.level, tt.parent)
			want := tt.wantN
			if want < 0 {
				want = len(x.Areas(tt.level))
			}
			if len(fc.Features) != want {
				t.Fatalf("%d features, want %d", len(fc.Features), want)
			}
			for _, f := range fc.Features {
				code := f.Properties.MustString("code")
				a, ok := x.Area(code)
				if !ok || f.Properties.MustString("name") != a.Name || f.Properties.MustString("level") != tt.level.String() ||
					f.Properties.MustBool("generated") != tt.generated || f.Properties.MustString("parent_code") != a.ParentCode {
					t.Fatalf("feature properties %v do not match area %+v", f.Properties, a.Ref())
				}
				if tt.parent != "" && tt.level > LevelDistrict && !strings.HasPrefix(code, tt.parent) {
					t.Fatalf("%s is not within %s", code, tt.parent)
				}
			}
		})
	}
	// The export is valid GeoJSON that reads back.
	raw, err := json.Marshal(x.FeatureCollection(LevelCommunity, "420102002"))
	if err != nil {
		t.Fatal(err)
	}
	back, err := geojson.UnmarshalFeatureCollection(raw)
	if err != nil || len(back.Features) == 0 || back.Features[0].Properties["generated"] != true {
		t.Fatalf("round trip: %v, %d features", err, len(back.Features))
	}
}
