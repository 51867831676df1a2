package geo

import (
	"context"
	"testing"
)

// PostGIS, given the same grid polygons, answers like Locate for random points.
func TestPostGISBaselineAgrees(t *testing.T) {
	x := testIndex(t)
	dsn := testDSN(t)
	pts := randomPoints(3000, wuhanBBox, 5) // inside and outside the city
	lps, err := PostGISBaseline(context.Background(), dsn, x, pts)
	if err != nil {
		t.Fatalf("PostGISBaseline: %v", err)
	}
	if lps <= 0 {
		t.Errorf("lookups/s = %v", lps)
	}
}
