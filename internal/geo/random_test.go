package geo

import (
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb/planar"
)

func TestRandomPointIn(t *testing.T) {
	x := testIndex(t)
	codes := []string{"420100", "420113", "420106", "420102002", "420102002001", "420102002001001"}
	for _, g := range x.Areas(LevelGrid) {
		if len(g.Geometry) > 1 { // a grid with merged pieces
			codes = append(codes, g.Code)
			break
		}
	}
	for _, code := range codes {
		a, ok := x.Area(code)
		if !ok {
			t.Fatalf("no area %s", code)
		}
		r1, r2 := rand.New(rand.NewPCG(1, 2)), rand.New(rand.NewPCG(1, 2))
		for range 200 {
			p := x.RandomPointIn(code, r1)
			if !planar.MultiPolygonContains(a.Geometry, p) {
				t.Fatalf("%s: %v outside the area", code, p)
			}
			if q := x.RandomPointIn(code, r2); q != p {
				t.Fatalf("%s: same seed gave %v and %v", code, p, q)
			}
			if a.Level >= LevelStreet {
				c, err := x.Locate(p[1], p[0])
				if err != nil || (c.Street.Code != code && c.Community.Code != code && c.Grid.Code != code) {
					t.Fatalf("%s: Locate(%v) = %+v, %v", code, p, c, err)
				}
			}
		}
	}
	if p := x.RandomPointIn("nope", rand.New(rand.NewPCG(1, 2))); p != ([2]float64{}) {
		t.Errorf("unknown code gave %v", p)
	}
}
