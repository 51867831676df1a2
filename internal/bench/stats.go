package bench

import (
	"slices"
	"time"
)

// percentileMs returns the p-th percentile (0..100) of ds in milliseconds,
// by the nearest-rank method. ds is sorted in place.
func percentileMs(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	rank := int(p/100*float64(len(ds))+0.999999) - 1
	rank = max(0, min(rank, len(ds)-1))
	return float64(ds[rank]) / float64(time.Millisecond)
}
