package tsdb

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Errors of Append.
var (
	// ErrDuplicate: a reading with that timestamp is held already.
	ErrDuplicate = errors.New("duplicate timestamp")
	// ErrTooLate: the reading is older than the reorder window.
	ErrTooLate = errors.New("reading older than the reorder window")
	// ErrNoSeries: the series index is out of range.
	ErrNoSeries = errors.New("no such series")
)

// Sample is one reading.
type Sample struct {
	T int64 // nanoseconds since the epoch
	V float64
}

// Defaults of Options.
const (
	DefaultBlockSize  = 1024
	DefaultReorder    = 8
	DefaultRetain     = 7 * 24 * time.Hour
	DefaultRetainHour = 400 * 24 * time.Hour
)

// Options configure a DB.
type Options struct {
	// Series is the number of series (the registry's size).
	Series int
	// BlockSize is the number of readings per sealed block.
	BlockSize int
	// Reorder is the size of each series' reorder buffer.
	Reorder int
	// Retain is how long raw readings (and so minute rollups, computed
	// from them) are kept; RetainHour how long hourly rollups are kept.
	Retain, RetainHour time.Duration
	// Dir, when set, is the directory Open reads back and Checkpoint
	// writes (see Open and Checkpoint). Name then names series i in the
	// files (at most 255 bytes; "" for a series not in use, which is not
	// written); it is called by Open and each Checkpoint, so series may
	// change names while the DB is open (a registry slot taken by a new
	// sensor).
	Dir  string
	Name func(i int32) string
	// SegmentBytes is the size after which a new segment file is started
	// (DefaultSegmentBytes if zero).
	SegmentBytes int64
}

// DB holds every series. It is safe for concurrent use (a mutex per series).
type DB struct {
	o      Options
	series []series
	dups   atomic.Int64
	late   atomic.Int64
	ps     *persist   // nil without Options.Dir
	pmu    sync.Mutex // guards ps's pending records and cutoffs
	cmu    sync.Mutex // serialises Checkpoint and Close
}

type block struct {
	minT, maxT int64
	n          int
	data       []byte
}

type series struct {
	mu     sync.Mutex
	blocks []block
	head   encoder
	minT   int64 // of head
	buf    []Sample
	last   int64 // last timestamp that left the buffer
	any    bool  // something left the buffer
	hour   []Agg
	count  int64
	// logged is the end of the last hourly rollup written to disk because
	// its readings expired (math.MinInt64: none).
	logged int64
	idx    int32 // position in DB.series
}

// New makes a DB with o.Series empty series.
func New(o Options) (*DB, error) {
	if o.Series < 0 {
		return nil, fmt.Errorf("tsdb: %d series", o.Series)
	}
	if o.BlockSize <= 1 {
		o.BlockSize = DefaultBlockSize
	}
	if o.Reorder <= 0 {
		o.Reorder = DefaultReorder
	}
	if o.Retain <= 0 {
		o.Retain = DefaultRetain
	}
	if o.RetainHour <= 0 {
		o.RetainHour = DefaultRetainHour
	}
	db := &DB{o: o, series: make([]series, o.Series)}
	for i := range db.series {
		db.series[i].logged, db.series[i].idx = math.MinInt64, int32(i)
	}
	return db, nil
}

// Append adds a reading to series i. It returns ErrDuplicate or ErrTooLate
// (the reading is dropped and counted) or ErrNoSeries.
func (db *DB) Append(i int32, t int64, v float64) error {
	if i < 0 || int(i) >= len(db.series) {
		return fmt.Errorf("%w: %d", ErrNoSeries, i)
	}
	s := &db.series[i]
	s.mu.Lock()
	err := db.append(s, t, v)
	s.mu.Unlock()
	return err
}

func (db *DB) append(s *series, t int64, v float64) error {
	if s.any && t <= s.last {
		if t == s.last {
			db.dups.Add(1)
			return ErrDuplicate
		}
		db.late.Add(1)
		return ErrTooLate
	}
	n := len(s.buf)
	if n == 0 || t > s.buf[n-1].T {
		s.buf = append(s.buf, Sample{t, v})
	} else {
		k := sort.Search(n, func(j int) bool { return s.buf[j].T >= t })
		if s.buf[k].T == t {
			db.dups.Add(1)
			return ErrDuplicate
		}
		s.buf = slices.Insert(s.buf, k, Sample{t, v})
	}
	if len(s.buf) > db.o.Reorder {
		x := s.buf[0]
		copy(s.buf, s.buf[1:])
		s.buf = s.buf[:len(s.buf)-1]
		db.flush(s, x)
	}
	return nil
}

// flush moves one in-order sample into the head block and the rollups.
func (db *DB) flush(s *series, x Sample) {
	if s.head.n == 0 {
		s.minT = x.T
	}
	s.head.add(x.T, x.V)
	s.last, s.any = x.T, true
	s.count++
	s.hour = fold(s.hour, x, int64(time.Hour))
	if s.head.n >= db.o.BlockSize {
		b := block{minT: s.minT, maxT: s.head.t, n: s.head.n, data: slices.Clip(slices.Clone(s.head.w.b))}
		s.blocks = append(s.blocks, b)
		if db.ps != nil {
			db.pmu.Lock()
			db.ps.pendBlocks = append(db.ps.pendBlocks, pendBlock{series: s.idx, b: b})
			db.pmu.Unlock()
		}
		s.head = encoder{w: bitWriter{b: s.head.w.b[:0]}}
		clear(s.head.w.b[:cap(s.head.w.b)])
	}
}

