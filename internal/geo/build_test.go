package geo

import (
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
)

func TestLoadHierarchy(t *testing.T) {
	x := testIndex(t)
	codes, err := EmbeddedAdminCodes()
	if err != nil {
		t.Fatal(err)
	}
	counts := map[Level]int{}
	for l := LevelCity; l <= LevelGrid; l++ {
		counts[l] = len(x.Areas(l))
	}
	if counts[LevelCity] != 1 || counts[LevelDistrict] != 13 || counts[LevelStreet] != len(codes.Streets) || counts[LevelStreet] != 193 {
		t.Fatalf("counts %v, want 1 city, 13 districts, 193 streets", counts)
	}
	if counts[LevelGrid] < 10_000 {
		t.Errorf("%d grids at default options, want at least 10,000", counts[LevelGrid])
	}
	for _, s := range codes.Streets {
		a, ok := x.Area(s.Code)
		if !ok || a.Name != s.Name || a.ParentCode != s.ParentCode || !a.Generated || len(x.Children(s.Code)) == 0 {
			t.Errorf("street %s %s: got %+v, %d communities", s.Code, s.Name, a.Ref(), len(x.Children(s.Code)))
		}
	}
	digits := map[Level]int{LevelCity: 6, LevelDistrict: 6, LevelStreet: 9, LevelCommunity: 12, LevelGrid: 15}
	inRange := 0
	for l := LevelCity; l <= LevelGrid; l++ {
		for _, a := range x.Areas(l) {
			if len(a.Code) != digits[l] || !allDigits(a.Code) {
				t.Fatalf("%v code %q", l, a.Code)
			}
			if l > LevelDistrict && !strings.HasPrefix(a.Code, a.ParentCode) {
				t.Fatalf("%s does not begin with its parent %s", a.Code, a.ParentCode)
			}
			if want := l >= LevelStreet; a.Generated != want {
				t.Fatalf("%s Generated = %v, want %v", a.Code, a.Generated, want)
			}
			if l >= LevelCommunity && !strings.HasSuffix(a.Name, "(生成)") {
				t.Fatalf("generated name %q lacks (生成)", a.Name)
			}
			if len(a.Geometry) == 0 || a.Bound.IsEmpty() {
				t.Fatalf("%s has no geometry", a.Code)
			}
			if n := len(x.Children(a.Code)); l == LevelCommunity && n >= 6 && n <= 15 {
				inRange++
			}
		}
	}
	if share := float64(inRange) / float64(counts[LevelCommunity]); share < 0.95 {
		t.Errorf("%.1f%% of communities have 6–15 grids, want ≥ 95%%", share*100)
	}
}

// The grids of each district cover it: their areas add up to the district's area, and a
// point inside every grid lies inside its district's real polygon.
func TestGridsWithinDistricts(t *testing.T) {
	x := testIndex(t)
	r := rand.New(rand.NewPCG(7, 7))
	for _, d := range x.Areas(LevelDistrict) {
		sum := 0.0
		var walk func(code string)
		walk = func(code string) {
			for _, c := range x.Children(code) {
				if c.Level != LevelGrid {
					walk(c.Code)
					continue
				}
				sum += planar.Area(c.Geometry)
				p := c.Centroid
				if !planar.MultiPolygonContains(c.Geometry, p) {
					p = x.RandomPointIn(c.Code, r)
				}
				if !planar.MultiPolygonContains(d.Geometry, p) {
					t.Fatalf("grid %s sample %v is outside district %s", c.Code, p, d.Code)
				}
				if !d.Bound.Contains(c.Bound.Min) || !d.Bound.Contains(c.Bound.Max) {
					t.Fatalf("grid %s bound outside district %s", c.Code, d.Code)
				}
			}
		}
		walk(d.Code)
		if want := planar.Area(d.Geometry); math.Abs(sum-want) > 1e-6*want {
			t.Errorf("district %s: grids cover %.9f deg², district %.9f", d.Code, sum, want)
		}
	}
}

func TestBuildDeterministic(t *testing.T) {
	a := testIndex(t)
	b, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for l := LevelCity; l <= LevelGrid; l++ {
		if !reflect.DeepEqual(a.Areas(l), b.Areas(l)) {
			t.Fatalf("two builds differ at level %v", l)
		}
	}
}

