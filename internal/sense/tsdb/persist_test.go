package tsdb

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func names(n int) func(int32) string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("S%03d", i)
	}
	return func(i int32) string { return out[i] }
}

func fixed(ns ...string) func(int32) string { return func(i int32) string { return ns[i] } }

// fill appends k readings to each series: series i reports every minute,
// with jitter and out-of-order arrivals when i is odd; values 2-decimal.
func fill(t *testing.T, db *DB, series, from, k int, r *rand.Rand) {
	t.Helper()
	for j := from; j < from+k; j++ {
		for i := range series {
			ts := t0 + int64(j)*int64(time.Minute)
			if i%2 == 1 {
				ts += r.Int64N(int64(time.Second))
			}
			v := math.Round(100*(float64(i)+math.Sin(float64(j)/30))) / 100
			if err := db.Append(int32(i), ts, v); err != nil {
				t.Fatalf("series %d reading %d: %v", i, j, err)
			}
		}
	}
}

type snapshot struct {
	raw         [][]Sample
	mins, hours [][]Agg
	latest      []Sample
}

func snap(t *testing.T, db *DB, series int) snapshot {
	t.Helper()
	var s snapshot
	for i := range int32(series) {
		raw, _ := db.Range(i, math.MinInt64, math.MaxInt64)
		m, _ := db.Rollup(i, Minute, math.MinInt64, math.MaxInt64)
		h, _ := db.Rollup(i, Hour, math.MinInt64, math.MaxInt64)
		l, _ := db.Latest(i)
		s.raw, s.mins, s.hours, s.latest = append(s.raw, raw), append(s.mins, m), append(s.hours, h), append(s.latest, l)
	}
	return s
}

func sameSnap(t *testing.T, got, want snapshot) {
	t.Helper()
	for i := range want.raw {
		if !slices.Equal(got.raw[i], want.raw[i]) {
			t.Fatalf("series %d: %d readings after reopening, want %d (first diff at %d)", i, len(got.raw[i]), len(want.raw[i]), firstDiff(got.raw[i], want.raw[i]))
		}
		if !slices.Equal(got.mins[i], want.mins[i]) || !slices.Equal(got.hours[i], want.hours[i]) {
			t.Fatalf("series %d: rollups differ after reopening: hours %v, want %v", i, got.hours[i], want.hours[i])
		}
		if got.latest[i] != want.latest[i] {
			t.Fatalf("series %d: latest %v, want %v", i, got.latest[i], want.latest[i])
		}
	}
}

func firstDiff(a, b []Sample) int {
	for k := range min(len(a), len(b)) {
		if a[k] != b[k] {
			return k
		}
	}
	return min(len(a), len(b))
}

// TestCloseReopen: whatever was appended before Close reads back the same
// after Open: readings (sealed blocks, heads, reorder buffers), minute and
// hour rollups, latest; and appending continues where it stopped.
func TestCloseReopen(t *testing.T) {
	tests := []struct {
		name        string
		series, k   int
		blockSize   int
		checkpoints int
	}{
		{"empty", 3, 0, 16, 1},
		{"only reorder buffers", 3, 5, 16, 1},
		{"heads, no block", 4, 12, 64, 1},
		{"blocks and heads", 5, 300, 64, 1},
		{"several checkpoints", 5, 300, 64, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			o := Options{Series: tc.series, Name: names(tc.series), Dir: dir, BlockSize: tc.blockSize, SegmentBytes: 4 << 10}
			db, err := Open(o)
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(1, 2))
			per := tc.k / tc.checkpoints
			for c := range tc.checkpoints {
				fill(t, db, tc.series, c*per, per, r)
				if err := db.Checkpoint(); err != nil {
					t.Fatal(err)
				}
			}
			want := snap(t, db, tc.series)
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			db2, err := Open(o)
			if err != nil {
				t.Fatal(err)
			}
			defer db2.Close()
			sameSnap(t, snap(t, db2, tc.series), want)
			if tc.k == 0 {
				return
			}
			last := want.latest[0]
			if err := db2.Append(0, last.T, 1); !errors.Is(err, ErrDuplicate) {
				t.Fatalf("re-sending the latest reading: %v, want ErrDuplicate", err)
			}
			if err := db2.Append(0, last.T+int64(time.Minute), 1); err != nil {
				t.Fatalf("appending after reopening: %v", err)
			}
		})
	}
}

