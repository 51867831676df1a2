package geo

import (
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/planar"
)

// wuhanIndex is built once per test binary: Build is deterministic and the index immutable.
var wuhanIndex = sync.OnceValues(Load)

func testIndex(tb testing.TB) *Index {
	tb.Helper()
	x, err := wuhanIndex()
	if err != nil {
		tb.Fatalf("Load: %v", err)
	}
	return x
}

// wuhanBBox is the bound of the 13 districts (WGS84).
var wuhanBBox = orb.Bound{Min: orb.Point{113.696546, 29.971758}, Max: orb.Point{115.076846, 31.363321}}

// randomPoints returns n points uniformly distributed over b, the same on every run.
func randomPoints(n int, b orb.Bound, seed uint64) []orb.Point {
	r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	pts := make([]orb.Point, n)
	for i := range pts {
		pts[i] = orb.Point{
			b.Min[0] + r.Float64()*(b.Max[0]-b.Min[0]),
			b.Min[1] + r.Float64()*(b.Max[1]-b.Min[1]),
		}
	}
	return pts
}

// bruteLocate is the baseline: every grid's geometry in code order, planar containment,
// first wins.
func bruteLocate(x *Index, p orb.Point) (Chain, bool) {
	for n, k := range x.byLevel[LevelGrid] {
		if planar.MultiPolygonContains(x.areas[k].Geometry, p) {
			return x.grids[n].chain, true
		}
	}
	return Chain{}, false
}

// isFullCell reports whether grid entry e is one whole lattice cell.
func isFullCell(e *gridEntry) bool { return len(e.parts) == 1 && e.parts[0].test == nil }