func TestBuildOptions(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want error
	}{
		{"tiny cells", Options{CellSizeM: 10}, ErrBadOptions},
		{"huge cells", Options{CellSizeM: 50_000}, ErrBadOptions},
		{"NaN cells", Options{CellSizeM: math.NaN()}, ErrBadOptions},
		{"negative fraction", Options{MinCellFraction: -1}, ErrBadOptions},
		{"districts without streets", Options{Districts: geojson.NewFeatureCollection()}, ErrBadOptions},
		{"no district features", Options{Districts: geojson.NewFeatureCollection(), Streets: []Unit{}}, ErrBadData},
		{"coarse", Options{CellSizeM: 2000}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := Build(tt.opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Build error = %v, want %v", err, tt.want)
			}
			if err != nil {
				return
			}
			// 8,569 km² in 4 km² cells, plus boundary pieces.
			if n := len(x.Areas(LevelGrid)); n < 2_100 || n > 3_000 || x.CellSizeM() != 2000 {
				t.Errorf("%d grids of %v m", n, x.CellSizeM())
			}
		})
	}
}

// square returns the closed ring of the box [lon0, lon1] × [lat0, lat1].
func square(lon0, lat0, lon1, lat1 float64) orb.Ring {
	return orb.Bound{Min: orb.Point{lon0, lat0}, Max: orb.Point{lon1, lat1}}.ToRing()
}

func feature(code, name string, mp orb.MultiPolygon) *geojson.Feature {
	f := geojson.NewFeature(mp)
	f.Properties["adcode"] = code
	f.Properties["name"] = name
	return f
}

// syntheticIndex builds two test districts: A (900001) is a square with a hole plus a
// separate exclave; B (900002) lies east of A, sharing its edge at lon 114.10, and, when
// withEnclave, also fills A's hole.
func syntheticIndex(t *testing.T, withEnclave bool) *Index {
	t.Helper()
	hole := square(114.04, 30.04, 114.06, 30.06)
	hole.Reverse()
	a := orb.MultiPolygon{
		{square(114.00, 30.00, 114.10, 30.10), hole},
		{square(114.20, 30.00, 114.22, 30.02)},
	}
	b := orb.MultiPolygon{{square(114.10, 30.00, 114.18, 30.10)}}
	if withEnclave {
		b = append(b, orb.Polygon{square(114.04, 30.04, 114.06, 30.06)})
	}
	fc := geojson.NewFeatureCollection()
	fc.Append(feature("900001", "甲区", a))
	fc.Append(feature("900002", "乙区", b))
	x, err := Build(Options{
		CellSizeM: 1000,
		Districts: fc,
		Streets: []Unit{
			{"900001001", "甲一街道", "900001"}, {"900001002", "甲二街道", "900001"},
			{"900002001", "乙一街道", "900002"},
		},
		City: Unit{Code: "900000", Name: "测试市"},
	})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return x
}

func TestSyntheticHoleAndEnclave(t *testing.T) {
	tests := []struct {
		name        string
		withEnclave bool
		lat, lon    float64
		want        string // district code, "" for ErrOutside
	}{
		{"A main part", true, 30.02, 114.02, "900001"},
		{"A exclave", true, 30.01, 114.21, "900001"},
		{"B", true, 30.05, 114.15, "900002"},
		{"enclave of B in A's hole", true, 30.05, 114.05, "900002"},
		{"hole edge belongs to the enclave", true, 30.05, 114.04, "900002"},
		{"edge shared by A and B: lower code", true, 30.0537, 114.10, "900001"},
		{"between A and its exclave", true, 30.01, 114.19, ""},
		{"empty hole", false, 30.05, 114.05, ""},
		{"hole edge without enclave", false, 30.05, 114.04, ""},
		{"A around the empty hole", false, 30.03, 114.05, "900001"},
	}
	idx := map[bool]*Index{true: syntheticIndex(t, true), false: syntheticIndex(t, false)}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := idx[tt.withEnclave]
			c, err := x.Locate(tt.lat, tt.lon)
			d, derr := x.District(tt.lat, tt.lon)
			if tt.want == "" {
				if !errors.Is(err, ErrOutside) || !errors.Is(derr, ErrOutside) {
					t.Fatalf("Locate = %+v, %v; District = %v; want ErrOutside", c, err, derr)
				}
				return
			}
			if err != nil || c.District.Code != tt.want || derr != nil || d.Code != tt.want {
				t.Fatalf("Locate = %+v, %v; District = %s, %v; want %s", c.District, err, d.Code, derr, tt.want)
			}
			if !strings.HasPrefix(c.Grid.Code, tt.want) {
				t.Errorf("grid %s not in district %s", c.Grid.Code, tt.want)
			}
		})
	}
	x := idx[true]
	if got := len(x.Children("900001")); got != 2 {
		t.Errorf("district A has %d streets, want 2", got)
	}
	for _, p := range randomPoints(2000, orb.Bound{Min: orb.Point{113.99, 29.99}, Max: orb.Point{114.23, 30.11}}, 3) {
		c, err := x.Locate(p[1], p[0])
		d, derr := x.District(p[1], p[0])
		if (err == nil) != (derr == nil) || (err == nil && c.District.Code != d.Code) {
			t.Fatalf("%v: Locate %+v %v, District %s %v", p, c.District, err, d.Code, derr)
		}
	}
}
