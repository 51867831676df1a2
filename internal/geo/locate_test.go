package geo

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// District seats (the "center" columns, WGS84) from wuhan_districts_centers.csv; each was
// checked to lie inside its own district polygon (the centroid columns were not used: a
// centroid can fall outside a concave district).
var districtCentres = []struct {
	code, name string
	lat, lon   float64
}{
	{"420102", "江岸区", 30.597332, 114.297605},
	{"420103", "江汉区", 30.581224, 114.277693},
	{"420104", "硚口区", 30.573079, 114.259156},
	{"420105", "汉阳区", 30.551802, 114.260397},
	{"420106", "武昌区", 30.548968, 114.301908},
	{"420107", "青山区", 30.636475, 114.391517},
	{"420111", "洪山区", 30.506566, 114.395176},
	{"420112", "东西湖区", 30.624764, 114.136804},
	{"420113", "汉南区", 30.311999, 114.075521},
	{"420114", "蔡甸区", 30.584586, 114.023679},
	{"420115", "江夏区", 30.351514, 114.308533},
	{"420116", "黄陂区", 30.876313, 114.368463},
	{"420117", "新洲区", 30.844520, 114.796872},
}

func TestLocateDistrictCentres(t *testing.T) {
	x := testIndex(t)
	if len(districtCentres) != len(x.Areas(LevelDistrict)) {
		t.Fatalf("table has %d districts, index %d", len(districtCentres), len(x.Areas(LevelDistrict)))
	}
	for _, tt := range districtCentres {
		t.Run(tt.name, func(t *testing.T) {
			c, err := x.Locate(tt.lat, tt.lon)
			if err != nil {
				t.Fatalf("Locate: %v", err)
			}
			if c.District != (AreaRef{tt.code, tt.name}) {
				t.Errorf("district = %+v, want %s %s", c.District, tt.code, tt.name)
			}
			d, err := x.District(tt.lat, tt.lon)
			if err != nil || d.Code != tt.code {
				t.Errorf("District = %s, %v; want %s", d.Code, err, tt.code)
			}
		})
	}
}

// Points well inside each polygon of the districts made of several polygons (found from
// the data: the point of each part farthest from its edges on a 60×60 sample, 88 m to
// 15 km clear). The real data has no holes; see TestSyntheticHoleAndEnclave.
func TestLocateMultiPolygonParts(t *testing.T) {
	x := testIndex(t)
	tests := []struct {
		code     string
		part     int
		lat, lon float64
	}{
		{"420106", 0, 30.559253, 114.326908},
		{"420106", 1, 30.347192, 114.278939}, // 武昌区's exclave south of the river, beside 江夏区
		{"420113", 0, 30.308730, 114.038749},
		{"420113", 1, 30.366323, 113.928064},
		{"420113", 2, 30.280775, 113.834889},
		{"420113", 3, 30.352960, 114.002368},
		{"420113", 4, 30.363008, 113.979773},
		{"420114", 0, 30.476717, 114.003288},
		{"420114", 1, 30.348516, 114.002660},
		{"420114", 2, 30.359672, 113.973108},
		{"420114", 3, 30.364368, 113.930863},
		{"420114", 4, 30.273959, 113.834674},
		{"420115", 0, 30.188039, 114.331114},
		{"420115", 1, 30.387044, 114.248866},
		{"420117", 0, 30.711770, 114.660455},
		{"420117", 1, 31.030909, 114.933729},
		{"420117", 2, 31.018441, 114.975121},
	}
	for _, tt := range tests {
		d, ok := x.Area(tt.code)
		if !ok || tt.part >= len(d.Geometry) {
			t.Fatalf("district %s part %d missing", tt.code, tt.part)
		}
		p := orb.Point{tt.lon, tt.lat}
		if !planar.PolygonContains(d.Geometry[tt.part], p) {
			t.Fatalf("test point %v not in %s part %d", p, tt.code, tt.part)
		}
		c, err := x.Locate(tt.lat, tt.lon)
		if err != nil || c.District.Code != tt.code {
			t.Errorf("%s part %d: Locate = %+v, %v", tt.code, tt.part, c.District, err)
		}
	}
}