// TestReopenRenamedSeries: files are keyed by name, so a registry whose
// indexes moved finds its data, and data of removed names is skipped.
func TestReopenRenamedSeries(t *testing.T) {
	dir := t.TempDir()
	o := Options{Series: 3, Name: fixed("A", "B", "C"), Dir: dir, BlockSize: 16}
	db, _ := Open(o)
	fill(t, db, 3, 0, 50, rand.New(rand.NewPCG(3, 4)))
	want := snap(t, db, 3)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db2, err := Open(Options{Series: 3, Name: fixed("C", "NEW", "A"), Dir: dir, BlockSize: 16})
	if err != nil {
		t.Fatal(err)
	}
	got := snap(t, db2, 3)
	if !slices.Equal(got.raw[0], want.raw[2]) || !slices.Equal(got.raw[2], want.raw[0]) || len(got.raw[1]) != 0 {
		t.Fatalf("series did not follow their names: %d %d %d readings", len(got.raw[0]), len(got.raw[1]), len(got.raw[2]))
	}
	if d := db2.Disk(); d.Orphans == 0 {
		t.Fatalf("records of the removed name B were not counted: %+v", d)
	}
}

// TestCrashBetweenFiles: a crash after the segments were written but
// before the heads snapshot was replaced leaves the previous snapshot
// beside newer blocks; Open must hold each reading once, in order, and at
// least everything of the older checkpoint.
func TestCrashBetweenFiles(t *testing.T) {
	dir := t.TempDir()
	const series = 4
	o := Options{Series: series, Name: names(series), Dir: dir, BlockSize: 32}
	db, _ := Open(o)
	r := rand.New(rand.NewPCG(5, 6))
	fill(t, db, series, 0, 50, r)
	if err := db.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	atA := snap(t, db, series)
	oldHeads, err := os.ReadFile(filepath.Join(dir, headsFile))
	if err != nil {
		t.Fatal(err)
	}
	fill(t, db, series, 50, 100, r) // seals more blocks
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	all := snap(t, db, series)
	if err := os.WriteFile(filepath.Join(dir, headsFile), oldHeads, 0o644); err != nil {
		t.Fatal(err)
	}
	db2, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	got := snap(t, db2, series)
	for i := range series {
		g := got.raw[i]
		if len(g) < len(atA.raw[i]) || !slices.Equal(g, all.raw[i][:len(g)]) {
			t.Fatalf("series %d: %d readings, not a prefix of the %d written holding the %d of the older checkpoint", i, len(g), len(all.raw[i]), len(atA.raw[i]))
		}
		h, _ := db2.Rollup(int32(i), Hour, math.MinInt64, math.MaxInt64)
		var n int64
		for _, a := range h {
			n += a.Count
		}
		if n != int64(len(g)) {
			t.Fatalf("series %d: hourly rollups count %d readings, %d are held", i, n, len(g))
		}
	}
}

