package geo

import (
	"cmp"
	"slices"

	"github.com/paulmach/orb"
)

// bisect splits the items idx (indices into pts) into k groups of near-equal size by
// recursive coordinate bisection: the items are sorted along the axis on which their
// points spread most (x scaled by kx to make the axes comparable in metres), and cut in
// proportion k/2 : k-k/2. Groups are therefore compact and mostly contiguous. The result
// is deterministic: ties are broken by the other coordinate and then by index. When
// len(idx) < k some groups are empty. idx is reordered in place.
func bisect(pts []orb.Point, idx []int, k int, kx float64) [][]int {
	return bisectInto(nil, pts, idx, k, kx)
}

func bisectInto(out [][]int, pts []orb.Point, idx []int, k int, kx float64) [][]int {
	if k <= 1 {
		return append(out, idx)
	}
	axis := 1
	if len(idx) > 0 {
		b := orb.Bound{Min: pts[idx[0]], Max: pts[idx[0]]}
		for _, i := range idx {
			b = b.Extend(pts[i])
		}
		if (b.Max[0]-b.Min[0])*kx > b.Max[1]-b.Min[1] {
			axis = 0
		}
	}
	other := 1 - axis
	slices.SortFunc(idx, func(a, b int) int {
		if c := cmp.Compare(pts[a][axis], pts[b][axis]); c != 0 {
			return c
		}
		if c := cmp.Compare(pts[a][other], pts[b][other]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	k1 := k / 2
	n1 := len(idx) * k1 / k
	out = bisectInto(out, pts, idx[:n1:n1], k1, kx)
	return bisectInto(out, pts, idx[n1:], k-k1, kx)
}
