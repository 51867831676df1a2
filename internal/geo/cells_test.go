package geo

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// treeOnly returns a copy of x without its cell table: every lookup goes to the R-tree,
// as before the table existed.
func treeOnly(x *Index) *Index {
	y := *x
	y.cells = nil
	return &y
}

// pathCompare locates points with the cell table and with the R-tree alone and fails on
// the first difference. It counts the points the table answered by itself.
type pathCompare struct {
	x, tree *Index
	checked int
	byTable int
	inside  int
}

func newPathCompare(t *testing.T, x *Index) *pathCompare {
	t.Helper()
	if x.cells == nil {
		t.Fatal("index has no cell table")
	}
	return &pathCompare{x: x, tree: treeOnly(x)}
}

func (c *pathCompare) check(t *testing.T, what string, p orb.Point) {
	t.Helper()
	got, err := c.x.Locate(p[1], p[0])
	want, werr := c.tree.Locate(p[1], p[0])
	if got != want || (err == nil) != (werr == nil) || (err != nil && !errors.Is(err, ErrOutside)) {
		t.Fatalf("%s %v: cell table %s, %v; R-tree %s, %v", what, p, got.Grid.Code, err, want.Grid.Code, werr)
	}
	c.checked++
	if _, ok := c.x.cells.find(c.x.grids, p); ok {
		c.byTable++
	}
	if err == nil {
		c.inside++
	}
}

// onEdges returns points exactly on the lattice lines around b (vertical edges,
// horizontal edges, corners) and points beside them: 1 to 3 ulps off, and at 0.5, 1,
// 1.5 and 2 times the table's edge tolerance, on both sides.
func onEdges(l lattice, b orb.Bound, n int, seed uint64) []orb.Point {
	r := rand.New(rand.NewPCG(seed, 7))
	i0, i1 := span(b.Min[0], b.Max[0], l.origin[0], l.dLon)
	j0, j1 := span(b.Min[1], b.Max[1], l.origin[1], l.dLat)
	i0, j0, i1, j1 = i0-1, j0-1, i1+2, j1+2
	lon := func() float64 { return l.x(i0) + r.Float64()*(l.x(i1)-l.x(i0)) }
	lat := func() float64 { return l.y(j0) + r.Float64()*(l.y(j1)-l.y(j0)) }
	beside := func(v, d float64) []float64 {
		out := []float64{v}
		for _, dir := range []float64{math.Inf(1), math.Inf(-1)} {
			w := v
			for range 3 {
				w = math.Nextafter(w, dir)
				out = append(out, w)
			}
		}
		for _, f := range []float64{0.5, 1, 1.5, 2} {
			out = append(out, v+f*cellEdgeTol*d, v-f*cellEdgeTol*d)
		}
		return out
	}
	var pts []orb.Point
	for k := range n {
		x, y := l.x(i0+r.IntN(i1-i0)), l.y(j0+r.IntN(j1-j0))
		switch k % 3 {
		case 0: // vertical edge
			for _, v := range beside(x, l.dLon) {
				pts = append(pts, orb.Point{v, lat()})
			}
		case 1: // horizontal edge
			for _, v := range beside(y, l.dLat) {
				pts = append(pts, orb.Point{lon(), v})
			}
		default: // corner
			for _, v := range beside(x, l.dLon) {
				for _, w := range beside(y, l.dLat) {
					pts = append(pts, orb.Point{v, w})
				}
			}
		}
	}
	return pts
}

// The cell table gives the same answer as the R-tree for every point: random points
// over and around the city, points on and beside lattice edges and corners, every vertex
// of every grid and district (on boundaries, where the tie rule decides) and points far
// outside.
func TestCellTableMatchesTree(t *testing.T) {
	x := testIndex(t)
	c := newPathCompare(t, x)
	for _, p := range randomPoints(300_000, wuhanBBox, 11) {
		c.check(t, "random", p)
	}
	if c.byTable < c.checked*9999/10000 {
		t.Errorf("table answered %d of %d random points, want nearly all", c.byTable, c.checked)
	}
	if c.inside < 100_000 {
		t.Errorf("only %d of %d random points inside", c.inside, c.checked)
	}
	around := orb.Bound{Min: orb.Point{113.5, 29.8}, Max: orb.Point{115.3, 31.5}}
	for _, p := range randomPoints(50_000, around, 12) {
		c.check(t, "random around", p)
	}

	c.byTable, c.checked = 0, 0
	for _, p := range onEdges(x.lattice, wuhanBBox, 20_000, 5) {
		c.check(t, "edge", p)
	}
	if c.byTable == 0 || c.byTable == c.checked {
		t.Errorf("table answered %d of %d edge points: the tolerance is not exercised", c.byTable, c.checked)
	}

	c.byTable, c.checked = 0, 0
	for _, level := range []Level{LevelDistrict, LevelGrid} {
		for _, a := range x.Areas(level) {
			for _, poly := range a.Geometry {
				for _, ring := range poly {
					for n, v := range ring {
						c.check(t, "vertex", v)
						if n > 0 { // a point on the edge, up to rounding
							c.check(t, "edge midpoint", orb.Point{(v[0] + ring[n-1][0]) / 2, (v[1] + ring[n-1][1]) / 2})
						}
					}
				}
			}
		}
	}
	if c.byTable < c.checked/10 {
		t.Errorf("table answered %d of %d boundary points", c.byTable, c.checked)
	}

	for _, p := range randomPoints(20_000, orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}, 15) {
		c.check(t, "world", p)
	}
	for _, p := range []orb.Point{{-180, -90}, {180, 90}, {0, 0}, {116.4, 39.9}, {114.3, 90}, {114.3, -90}} {
		c.check(t, "far", p)
	}
}