// The chain of every located point is consistent: the grid's community's street's
// district is the district polygon containing the point, and codes nest.
func TestLocateChainConsistent(t *testing.T) {
	x := testIndex(t)
	inside := 0
	for _, p := range randomPoints(20_000, wuhanBBox, 1) {
		c, err := x.Locate(p[1], p[0])
		d, derr := x.District(p[1], p[0])
		if (err == nil) != (derr == nil) {
			t.Fatalf("%v: Locate err %v, District err %v", p, err, derr)
		}
		if err != nil {
			if !errors.Is(err, ErrOutside) {
				t.Fatalf("%v: %v", p, err)
			}
			continue
		}
		inside++
		if c.District.Code != d.Code {
			t.Fatalf("%v: chain district %s, polygon %s", p, c.District.Code, d.Code)
		}
		for _, link := range []struct{ child, parent AreaRef }{
			{c.Grid, c.Community}, {c.Community, c.Street}, {c.Street, c.District},
		} {
			a, ok := x.Area(link.child.Code)
			if !ok || a.ParentCode != link.parent.Code || a.Name != link.child.Name || !strings.HasPrefix(a.Code, a.ParentCode) {
				t.Fatalf("%v: %+v is not a child of %+v", p, link.child, link.parent)
			}
		}
		g, _ := x.Area(c.Grid.Code)
		if !planar.MultiPolygonContains(g.Geometry, p) {
			t.Fatalf("%v: grid %s does not contain the point", p, g.Code)
		}
		if inside%10 != 0 {
			continue
		}
		if want, _ := bruteLocate(x, p); want != c { // every tenth point: brute force is slow
			t.Fatalf("%v: Locate %s, brute force %s", p, c.Grid.Code, want.Grid.Code)
		}
	}
	// Wuhan covers about 41% of its bounding box.
	if inside < 7_000 || inside > 9_500 {
		t.Errorf("%d of 20000 bbox points inside, want about 8200", inside)
	}
}

func TestLocateErrors(t *testing.T) {
	x := testIndex(t)
	tests := []struct {
		name     string
		lat, lon float64
		want     error
	}{
		{"Beijing", 39.9, 116.4, ErrOutside},
		{"Null Island", 0, 0, ErrOutside},
		{"Wuhan bbox corner outside the city", 29.98, 113.70, ErrOutside},
		{"NaN lat", math.NaN(), 114.3, ErrInvalidPoint},
		{"NaN lon", 30.6, math.NaN(), ErrInvalidPoint},
		{"lat 91", 91, 114.3, ErrInvalidPoint},
		{"lat -90.5", -90.5, 114.3, ErrInvalidPoint},
		{"lon 181", 30.6, 181, ErrInvalidPoint},
		{"lon -Inf", 30.6, math.Inf(-1), ErrInvalidPoint},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := x.Locate(tt.lat, tt.lon)
			if !errors.Is(err, tt.want) || c != (Chain{}) {
				t.Fatalf("Locate = %+v, %v; want %v", c, err, tt.want)
			}
			if _, err := x.District(tt.lat, tt.lon); !errors.Is(err, tt.want) {
				t.Errorf("District error = %v, want %v", err, tt.want)
			}
		})
	}
	_, err := x.Locate(39.9, 116.4)
	if msg := err.Error(); !strings.Contains(msg, "39.900000") || !strings.Contains(msg, "116.400000") {
		t.Errorf("error %q does not name the coordinates", msg)
	}
}

