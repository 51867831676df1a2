package tsdb

import (
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

var t0 = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC).UnixNano()

func TestAppendRangeRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		gen  func(k int, r *rand.Rand) (int64, float64)
	}{
		{"regular constant", func(k int, _ *rand.Rand) (int64, float64) { return t0 + int64(k)*int64(time.Minute), 3 }},
		{"regular walk", func(k int, r *rand.Rand) (int64, float64) {
			return t0 + int64(k)*int64(time.Minute), math.Round(100*(20+math.Sin(float64(k)/50))) / 100
		}},
		{"jittered noisy", func(k int, r *rand.Rand) (int64, float64) {
			return t0 + int64(k)*int64(10*time.Second) + r.Int64N(int64(time.Second)), r.NormFloat64() * 1e6
		}},
		{"extremes", func(k int, r *rand.Rand) (int64, float64) {
			vals := []float64{0, math.Copysign(0, -1), math.MaxFloat64, -math.SmallestNonzeroFloat64, 1}
			return t0 + int64(k)*int64(time.Hour) + int64(k%3)*int64(time.Minute), vals[k%len(vals)]
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db, _ := New(Options{Series: 1, BlockSize: 100})
			r := rand.New(rand.NewPCG(1, 2))
			var want []Sample
			for k := range 1000 {
				ts, v := tc.gen(k, r)
				if err := db.Append(0, ts, v); err != nil {
					t.Fatal(err)
				}
				want = append(want, Sample{ts, v})
			}
			got, _ := db.Range(0, math.MinInt64, math.MaxInt64)
			if len(got) != len(want) {
				t.Fatalf("got %d samples, want %d", len(got), len(want))
			}
			for k := range want {
				if got[k].T != want[k].T || math.Float64bits(got[k].V) != math.Float64bits(want[k].V) {
					t.Fatalf("sample %d: got %+v, want %+v", k, got[k], want[k])
				}
			}
			sub, _ := db.Range(0, want[100].T, want[200].T)
			if len(sub) != 100 || sub[0] != want[100] {
				t.Fatalf("sub-range: %d samples", len(sub))
			}
			if l, ok := db.Latest(0); !ok || l != want[len(want)-1] {
				t.Fatalf("latest %+v", l)
			}
		})
	}
}

func TestOutOfOrderAndDuplicates(t *testing.T) {
	db, _ := New(Options{Series: 1, Reorder: 3, BlockSize: 4})
	m := int64(time.Minute)
	steps := []struct {
		t    int64
		v    float64
		want error
	}{
		{t0 + 2*m, 2, nil},
		{t0 + 1*m, 1, nil}, // out of order, within the window: kept
		{t0 + 2*m, 9, ErrDuplicate},
		{t0 + 3*m, 3, nil},
		{t0 + 4*m, 4, nil}, // buffer full: t0+1m leaves it
		{t0 + 1*m, 9, ErrDuplicate},
		{t0, 0, ErrTooLate},
		{t0 + 5*m, 5, nil},
		{t0 + 7*m, 7, nil},
		{t0 + 6*m, 6, nil},
	}
	for k, s := range steps {
		if err := db.Append(0, s.t, s.v); !errors.Is(err, s.want) {
			t.Fatalf("step %d: %v, want %v", k, err, s.want)
		}
	}
	got, _ := db.Range(0, 0, math.MaxInt64)
	for k, s := range got {
		if s.T != t0+int64(k+1)*m || s.V != float64(k+1) {
			t.Fatalf("got %+v", got)
		}
	}
	if len(got) != 7 {
		t.Fatalf("got %d", len(got))
	}
	if d, l := db.Counts(); d != 2 || l != 1 {
		t.Fatalf("counts %d %d", d, l)
	}
	if _, err := db.Range(5, 0, 1); !errors.Is(err, ErrNoSeries) {
		t.Fatal(err)
	}
}

