package geo

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
	"github.com/tidwall/rtree"
)

// Index answers which district, street, community and grid contain a point. It is
// immutable after Build and safe for concurrent use. Areas returned by its methods share
// geometry with the index: do not modify their Geometry.
type Index struct {
	cellSizeM float64
	lattice   lattice
	areas     []Area // sorted by code
	byCode    map[string]int
	children  map[string][]int // sorted by code
	byLevel   [LevelGrid + 1][]int

	grids    []gridEntry // sorted by code
	gridTree rtree.RTreeG[int32]
	cells    *cellIndex // nil: every lookup goes to gridTree

	districtParts []districtPart // one per polygon, in district code order
	districtTree  rtree.RTreeG[int32]
}

type gridEntry struct {
	bound orb.Bound // of the grid's geometry, as in gridTree
	parts []cellPart
	chain Chain
}

// contains reports whether the grid contains p, edges included, given that its bound
// contains p.
func (e *gridEntry) contains(p orb.Point) bool {
	if len(e.parts) == 1 && e.parts[0].test == nil {
		return true // one full cell: the bound test (edges included) decided
	}
	for _, c := range e.parts {
		if c.contains(p) {
			return true
		}
	}
	return false
}

type districtPart struct {
	poly orb.Polygon
	area int // index into areas
}

func newIndex(areas []Area, parts map[string][]cellPart, lat lattice, o Options) (*Index, error) {
	slices.SortFunc(areas, func(a, b Area) int { return strings.Compare(a.Code, b.Code) })
	x := &Index{cellSizeM: o.CellSizeM, lattice: lat, areas: areas, byCode: make(map[string]int, len(areas)), children: map[string][]int{}}
	for k, a := range areas {
		if _, dup := x.byCode[a.Code]; dup {
			return nil, fmt.Errorf("duplicate area code %s: %w", a.Code, ErrBadData)
		}
		x.byCode[a.Code] = k
		x.byLevel[a.Level] = append(x.byLevel[a.Level], k)
		if a.ParentCode != "" {
			x.children[a.ParentCode] = append(x.children[a.ParentCode], k)
		}
	}
	for _, k := range x.byLevel[LevelGrid] {
		g := &x.areas[k]
		chain, err := x.chainOf(g)
		if err != nil {
			return nil, err
		}
		if len(parts[g.Code]) == 0 {
			return nil, fmt.Errorf("grid %s has no cells: %w", g.Code, ErrBadData)
		}
		x.grids = append(x.grids, gridEntry{bound: g.Bound, parts: parts[g.Code], chain: chain})
	}
	x.insertGrids()
	x.cells = newCellIndex(lat, x.grids)
	for _, k := range x.byLevel[LevelDistrict] {
		for _, p := range x.areas[k].Geometry {
			b := p.Bound()
			x.districtTree.Insert(b.Min, b.Max, int32(len(x.districtParts)))
			x.districtParts = append(x.districtParts, districtPart{poly: p, area: k})
		}
	}
	return x, nil
}

func (x *Index) chainOf(g *Area) (Chain, error) {
	var c Chain
	c.Grid = g.Ref()
	a := g
	for _, ref := range []*AreaRef{&c.Community, &c.Street, &c.District} {
		k, ok := x.byCode[a.ParentCode]
		if !ok {
			return c, fmt.Errorf("area %s: parent %q missing: %w", a.Code, a.ParentCode, ErrBadData)
		}
		a = &x.areas[k]
		*ref = a.Ref()
	}
	return c, nil
}

// CellSizeM returns the lattice cell size the index was built with, in metres.
func (x *Index) CellSizeM() float64 { return x.cellSizeM }

func checkPoint(lat, lon float64) error {
	if math.IsNaN(lat) || math.IsNaN(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return fmt.Errorf("lat %v, lon %v: %w", lat, lon, ErrInvalidPoint)
	}
	return nil
}