// Counts returns the readings dropped as duplicates and as too late.
func (db *DB) Counts() (duplicates, tooLate int64) { return db.dups.Load(), db.late.Load() }

// Latest returns the newest reading of series i; ok is false when it has none.
func (db *DB) Latest(i int32) (Sample, bool) {
	if i < 0 || int(i) >= len(db.series) {
		return Sample{}, false
	}
	s := &db.series[i]
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.buf); n > 0 {
		return s.buf[n-1], true
	}
	if s.head.n > 0 {
		return Sample{s.head.t, float64frombits(s.head.v)}, true
	}
	if n := len(s.blocks); n > 0 {
		b := s.blocks[n-1]
		d := newDecoder(b.data, b.n)
		var last Sample
		for t, v, ok := d.next(); ok; t, v, ok = d.next() {
			last = Sample{t, v}
		}
		return last, true
	}
	return Sample{}, false
}

// Range returns the readings of series i with from ≤ T < to, in time order.
func (db *DB) Range(i int32, from, to int64) ([]Sample, error) {
	if i < 0 || int(i) >= len(db.series) {
		return nil, fmt.Errorf("%w: %d", ErrNoSeries, i)
	}
	s := &db.series[i]
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Sample
	scan := func(data []byte, n int) {
		d := newDecoder(data, n)
		for t, v, ok := d.next(); ok; t, v, ok = d.next() {
			if t >= to {
				return
			}
			if t >= from {
				out = append(out, Sample{t, v})
			}
		}
	}
	for _, b := range s.blocks {
		if b.maxT >= from && b.minT < to {
			scan(b.data, b.n)
		}
	}
	if s.head.n > 0 && s.head.t >= from && s.minT < to {
		scan(s.head.w.b, s.head.n)
	}
	for _, x := range s.buf {
		if x.T >= from && x.T < to {
			out = append(out, x)
		}
	}
	return out, nil
}

// Expire drops raw blocks and rollups older than their retention at now.
// With Options.Dir, the hourly rollups that can no longer be rebuilt from
// the readings held are queued for the next Checkpoint, which then deletes
// the segment files holding only expired blocks.
func (db *DB) Expire(now time.Time) {
	raw := now.Add(-db.o.Retain).UnixNano()
	hour := now.Add(-db.o.RetainHour).UnixNano()
	for i := range db.series {
		s := &db.series[i]
		s.mu.Lock()
		k := 0
		for k < len(s.blocks) && s.blocks[k].maxT < raw {
			k++
		}
		s.blocks = slices.Delete(s.blocks, 0, k)
		s.hour = dropBefore(s.hour, hour, int64(time.Hour))
		if db.ps != nil {
			db.logHours(int32(i), s)
		}
		s.mu.Unlock()
	}
	if db.ps != nil {
		db.pmu.Lock()
		db.ps.rawCutoff, db.ps.hourCutoff = raw, hour
		db.pmu.Unlock()
	}
}

// logHours queues the closed hourly rollups of s that begin before its
// oldest reading held (their readings, or some, are gone), once each.
func (db *DB) logHours(i int32, s *series) {
	oldest := int64(math.MaxInt64)
	switch {
	case len(s.blocks) > 0:
		oldest = s.blocks[0].minT
	case s.head.n > 0:
		oldest = s.minT
	case len(s.buf) > 0:
		oldest = s.buf[0].T
	}
	var out []Agg
	// The buckets before s.logged were written already: start after them.
	k := sort.Search(len(s.hour), func(k int) bool { return s.hour[k].Start >= s.logged })
	for ; k < len(s.hour)-1 && s.hour[k].Start < oldest; k++ {
		out = append(out, s.hour[k])
	}
	if len(out) == 0 {
		return
	}
	s.logged = out[len(out)-1].Start + int64(time.Hour)
	db.pmu.Lock()
	db.ps.pendHours = append(db.ps.pendHours, pendHours{series: i, aggs: out})
	db.pmu.Unlock()
}

// Size is the memory held by the compressed readings.
type Size struct {
	Readings int64 // readings that left the reorder buffers
	Bytes    int64 // compressed bits (rounded up to bytes) of those readings
	// Overhead is the bookkeeping of the blocks (headers, slice headers).
	Overhead int64
	// Rollups is the memory of the minute and hour rollups.
	Rollups int64
}

// Size measures the store.
func (db *DB) Size() Size {
	var z Size
	for i := range db.series {
		s := &db.series[i]
		s.mu.Lock()
		for _, b := range s.blocks {
			z.Readings += int64(b.n)
			z.Bytes += int64(len(b.data))
			z.Overhead += 56
		}
		z.Readings += int64(s.head.n)
		z.Bytes += int64(len(s.head.w.b))
		z.Rollups += int64(len(s.hour)) * aggSize
		s.mu.Unlock()
	}
	return z
}
