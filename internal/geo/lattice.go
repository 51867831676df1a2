package geo

import (
	"math"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/clip"
	"github.com/paulmach/orb/planar"
)

// metresPerDegree is the length of one degree of latitude on a sphere of the mean Earth
// radius (6,371,008.8 m).
const metresPerDegree = 111_195.08

// minPieceArea drops degenerate clip results (in square degrees; about 0.01 m²).
const minPieceArea = 1e-12

// lattice is a regular grid of cells of equal size in degrees, anchored at one south-west
// corner for the whole city so that neighbouring districts' cells share edges exactly.
type lattice struct {
	origin     orb.Point
	dLon, dLat float64
}

// newLattice returns a lattice of roughly square cells of cellM metres over bound b.
func newLattice(b orb.Bound, cellM float64) lattice {
	midLat := (b.Min[1] + b.Max[1]) / 2
	dLat := cellM / metresPerDegree
	dLon := cellM / (metresPerDegree * math.Cos(midLat*math.Pi/180))
	return lattice{origin: b.Min, dLon: dLon, dLat: dLat}
}

func (l lattice) x(i int) float64 { return l.origin[0] + float64(i)*l.dLon }
func (l lattice) y(j int) float64 { return l.origin[1] + float64(j)*l.dLat }

// cellBound is the bound of cell (i, j); neighbours compute their shared edge with the
// same expression, so shared edges are bitwise equal.
func (l lattice) cellBound(i, j int) orb.Bound {
	return orb.Bound{Min: orb.Point{l.x(i), l.y(j)}, Max: orb.Point{l.x(i + 1), l.y(j + 1)}}
}

// span returns the cell index range [lo, hi] covering [min, max] along one axis.
func span(min, max, origin, d float64) (lo, hi int) {
	return int(math.Floor((min - origin) / d)), int(math.Floor((max - origin) / d))
}

// cell is one lattice cell clipped to one district: a future grid.
type cell struct {
	i, j     int
	geom     orb.MultiPolygon // clipped to the cell: for display, areas and export
	parts    []cellPart       // for point containment; several after mergeSmall
	area     float64
	centroid orb.Point
}

// cellPart decides point containment for one lattice cell of a grid: a point is inside
// if it is in box (edges included) and, unless test is nil (the cell lies wholly inside
// its district), inside test. test is the district clipped to box grown by a margin:
// Sutherland–Hodgman clipping joins the pieces of a concave polygon with zero-width
// "bridges" along the clip box, and a point on such a bridge would test as inside.
// Growing the box moves the bridges off the cell, so within box test is exactly the
// district polygon.
type cellPart struct {
	box  orb.Bound
	test orb.MultiPolygon
}

func (c cellPart) contains(p orb.Point) bool {
	return c.box.Contains(p) && (c.test == nil || planar.MultiPolygonContains(c.test, p))
}

// cut clips district mp to every lattice cell over its bound, row by row (north to south,
// west to east), and returns the non-empty pieces. Cells entirely inside the district get
// a clean rectangle as geometry.
func (l lattice) cut(mp orb.MultiPolygon) []cell {
	b := mp.Bound()
	i0, i1 := span(b.Min[0], b.Max[0], l.origin[0], l.dLon)
	j0, j1 := span(b.Min[1], b.Max[1], l.origin[1], l.dLat)
	full := l.dLon * l.dLat
	margin := orb.Point{l.dLon / 64, l.dLat / 64}
	var out []cell
	for j := j1; j >= j0; j-- {
		row := orb.Bound{Min: orb.Point{l.x(i0), l.y(j)}, Max: orb.Point{l.x(i1 + 1), l.y(j + 1)}}
		strip := cleanPieces(clip.MultiPolygon(row, mp.Clone()))
		if len(strip) == 0 {
			continue
		}
		wideStrip := clip.MultiPolygon(grow(row, margin), mp.Clone())
		sb := strip.Bound()
		for i := i0; i <= i1; i++ {
			cb := l.cellBound(i, j)
			if !cb.Intersects(sb) {
				continue
			}
			g := cleanPieces(clip.MultiPolygon(cb, strip.Clone()))
			if len(g) == 0 {
				continue
			}
			c, a := planar.CentroidArea(g)
			if a <= minPieceArea {
				continue
			}
			part := cellPart{box: cb}
			if len(g) == 1 && len(g[0]) == 1 && math.Abs(a-full) <= 1e-9*full {
				g = orb.MultiPolygon{cb.ToPolygon()}
			} else {
				part.test = clip.MultiPolygon(grow(cb, margin), wideStrip.Clone())
			}
			out = append(out, cell{i: i, j: j, geom: g, parts: []cellPart{part}, area: a, centroid: c})
		}
	}
	return out
}

// grow returns b widened by m on every side.
func grow(b orb.Bound, m orb.Point) orb.Bound {
	return orb.Bound{Min: orb.Point{b.Min[0] - m[0], b.Min[1] - m[1]}, Max: orb.Point{b.Max[0] + m[0], b.Max[1] + m[1]}}
}

// cleanPieces removes polygons whose outer ring is degenerate.
func cleanPieces(mp orb.MultiPolygon) orb.MultiPolygon {
	out := mp[:0]
	for _, p := range mp {
		if len(p) == 0 || len(p[0]) < 4 || math.Abs(planar.Area(p[0])) <= minPieceArea {
			continue
		}
		out = append(out, p)
	}
	return out
}

// mergeSmall folds every cell smaller than minArea into its largest 8-neighbour of normal
// size, so that no part of the district is left uncovered; a small cell with no such
// neighbour (a small exclave) stays a cell of its own. The order of cells is kept.
func mergeSmall(cells []cell, minArea float64) []cell {
	pos := make(map[[2]int]int, len(cells))
	for k, c := range cells {
		pos[[2]int{c.i, c.j}] = k
	}
	into := make([]int, len(cells))
	for k, c := range cells {
		into[k] = -1
		if c.area >= minArea {
			continue
		}
		for _, d := range [8][2]int{{-1, 1}, {0, 1}, {1, 1}, {-1, 0}, {1, 0}, {-1, -1}, {0, -1}, {1, -1}} {
			n, ok := pos[[2]int{c.i + d[0], c.j + d[1]}]
			if !ok || cells[n].area < minArea {
				continue
			}
			if into[k] < 0 || cells[n].area > cells[into[k]].area {
				into[k] = n
			}
		}
	}
	grown := map[int]bool{}
	for k, t := range into {
		if t >= 0 {
			cells[t].geom = append(cells[t].geom, cells[k].geom...)
			cells[t].parts = append(cells[t].parts, cells[k].parts...)
			grown[t] = true
		}
	}
	out := cells[:0]
	for k, c := range cells {
		if into[k] >= 0 {
			continue
		}
		if grown[k] {
			c.centroid, c.area = planar.CentroidArea(c.geom)
		}
		out = append(out, c)
	}
	return out
}