// A point on the edge shared by two grids of different communities, and a corner shared
// by four grids, resolve to the lowest code every time.
func TestLocateSharedBoundary(t *testing.T) {
	x := testIndex(t)
	edge, corner := findSharedEdge(t, x)
	for _, tt := range []struct {
		name string
		p    orb.Point
	}{{"edge", edge}, {"corner", corner}} {
		t.Run(tt.name, func(t *testing.T) {
			var holders []string
			for _, g := range x.Areas(LevelGrid) {
				if planar.MultiPolygonContains(g.Geometry, tt.p) {
					holders = append(holders, g.Code)
				}
			}
			if len(holders) < 2 {
				t.Fatalf("point %v is inside %v only: not a shared boundary", tt.p, holders)
			}
			for range 100 {
				c, err := x.Locate(tt.p[1], tt.p[0])
				if err != nil || c.Grid.Code != holders[0] {
					t.Fatalf("Locate(%v) = %s, %v; want lowest code %s of %v", tt.p, c.Grid.Code, err, holders[0], holders)
				}
			}
		})
	}
}

// findSharedEdge returns the midpoint of the east edge of the first full-cell grid whose
// east neighbour is a full-cell grid of another community, and that edge's north end.
func findSharedEdge(t *testing.T, x *Index) (edge, corner orb.Point) {
	t.Helper()
	for k := range x.grids {
		e := &x.grids[k]
		if !isFullCell(e) {
			continue
		}
		b := e.parts[0].box
		mid := orb.Point{b.Max[0], (b.Min[1] + b.Max[1]) / 2}
		east := orb.Point{b.Max[0] + (b.Max[0]-b.Min[0])/2, mid[1]}
		ce, err := x.Locate(east[1], east[0])
		if err != nil || ce.Community == e.chain.Community {
			continue
		}
		n := &x.grids[slices.IndexFunc(x.grids, func(g gridEntry) bool { return g.chain == ce })]
		if isFullCell(n) && n.parts[0].box.Min[0] == b.Max[0] {
			return mid, orb.Point{b.Max[0], b.Max[1]}
		}
	}
	t.Fatal("no shared edge between communities found")
	return
}

// A vertex shared by two districts' rings resolves to the lower district code, in both
// District and Locate.
func TestLocateSharedDistrictVertex(t *testing.T) {
	x := testIndex(t)
	ds := x.Areas(LevelDistrict)
	owner := map[orb.Point]string{}
	for _, d := range ds {
		for _, poly := range d.Geometry {
			for _, p := range poly[0] {
				if o, ok := owner[p]; ok && o != d.Code {
					c, err := x.Locate(p[1], p[0])
					if err != nil || c.District.Code != o {
						t.Fatalf("Locate(shared vertex %v of %s and %s) = %s, %v", p, o, d.Code, c.District.Code, err)
					}
					a, err := x.District(p[1], p[0])
					if err != nil || a.Code != o {
						t.Fatalf("District(shared vertex %v) = %s, %v; want %s", p, a.Code, err, o)
					}
					return
				}
				owner[p] = d.Code
			}
		}
	}
	t.Fatal("no vertex shared by two districts")
}

// Points exactly on lattice lines (the edges of grids) resolve to the district whose
// polygon contains them: clipping artefacts along cell edges must not capture them.
func TestLocateOnCellEdges(t *testing.T) {
	x := testIndex(t)
	l := x.lattice
	r := rand.New(rand.NewPCG(3, 3))
	in := 0
	for n := range 60_000 {
		var p orb.Point
		switch n % 3 {
		case 0: // on a vertical edge
			p = orb.Point{l.x(r.IntN(200)), wuhanBBox.Min[1] + r.Float64()*(wuhanBBox.Max[1]-wuhanBBox.Min[1])}
		case 1: // on a horizontal edge
			p = orb.Point{wuhanBBox.Min[0] + r.Float64()*(wuhanBBox.Max[0]-wuhanBBox.Min[0]), l.y(r.IntN(200))}
		default: // on a corner
			p = orb.Point{l.x(r.IntN(200)), l.y(r.IntN(200))}
		}
		c, err := x.Locate(p[1], p[0])
		d, derr := x.District(p[1], p[0])
		if (err == nil) != (derr == nil) || (err == nil && c.District.Code != d.Code) {
			t.Fatalf("%v: Locate %s %v, District %s %v", p, c.Grid.Code, err, d.Code, derr)
		}
		if err == nil {
			in++
		}
	}
	if in < 20_000 {
		t.Errorf("only %d of 60000 edge points inside the city", in)
	}
}
