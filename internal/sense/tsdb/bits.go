package tsdb

import (
	"math"
	"math/bits"
)

// bitWriter appends bits to a byte slice, most significant bit first.
type bitWriter struct {
	b    []byte
	free uint8 // unused low bits in the last byte
}

func (w *bitWriter) bit(on bool) {
	if w.free == 0 {
		w.b = append(w.b, 0)
		w.free = 8
	}
	w.free--
	if on {
		w.b[len(w.b)-1] |= 1 << w.free
	}
}

// write appends the low n bits of v (n ≤ 64).
func (w *bitWriter) write(v uint64, n uint8) {
	for n > 0 {
		if w.free == 0 {
			w.b = append(w.b, 0)
			w.free = 8
		}
		k := min(n, w.free)
		n -= k
		w.free -= k
		chunk := (v >> n) & (1<<k - 1)
		w.b[len(w.b)-1] |= byte(chunk << w.free)
	}
}

type bitReader struct {
	b   []byte
	pos uint // bit position
}

func (r *bitReader) bit() bool {
	i := r.pos >> 3
	if i >= uint(len(r.b)) {
		return false
	}
	on := r.b[i]&(0x80>>(r.pos&7)) != 0
	r.pos++
	return on
}

func (r *bitReader) read(n uint8) uint64 {
	var v uint64
	for n > 0 {
		i := r.pos >> 3
		if i >= uint(len(r.b)) {
			return v << n
		}
		avail := 8 - uint8(r.pos&7)
		k := min(n, avail)
		chunk := uint64(r.b[i]>>(avail-k)) & (1<<k - 1)
		v = v<<k | chunk
		n -= k
		r.pos += uint(k)
	}
	return v
}

// encoder compresses one block of in-order samples.
type encoder struct {
	w        bitWriter
	n        int
	t, delta int64
	v        uint64
	lead     uint8
	trail    uint8
	first    int64
}

// Delta-of-delta buckets: prefix, value bits.
var dodBuckets = [...]struct {
	prefix, plen, bits uint8
}{{0b10, 2, 14}, {0b110, 3, 24}, {0b1110, 4, 36}}

func (e *encoder) add(t int64, v float64) {
	vb := math.Float64bits(v)
	if e.n == 0 {
		e.w.write(uint64(t), 64)
		e.w.write(vb, 64)
		e.t, e.v, e.first, e.n = t, vb, t, 1
		e.lead = 0xff
		return
	}
	delta := t - e.t
	dod := delta - e.delta
	e.writeDod(dod)
	e.t, e.delta = t, delta
	e.writeXor(vb)
	e.n++
}

func (e *encoder) writeDod(dod int64) {
	if dod == 0 {
		e.w.bit(false)
		return
	}
	for _, b := range dodBuckets {
		lim := int64(1) << (b.bits - 1)
		if dod >= -lim && dod < lim {
			e.w.write(uint64(b.prefix), b.plen)
			e.w.write(uint64(dod), b.bits)
			return
		}
	}
	e.w.write(0b1111, 4)
	e.w.write(uint64(dod), 64)
}

func (e *encoder) writeXor(vb uint64) {
	x := vb ^ e.v
	e.v = vb
	if x == 0 {
		e.w.bit(false)
		return
	}
	e.w.bit(true)
	lead := uint8(min(bits.LeadingZeros64(x), 31))
	trail := uint8(bits.TrailingZeros64(x))
	if e.lead != 0xff && lead >= e.lead && trail >= e.trail {
		e.w.bit(false)
		e.w.write(x>>e.trail, 64-e.lead-e.trail)
		return
	}
	e.lead, e.trail = lead, trail
	sig := 64 - lead - trail
	e.w.bit(true)
	e.w.write(uint64(lead), 5)
	e.w.write(uint64(sig&63), 6) // 64 is written as 0
	e.w.write(x>>trail, sig)
}

// decoder iterates the samples of a block.
type decoder struct {
	r        bitReader
	left     int
	i        int
	t, delta int64
	v        uint64
	lead     uint8
	trail    uint8
}

func newDecoder(b []byte, n int) decoder { return decoder{r: bitReader{b: b}, left: n} }

func (d *decoder) next() (int64, float64, bool) {
	if d.i >= d.left {
		return 0, 0, false
	}
	if d.i == 0 {
		d.t = int64(d.r.read(64))
		d.v = d.r.read(64)
		d.i++
		return d.t, math.Float64frombits(d.v), true
	}
	var dod int64
	if d.r.bit() {
		switch {
		case !d.r.bit():
			dod = signExtend(d.r.read(14), 14)
		case !d.r.bit():
			dod = signExtend(d.r.read(24), 24)
		case !d.r.bit():
			dod = signExtend(d.r.read(36), 36)
		default:
			dod = int64(d.r.read(64))
		}
	}
	d.delta += dod
	d.t += d.delta
	if d.r.bit() {
		if d.r.bit() {
			d.lead = uint8(d.r.read(5))
			sig := uint8(d.r.read(6))
			if sig == 0 {
				sig = 64
			}
			d.trail = 64 - d.lead - sig
		}
		sig := 64 - d.lead - d.trail
		d.v ^= d.r.read(sig) << d.trail
	}
	d.i++
	return d.t, math.Float64frombits(d.v), true
}

func signExtend(v uint64, n uint8) int64 {
	shift := 64 - n
	return int64(v<<shift) >> shift
}
