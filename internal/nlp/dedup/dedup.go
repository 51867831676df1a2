package dedup

import (
	"math/bits"
	"slices"
	"sync"
	"time"

	"yiwang/internal/nlp/text"
)

// FingerprintRunes bounds how much of a message the fingerprint reads: the
// first FingerprintRunes runes of its normalised text.
const FingerprintRunes = 256

// Fingerprint returns the 64-bit SimHash of text's character 2- and
// 3-grams, each weighted 1. Texts with no such gram (empty, only
// punctuation, one character) get 0.
func Fingerprint(s string) uint64 {
	norm := text.AppendNormalized(make([]rune, 0, min(len(s), 4*FingerprintRunes)), s)
	if len(norm) > FingerprintRunes {
		norm = norm[:FingerprintRunes]
	}
	var acc [64]int32
	n := 0
	text.Grams(norm, func(h uint64, start, end int) {
		if end-start < 2 {
			return
		}
		n++
		h = mix(h)
		for b := range 64 {
			acc[b] += int32(h>>b&1)*2 - 1
		}
	})
	if n == 0 {
		return 0
	}
	var fp uint64
	for b, v := range acc {
		if v > 0 {
			fp |= 1 << b
		}
	}
	return fp
}

// mix is the splitmix64 finaliser: it spreads FNV's bits evenly.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	return x ^ x>>31
}

// Options configure an Index. Zero fields take the defaults named.
type Options struct {
	// MaxDistance is the largest Hamming distance between fingerprints that
	// counts as a duplicate (default 10, at most 15). Unrelated messages lie
	// about 27 apart; an edit of a few words moves a short message by 5–10.
	MaxDistance int
	// Window is how far apart in time two duplicates may be (default 30
	// days).
	Window time.Duration
}

// Match is an indexed message similar to a query.
type Match struct {
	ID string `json:"id"`
	// Score is 1 − distance/64: 1 for identical fingerprints.
	Score    float64 `json:"score"`
	Distance int     `json:"distance"`
}

type item struct {
	id   string
	fp   uint64
	area string
	t    int64 // Unix seconds
}

// Index finds near-duplicate messages. It is safe for concurrent use.
type Index struct {
	maxDist int
	window  int64
	blocks  []block
	mu      sync.RWMutex
	items   []item
	buckets [][][]entry // [block][block value] → items, fingerprint inline so a scan reads one array
}

// entry is an item in a bucket.
type entry struct {
	fp  uint64
	pos int32
}

// block is one slice of the fingerprint's bits.
type block struct {
	shift, width uint
}

// New returns an empty index.
func New(o Options) *Index {
	if o.MaxDistance <= 0 {
		o.MaxDistance = 10
	}
	o.MaxDistance = min(o.MaxDistance, 15)
	if o.Window <= 0 {
		o.Window = 30 * 24 * time.Hour
	}
	ix := &Index{maxDist: o.MaxDistance, window: int64(o.Window / time.Second)}
	k := uint(o.MaxDistance + 1)
	var shift uint
	for i := range k {
		w := 64 / k
		if i < 64%k {
			w++
		}
		ix.blocks = append(ix.blocks, block{shift, w})
		ix.buckets = append(ix.buckets, make([][]entry, 1<<w))
		shift += w
	}
	return ix
}

func (b block) of(fp uint64) uint64 { return fp >> b.shift & (1<<b.width - 1) }

// Add indexes a message under id. area may be empty (matches any area).
func (ix *Index) Add(id, s, area string, t time.Time) {
	ix.AddFingerprint(id, Fingerprint(s), area, t)
}

// AddFingerprint indexes a precomputed fingerprint.
func (ix *Index) AddFingerprint(id string, fp uint64, area string, t time.Time) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	pos := int32(len(ix.items))
	ix.items = append(ix.items, item{id: id, fp: fp, area: area, t: t.Unix()})
	if fp == 0 { // no grams: never similar to anything
		return
	}
	for i, b := range ix.blocks {
		v := b.of(fp)
		ix.buckets[i][v] = append(ix.buckets[i][v], entry{fp, pos})
	}
}

// Len returns the number of indexed messages.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.items)
}

// Similar returns the indexed messages whose fingerprint is within
// MaxDistance of s's, in the same area (when both have one) and within the
// time window of t, most similar first. Texts without grams match nothing.
func (ix *Index) Similar(s, area string, t time.Time) []Match {
	fp := Fingerprint(s)
	if fp == 0 {
		return nil
	}
	return ix.SimilarFingerprint(fp, area, t)
}

// SimilarFingerprint is Similar for a precomputed fingerprint.
func (ix *Index) SimilarFingerprint(fp uint64, area string, t time.Time) []Match {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	now := t.Unix()
	var out []Match
	var seen []int32
	for i, b := range ix.blocks {
		for _, e := range ix.buckets[i][b.of(fp)] {
			d := bits.OnesCount64(e.fp ^ fp)
			if d > ix.maxDist {
				continue
			}
			pos := e.pos
			it := &ix.items[pos]
			if it.t < now-ix.window || it.t > now+ix.window ||
				area != "" && it.area != "" && area != it.area {
				continue
			}
			if slices.Contains(seen, pos) {
				continue
			}
			seen = append(seen, pos)
			out = append(out, Match{ID: it.id, Distance: d, Score: 1 - float64(d)/64})
		}
	}
	slices.SortStableFunc(out, func(a, b Match) int { return a.Distance - b.Distance })
	return out
}
