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
	dec      decimal
}

// decimal tracks whether values are exact decimals with d digits (d ≤ 4),
// as integers v·10^d. Encoder and decoder update it from the same decoded
// values, so it costs no bits: the scale only grows, when a value needs
// more digits.
type decimal struct {
	d    int8 // digits; -1 before the first value
	p    float64
	prev int64
	ok   bool // prev is valid (the previous value was decimal at d)
}

var pow10 = [...]float64{1, 10, 100, 1000, 10000}

// asDecimal returns v·p as an integer when that is exact.
func asDecimal(v, p float64) (int64, bool) {
	r := math.Round(v * p)
	if !(math.Abs(r) < 1<<52) {
		return 0, false
	}
	// Check what the decoder will compute (this also refuses -0).
	i := int64(r)
	if math.Float64bits(float64(i)/p) != math.Float64bits(v) {
		return 0, false
	}
	return i, true
}

// observe updates the state with a value that was just coded.
func (s *decimal) observe(v float64) {
	if s.d >= 0 {
		if r, ok := asDecimal(v, s.p); ok {
			s.prev, s.ok = r, true
			return
		}
	}
	for d := s.d + 1; d < int8(len(pow10)); d++ {
		if r, ok := asDecimal(v, pow10[d]); ok {
			s.d, s.p, s.prev, s.ok = d, pow10[d], r, true
			return
		}
	}
	s.ok = false
}

// Decimal delta buckets: prefix after "10", value bits.
var decBuckets = [...]struct {
	prefix, plen, bits uint8
}{{0b0, 1, 7}, {0b10, 2, 14}, {0b11, 2, 32}}

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
		e.dec = decimal{d: -1}
		e.dec.observe(v)
		return
	}
	delta := t - e.t
	dod := delta - e.delta
	e.writeDod(dod)
	e.t, e.delta = t, delta
	e.writeValue(v, vb)
	e.dec.observe(v)
	e.n++
}

// writeValue writes '0' for a repeated value, '10' and a bucketed delta for
// a decimal value after a decimal one, else '11' and the XOR.
func (e *encoder) writeValue(v float64, vb uint64) {
	if vb == e.v {
		e.w.bit(false)
		return
	}
	if e.dec.ok {
		if r, ok := asDecimal(v, e.dec.p); ok {
			d := r - e.dec.prev
			for _, b := range decBuckets {
				lim := int64(1) << (b.bits - 1)
				if d >= -lim && d < lim {
					e.w.write(0b10, 2)
					e.w.write(uint64(b.prefix), b.plen)
					e.w.write(uint64(d), b.bits)
					e.v = vb
					return
				}
			}
		}
	}
	e.w.write(0b11, 2)
	e.writeXor(vb)
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
	x := vb ^ e.v // never 0: a repeated value is written as '0'
	e.v = vb
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
	dec      decimal
}

func newDecoder(b []byte, n int) decoder { return decoder{r: bitReader{b: b}, left: n} }

func (d *decoder) next() (int64, float64, bool) {
	if d.i >= d.left {
		return 0, 0, false
	}
	if d.i == 0 {
		d.t = int64(d.r.read(64))
		d.v = d.r.read(64)
		d.dec = decimal{d: -1}
		d.dec.observe(math.Float64frombits(d.v))
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
	switch {
	case !d.r.bit():
		// repeated value
	case !d.r.bit():
		var delta int64
		switch {
		case !d.r.bit():
			delta = signExtend(d.r.read(7), 7)
		case !d.r.bit():
			delta = signExtend(d.r.read(14), 14)
		default:
			delta = signExtend(d.r.read(32), 32)
		}
		d.v = math.Float64bits(float64(d.dec.prev+delta) / d.dec.p)
	default:
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
	v := math.Float64frombits(d.v)
	d.dec.observe(v)
	d.i++
	return d.t, v, true
}

func signExtend(v uint64, n uint8) int64 {
	shift := 64 - n
	return int64(v<<shift) >> shift
}