// Locate returns the chain of areas containing the WGS84 point (lat, lon).
//
// Points on a boundary count as inside every area sharing that boundary (except points on
// the edge of a hole, which are outside the holed polygon). When several grids contain the
// point — on a shared edge or corner, or where two district polygons of the source data
// overlap — the grid with the lowest code wins. Grid codes begin with their district's
// code, so this is the same rule District applies to districts.
//
// A point that no grid contains returns an error wrapping ErrOutside; NaN, infinite or
// out-of-range coordinates return an error wrapping ErrInvalidPoint.
func (x *Index) Locate(lat, lon float64) (Chain, error) {
	if err := checkPoint(lat, lon); err != nil {
		return Chain{}, fmt.Errorf("locate: %w", err)
	}
	p := orb.Point{lon, lat}
	k, ok := x.cells.find(x.grids, p)
	if !ok {
		k = x.treeFind(p)
	}
	if k < 0 {
		return Chain{}, &outsideError{op: "locate", lat: lat, lon: lon}
	}
	return x.grids[k].chain, nil
}

// treeFind returns the lowest index of a grid containing p, or -1, from the R-tree.
func (x *Index) treeFind(p orb.Point) int32 {
	best := int32(-1)
	x.gridTree.Search(p, p, func(_, _ [2]float64, k int32) bool {
		if best >= 0 && k > best {
			return true
		}
		if x.grids[k].contains(p) {
			best = k
		}
		return true
	})
	return best
}

// outsideError wraps ErrOutside and formats its message only when asked: points
// outside the city are common (random samples, bad GPS) and fmt.Errorf would cost more
// than the lookup.
type outsideError struct {
	op       string
	lat, lon float64
}

func (e *outsideError) Error() string {
	return fmt.Sprintf("%s lat %.6f, lon %.6f: %v", e.op, e.lat, e.lon, ErrOutside)
}

func (e *outsideError) Unwrap() error { return ErrOutside }

// District returns the real district whose polygon contains (lat, lon), the lowest code
// winning on shared boundaries and overlaps. Errors as for Locate.
func (x *Index) District(lat, lon float64) (Area, error) {
	if err := checkPoint(lat, lon); err != nil {
		return Area{}, fmt.Errorf("district: %w", err)
	}
	p := orb.Point{lon, lat}
	best := -1
	x.districtTree.Search(p, p, func(_, _ [2]float64, k int32) bool {
		dp := &x.districtParts[k]
		if (best < 0 || dp.area < best) && planar.PolygonContains(dp.poly, p) {
			best = dp.area
		}
		return true
	})
	if best < 0 {
		return Area{}, fmt.Errorf("district lat %.6f, lon %.6f: %w", lat, lon, ErrOutside)
	}
	return x.areas[best], nil
}

// Area returns the area with the given code.
func (x *Index) Area(code string) (Area, bool) {
	k, ok := x.byCode[code]
	if !ok {
		return Area{}, false
	}
	return x.areas[k], true
}

// Children returns the direct children of the area with the given code, sorted by code;
// nil for a grid or an unknown code.
func (x *Index) Children(code string) []Area {
	return x.collect(x.children[code])
}

// Areas returns every area of a level, sorted by code.
func (x *Index) Areas(level Level) []Area {
	if level < LevelCity || level > LevelGrid {
		return nil
	}
	return x.collect(x.byLevel[level])
}

func (x *Index) collect(ks []int) []Area {
	if len(ks) == 0 {
		return nil
	}
	out := make([]Area, len(ks))
	for n, k := range ks {
		out[n] = x.areas[k]
	}
	return out
}

// isWithin reports whether the area a is code or lies below it.
func (x *Index) isWithin(a *Area, code string) bool {
	for {
		if a.Code == code {
			return true
		}
		k, ok := x.byCode[a.ParentCode]
		if !ok {
			return false
		}
		a = &x.areas[k]
	}
}
