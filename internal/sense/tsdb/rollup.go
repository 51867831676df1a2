package tsdb

import (
	"fmt"
	"math"
	"sort"
	"time"
	"unsafe"
)

// Agg is a rollup bucket.
type Agg struct {
	Start    int64 // bucket start, nanoseconds
	Min, Max float64
	Sum      float64
	Count    int64
	Last     float64
}

// Mean is Sum/Count.
func (a Agg) Mean() float64 { return a.Sum / float64(a.Count) }

const aggSize = int64(unsafe.Sizeof(Agg{}))

func float64frombits(b uint64) float64 { return math.Float64frombits(b) }

// fold adds x (in time order) to the bucket list of width w.
func fold(aggs []Agg, x Sample, w int64) []Agg {
	start := floorDiv(x.T, w) * w
	if n := len(aggs); n > 0 && aggs[n-1].Start == start {
		a := &aggs[n-1]
		a.Min, a.Max = min(a.Min, x.V), max(a.Max, x.V)
		a.Sum += x.V
		a.Count++
		a.Last = x.V
		return aggs
	}
	return append(aggs, Agg{Start: start, Min: x.V, Max: x.V, Sum: x.V, Count: 1, Last: x.V})
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

func dropBefore(aggs []Agg, cutoff, w int64) []Agg {
	k := sort.Search(len(aggs), func(i int) bool { return aggs[i].Start+w > cutoff })
	if k == 0 {
		return aggs
	}
	return append(aggs[:0:0], aggs[k:]...)
}

// Resolution is a rollup width.
type Resolution time.Duration

// The rollup resolutions.
const (
	Minute = Resolution(time.Minute)
	Hour   = Resolution(time.Hour)
)

// Rollup returns the buckets of series i at resolution r whose start is
// in [from, to), including readings still in the reorder buffer. Hourly
// buckets are kept as readings arrive; minute buckets are computed from the
// raw readings (so they are kept as long as those are).
func (db *DB) Rollup(i int32, r Resolution, from, to int64) ([]Agg, error) {
	switch r {
	case Minute:
		w := int64(Minute)
		raw, err := db.Range(i, floorDiv(from, w)*w, to)
		if err != nil {
			return nil, err
		}
		var out []Agg
		for _, x := range raw {
			out = fold(out, x, w)
		}
		k := 0
		for k < len(out) && out[k].Start < from {
			k++
		}
		return out[k:], nil
	case Hour:
	default:
		return nil, fmt.Errorf("tsdb: resolution %v is neither a minute nor an hour", time.Duration(r))
	}
	if i < 0 || int(i) >= len(db.series) {
		return nil, fmt.Errorf("%w: %d", ErrNoSeries, i)
	}
	s := &db.series[i]
	s.mu.Lock()
	src := s.hour
	lo := sort.Search(len(src), func(k int) bool { return src[k].Start >= from })
	var out []Agg
	for _, a := range src[lo:] {
		if a.Start >= to {
			break
		}
		out = append(out, a)
	}
	// The trailing bucket may continue into the buffer.
	var tail []Agg
	if n := len(src); n > 0 && src[n-1].Start >= from && src[n-1].Start < to {
		tail = []Agg{src[n-1]}
		out = out[:len(out)-1]
	}
	for _, x := range s.buf {
		tail = fold(tail, x, int64(r))
	}
	s.mu.Unlock()
	for _, a := range tail {
		if a.Start >= from && a.Start < to {
			out = append(out, a)
		}
	}
	return out, nil
}
