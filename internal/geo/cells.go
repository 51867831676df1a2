package geo

import (
	"math"
	"unsafe"

	"github.com/paulmach/orb"
)

// cellEdgeTol is how close, in cells, a point may come to an edge of its lattice cell
// and still be answered by the cell table; closer points go to the R-tree. It is about
// 0.8 mm at 800 m cells and a million times the rounding error of the cell arithmetic
// (about 1e-12 cells), so a point the table answers is certainly inside its cell.
const cellEdgeTol = 1.0 / (1 << 20)

// Limits on the cell table: beyond them (districts scattered over a large area with
// small cells) the index keeps to its R-tree.
const (
	maxCellsPerGrid = 64
	maxTableCells   = 1 << 22
)

// cellIndex answers most grid lookups arithmetically. It divides the grids' extent
// along the lattice the grids were cut from; for each lattice cell it lists, in
// ascending grid order, every grid that could contain a point of the cell's interior
// (shrunk by half the edge tolerance): those whose bound and at least one of whose
// part boxes meet it. Over the city's interior that list is one full-cell grid, whose
// bound decides without a polygon test; a boundary cell lists its own grid and the grids
// that took in small pieces of it, each tested exactly.
//
// The table is exact for any grids, however they relate to the lattice: a grid left off
// a cell's list cannot contain a point inside that cell, and the listed grids are tested
// with the same predicate as the R-tree's candidates (bound, then parts), lowest index
// first. Points outside the table, or within cellEdgeTol of a cell edge, are not
// answered (find returns ok false) and Locate asks the R-tree.
type cellIndex struct {
	origin     orb.Point // south-west corner of lattice cell (0, 0)
	dLon, dLat float64
	i0, j0     int // lattice indices of table cell 0
	ni, nj     int
	start      []uint32 // table cell c lists cands[start[c]:start[c+1]]
	cands      []int32  // indices into Index.grids
}

// newCellIndex builds the table for grids over lattice l, or returns nil when l is
// degenerate or the table would be too large.
func newCellIndex(l lattice, grids []gridEntry) *cellIndex {
	if len(grids) == 0 || !(l.dLon > 0) || !(l.dLat > 0) {
		return nil
	}
	all := grids[0].bound
	for k := range grids {
		all = all.Union(grids[k].bound)
	}
	i0, i1 := span(all.Min[0], all.Max[0], l.origin[0], l.dLon)
	j0, j1 := span(all.Min[1], all.Max[1], l.origin[1], l.dLat)
	ni, nj := i1-i0+1, j1-j0+1
	if ni <= 0 || nj <= 0 || ni > maxTableCells || nj > maxTableCells ||
		ni*nj > maxTableCells || ni*nj > maxCellsPerGrid*len(grids) {
		return nil
	}
	c := &cellIndex{origin: l.origin, dLon: l.dLon, dLat: l.dLat, i0: i0, j0: j0, ni: ni, nj: nj}
	shrink := orb.Point{-cellEdgeTol / 2 * l.dLon, -cellEdgeTol / 2 * l.dLat}
	type entry struct {
		cell int
		grid int32
	}
	var entries []entry
	count := make([]uint32, ni*nj+1)
	for k := range grids {
		e := &grids[k]
		a, b := span(e.bound.Min[0], e.bound.Max[0], l.origin[0], l.dLon)
		d, f := span(e.bound.Min[1], e.bound.Max[1], l.origin[1], l.dLat)
		for j := max(d-1, j0); j <= min(f+1, j1); j++ {
			for i := max(a-1, i0); i <= min(b+1, i1); i++ {
				inner := grow(l.cellBound(i, j), shrink)
				if !e.mayContain(inner) {
					continue
				}
				cell := (j-j0)*ni + (i - i0)
				entries = append(entries, entry{cell, int32(k)})
				count[cell+1]++
			}
		}
	}
	for n := 1; n < len(count); n++ {
		count[n] += count[n-1]
	}
	c.start = count
	c.cands = make([]int32, len(entries))
	fill := make([]uint32, ni*nj)
	copy(fill, count[:ni*nj])
	for _, en := range entries { // grids were visited in ascending order: lists stay sorted
		c.cands[fill[en.cell]] = en.grid
		fill[en.cell]++
	}
	return c
}

// mayContain reports whether some point of b could be inside the grid.
func (e *gridEntry) mayContain(b orb.Bound) bool {
	if !e.bound.Intersects(b) {
		return false
	}
	if len(e.parts) == 1 && e.parts[0].test == nil {
		return true // as in contains: the bound decides
	}
	for _, part := range e.parts {
		if part.box.Intersects(b) {
			return true
		}
	}
	return false
}

// find returns the lowest grid index containing p, or -1 if none does, with ok true;
// ok is false when the table cannot answer for p (or c is nil).
func (c *cellIndex) find(grids []gridEntry, p orb.Point) (k int32, ok bool) {
	if c == nil {
		return -1, false
	}
	fx := (p[0] - c.origin[0]) / c.dLon
	fy := (p[1] - c.origin[1]) / c.dLat
	ix, iy := math.Floor(fx), math.Floor(fy)
	if fx-ix < cellEdgeTol || fx-ix > 1-cellEdgeTol || fy-iy < cellEdgeTol || fy-iy > 1-cellEdgeTol {
		return -1, false
	}
	i, j := int(ix)-c.i0, int(iy)-c.j0
	if i < 0 || i >= c.ni || j < 0 || j >= c.nj {
		return -1, false
	}
	cell := j*c.ni + i
	for _, k := range c.cands[c.start[cell]:c.start[cell+1]] {
		if e := &grids[k]; e.bound.Contains(p) && e.contains(p) {
			return k, true
		}
	}
	return -1, true
}

// bytes is the memory the table holds.
func (c *cellIndex) bytes() int {
	if c == nil {
		return 0
	}
	return int(unsafe.Sizeof(*c)) + 4*len(c.start) + 4*len(c.cands)
}