// The same on generated districts with a hole, an enclave filling it, an exclave and a
// shared edge: polygon edges there cross lattice cells, so the table's exact tests and
// the hole-edge rule are exercised.
func TestCellTableMatchesTreeSynthetic(t *testing.T) {
	for _, enclave := range []bool{false, true} {
		x := syntheticIndex(t, enclave)
		c := newPathCompare(t, x)
		b := orb.Bound{Min: orb.Point{113.98, 29.98}, Max: orb.Point{114.24, 30.12}}
		for _, p := range randomPoints(50_000, b, 13) {
			c.check(t, "random", p)
		}
		for _, p := range onEdges(x.lattice, b, 3_000, 6) {
			c.check(t, "lattice edge", p)
		}
		c.byTable, c.checked = 0, 0
		r := rand.New(rand.NewPCG(14, 14))
		for _, d := range x.Areas(LevelDistrict) {
			for _, poly := range d.Geometry {
				for _, ring := range poly {
					for n := 1; n < len(ring); n++ {
						for range 200 {
							f := r.Float64()
							v, w := ring[n-1], ring[n]
							c.check(t, "district edge", orb.Point{v[0] + f*(w[0]-v[0]), v[1] + f*(w[1]-v[1])})
						}
						c.check(t, "district vertex", ring[n])
					}
				}
			}
		}
		if c.byTable < c.checked/2 {
			t.Errorf("enclave %v: table answered %d of %d district boundary points", enclave, c.byTable, c.checked)
		}
	}
}

// Districts scattered far apart with small cells would need a huge table: the index
// keeps to the R-tree and still answers.
func TestCellTableSkippedWhenTooLarge(t *testing.T) {
	fc := geojson.NewFeatureCollection()
	fc.Append(feature("900001", "甲区", orb.MultiPolygon{{square(114.00, 30.00, 114.01, 30.01)}}))
	fc.Append(feature("900002", "乙区", orb.MultiPolygon{{square(124.00, 40.00, 124.01, 40.01)}}))
	x, err := Build(Options{
		CellSizeM: 100,
		Districts: fc,
		Streets:   []Unit{{"900001001", "甲一街道", "900001"}, {"900002001", "乙一街道", "900002"}},
		City:      Unit{Code: "900000", Name: "测试市"},
	})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if x.cells != nil {
		t.Fatalf("cell table of %d×%d cells built for %d grids", x.cells.ni, x.cells.nj, len(x.grids))
	}
	for _, tt := range []struct {
		lat, lon float64
		want     string
	}{{30.005, 114.005, "900001"}, {40.005, 124.005, "900002"}, {35, 119, ""}} {
		c, err := x.Locate(tt.lat, tt.lon)
		if c.District.Code != tt.want || (tt.want == "") != errors.Is(err, ErrOutside) {
			t.Errorf("Locate(%v, %v) = %s, %v; want %q", tt.lat, tt.lon, c.District.Code, err, tt.want)
		}
	}
}

// Wuhan's table is small next to the index: report its size, and keep it bounded.
func TestCellTableSize(t *testing.T) {
	x := testIndex(t)
	c := x.cells
	if c == nil {
		t.Fatal("no cell table for Wuhan")
	}
	single := 0
	for n := range c.ni * c.nj {
		if c.start[n+1]-c.start[n] == 1 {
			single++
		}
	}
	t.Logf("cell table: %d×%d cells, %d candidates, %d cells with one candidate, %d bytes",
		c.ni, c.nj, len(c.cands), single, c.bytes())
	if b := c.bytes(); b > 1<<20 {
		t.Errorf("cell table takes %d bytes, want under 1 MiB", b)
	}
	if single < len(x.grids)/2 {
		t.Errorf("only %d cells have a single candidate for %d grids", single, len(x.grids))
	}
}