func TestRollupsAndRetention(t *testing.T) {
	db, _ := New(Options{Series: 1, BlockSize: 50, Retain: 2 * time.Hour, RetainHour: 24 * time.Hour})
	r := rand.New(rand.NewPCG(3, 4))
	var all []Sample
	for k := range 5 * 360 { // 5 hours at 10 s
		s := Sample{t0 + int64(k)*int64(10*time.Second), float64(r.IntN(100))}
		all = append(all, s)
		db.Append(0, s.T, s.V)
	}
	for _, res := range []Resolution{Minute, Hour} {
		aggs, err := db.Rollup(0, res, 0, math.MaxInt64)
		if err != nil {
			t.Fatal(err)
		}
		w := int64(res)
		if want := int(5 * int64(time.Hour) / w); len(aggs) != want {
			t.Fatalf("%v: %d buckets, want %d", time.Duration(res), len(aggs), want)
		}
		for _, a := range aggs {
			var want Agg
			for _, s := range all {
				if s.T >= a.Start && s.T < a.Start+w {
					want = fold([]Agg{want}[:min(1, int(want.Count))], s, w)[0]
				}
			}
			if a != want {
				t.Fatalf("bucket %d: got %+v, want %+v", a.Start, a, want)
			}
		}
	}
	if _, err := db.Rollup(0, Resolution(time.Second), 0, 1); err == nil {
		t.Fatal("a 1 s rollup was accepted")
	}
	now := time.Unix(0, all[len(all)-1].T)
	db.Expire(now)
	got, _ := db.Range(0, 0, math.MaxInt64)
	if cut := now.Add(-2 * time.Hour).UnixNano(); got[0].T < cut-int64(50*10*time.Second) || got[0].T > cut {
		t.Fatalf("oldest kept %v, cutoff %v", time.Unix(0, got[0].T), time.Unix(0, cut))
	}
	mins, _ := db.Rollup(0, Minute, 0, math.MaxInt64)
	if mins[0].Start < now.Add(-2*time.Hour-10*time.Minute).UnixNano() {
		t.Fatalf("minute rollups not expired: %v", time.Unix(0, mins[0].Start))
	}
	if hrs, _ := db.Rollup(0, Hour, 0, math.MaxInt64); len(hrs) != 5 {
		t.Fatalf("hour rollups: %d", len(hrs))
	}
}

// TestBytesPerReading records the compressed size of regular series; the
// goal is at most 2 bytes per reading for a sensor reporting on time.
func TestBytesPerReading(t *testing.T) {
	tests := []struct {
		name string
		max  float64
		v    func(k int, r *rand.Rand) float64
	}{
		{"constant", 0.35, func(int, *rand.Rand) float64 { return 1 }},
		{"pump on/off", 0.4, func(k int, _ *rand.Rand) float64 { return float64(k / 60 % 2) }},
		{"water level 1 cm steps", 1, func(k int, _ *rand.Rand) float64 { return float64(2000+k/30%50) / 100 }},
		{"noisy 2-decimal", 3, func(_ int, r *rand.Rand) float64 { return math.Round(r.Float64()*1000) / 100 }},
		{"noisy full-precision (XOR)", 9, func(_ int, r *rand.Rand) float64 { return r.Float64() * 10 }},
	}
	for _, tc := range tests {
		db, _ := New(Options{Series: 1})
		r := rand.New(rand.NewPCG(5, 6))
		for k := range 100_000 {
			db.Append(0, t0+int64(k)*int64(time.Minute), tc.v(k, r))
		}
		z := db.Size()
		bpr := float64(z.Bytes+z.Overhead) / float64(z.Readings)
		t.Logf("%-24s %.3f bytes/reading", tc.name, bpr)
		if bpr > tc.max {
			t.Errorf("%s: %.3f bytes per reading, want ≤ %v", tc.name, bpr, tc.max)
		}
	}
}

func FuzzEncodeDecode(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
	// 0 then -0, then 0.25 and 0.5 (decimal deltas).
	seed := make([]byte, 0, 64)
	for _, v := range []float64{0, math.Copysign(0, -1), 0.25, 0.5} {
		seed = binary.LittleEndian.AppendUint64(seed, uint64(len(seed)))
		seed = binary.LittleEndian.AppendUint64(seed, math.Float64bits(v))
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, in []byte) {
		var e encoder
		var want []Sample
		for len(in) >= 16 {
			s := Sample{int64(binary.LittleEndian.Uint64(in)), math.Float64frombits(binary.LittleEndian.Uint64(in[8:]))}
			in = in[16:]
			e.add(s.T, s.V)
			want = append(want, s)
		}
		d := newDecoder(e.w.b, e.n)
		for k := range want {
			ts, v, ok := d.next()
			if !ok || ts != want[k].T || math.Float64bits(v) != math.Float64bits(want[k].V) {
				t.Fatalf("sample %d: %d %v, want %+v", k, ts, v, want[k])
			}
		}
	})
}

// BenchmarkAppend appends a regular series and compares with appending to a
// plain slice of samples (the uncompressed baseline).
func BenchmarkAppend(b *testing.B) {
	db, _ := New(Options{Series: 1000})
	var n int64
	start := time.Now()
	for b.Loop() {
		db.Append(int32(n%1000), t0+(n/1000)*int64(time.Minute), float64(n%7))
		n++
	}
	ours := time.Since(start)
	plain := make([][]Sample, 1000)
	start = time.Now()
	for k := range n {
		plain[k%1000] = append(plain[k%1000], Sample{t0 + (k/1000)*int64(time.Minute), float64(k % 7)})
	}
	b.ReportMetric(float64(ours)/float64(time.Since(start)), "tsdb/slice")
	z := db.Size()
	b.ReportMetric(float64(z.Bytes+z.Overhead)/float64(max(1, z.Readings)), "bytes/reading")
}