// TestTornTail: a record cut off by a crash at the end of the last
// segment is dropped; one in the middle of the data is an error.
func TestTornTail(t *testing.T) {
	dir := t.TempDir()
	o := Options{Series: 2, Name: names(2), Dir: dir, BlockSize: 16}
	db, _ := Open(o)
	fill(t, db, 2, 0, 40, rand.New(rand.NewPCG(7, 8)))
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	seg := filepath.Join(dir, blockPrefix+"000001"+segSuffix)
	st, err := os.Stat(seg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(seg, st.Size()-5); err != nil {
		t.Fatal(err)
	}
	db2, err := Open(o)
	if err != nil {
		t.Fatalf("a torn last record: %v", err)
	}
	got, _ := db2.Range(1, math.MinInt64, math.MaxInt64)
	if len(got) == 0 || len(got) >= 40 {
		t.Fatalf("series 1 holds %d readings after losing its last block's record", len(got))
	}
	db2.Close()
	// A segment created but never written (a crash right after): dropped,
	// and opening again later still works.
	empty := filepath.Join(dir, blockPrefix+"000005"+segSuffix)
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		db3, err := Open(o)
		if err != nil {
			t.Fatalf("an empty last segment: %v", err)
		}
		db3.Append(0, t0+int64(time.Hour)*100, 1)
		if err := db3.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(empty); err == nil {
		t.Fatal("the empty segment was kept")
	}
	// A flipped byte in a segment that is not the last one.
	if err := os.WriteFile(filepath.Join(dir, blockPrefix+"000009"+segSuffix), []byte(blockMagic), 0o644); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(seg)
	b[len(blockMagic)+recordHeader+2] ^= 0xff
	os.WriteFile(seg, b, 0o644)
	if _, err := Open(o); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("corrupt record in an older segment: %v, want ErrCorrupt", err)
	}
}

// TestRetentionPersisted: expired blocks' segments are deleted once their
// hourly rollups are on disk, and after reopening the hourly rollups cover
// the whole span (the expired part from disk, the rest rebuilt).
func TestRetentionPersisted(t *testing.T) {
	dir := t.TempDir()
	o := Options{Series: 2, Name: names(2), Dir: dir, BlockSize: 60, SegmentBytes: 256, Retain: 3 * time.Hour}
	db, _ := Open(o)
	r := rand.New(rand.NewPCG(9, 10))
	fill(t, db, 2, 0, 10*60, r) // 10 hours
	if err := db.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	before := db.Disk()
	now := time.Unix(0, t0+10*int64(time.Hour))
	db.Expire(now)
	if err := db.Checkpoint(); err != nil {
		t.Fatal(err)
	}
	after := db.Disk()
	if after.Blocks >= before.Blocks || after.Hours == 0 {
		t.Fatalf("expired segments not deleted or hours not written: before %+v, after %+v", before, after)
	}
	want := snap(t, db, 2)
	if len(want.hours[0]) != 10 {
		t.Fatalf("%d hourly rollups before reopening, want 10", len(want.hours[0]))
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db2, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	db2.Expire(now) // Run does this on its first tick
	sameSnap(t, snap(t, db2, 2), want)
}

// TestPersistedBytesPerReading: what Checkpoint writes for regular series
// (1-minute readings, 1 cm steps), the goal being at most 2 bytes per
// reading, files and headers included.
func TestPersistedBytesPerReading(t *testing.T) {
	dir := t.TempDir()
	const series, k = 100, 5000
	db, _ := Open(Options{Series: series, Name: names(series), Dir: dir})
	for j := range k {
		for i := range series {
			db.Append(int32(i), t0+int64(j)*int64(time.Minute), float64(2000+(j*7+i)/13%50)/100)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	var files int64
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		fi, _ := e.Info()
		files += fi.Size()
	}
	bpr := float64(files) / float64(series*k)
	t.Logf("%d readings of %d series: %d bytes on disk, %.3f bytes/reading", series*k, series, files, bpr)
	if bpr > 2 {
		t.Errorf("%.3f bytes per reading on disk, want ≤ 2", bpr)
	}
}

func FuzzOpenHeads(f *testing.F) {
	f.Add([]byte(headsMagic + "\x05\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, headsFile), b, 0o644)
		os.WriteFile(filepath.Join(dir, blockPrefix+"000001"+segSuffix), b, 0o644)
		db, err := Open(Options{Series: 2, Name: names(2), Dir: dir})
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error not wrapping ErrCorrupt: %v", err)
			}
			return
		}
		db.Range(0, math.MinInt64, math.MaxInt64)
	})
}
