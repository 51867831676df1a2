package tsdb

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ErrCorrupt is wrapped by errors about files under Options.Dir that
// cannot be read back (a torn last record is not one: it is cut off).
var ErrCorrupt = errors.New("tsdb: corrupt data file")

// DefaultSegmentBytes is Options.SegmentBytes when zero.
const DefaultSegmentBytes = 64 << 20

// File names under Options.Dir.
const (
	blockPrefix  = "blocks-"
	hourPrefix   = "hours-"
	segSuffix    = ".seg"
	headsFile    = "heads.snap"
	blockMagic   = "YWTSBLK1"
	hourMagic    = "YWTSHRS1"
	headsMagic   = "YWTSHED1"
	maxRecord    = 64 << 20
	recordHeader = 8 // u32 length, u32 CRC-32C of the payload
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// persist is the on-disk side of a DB (nil when Options.Dir is empty).
type persist struct {
	dir   string
	name  func(i int32) string
	index map[string]int32
	// pending are records made since the last Checkpoint (guarded by
	// DB.pmu): sealed blocks, and hour rollups whose raw readings expired.
	pendBlocks []pendBlock
	pendHours  []pendHours
	// Guarded by the single Checkpoint caller (DB.cmu).
	blocks, hours segmentLog
	rawCutoff     int64 // blocks with maxT below it expired (Expire)
	hourCutoff    int64 // hour buckets ending at or below it expired
	headBytes     int64 // size of the last heads snapshot
	orphans       int   // records of names no series has, skipped by Open
}

type pendBlock struct {
	series int32
	b      block
}

type pendHours struct {
	series int32
	aggs   []Agg
}

// segmentLog is an append-only sequence of segment files of one kind.
type segmentLog struct {
	dir, prefix, magic string
	max                int64
	segs               []segment // oldest first; the last is written to
	f                  *os.File
	w                  *bufio.Writer
}

type segment struct {
	seq  int
	size int64
	maxT int64 // newest time a record in it covers
}

func (l *segmentLog) name(seq int) string {
	return filepath.Join(l.dir, fmt.Sprintf("%s%06d%s", l.prefix, seq, segSuffix))
}

// append writes one record, starting a new segment when the current one
// is full; maxT is the newest time the record covers.
func (l *segmentLog) append(payload []byte, maxT int64) error {
	if l.f == nil || l.segs[len(l.segs)-1].size >= l.max {
		if err := l.rotate(); err != nil {
			return err
		}
	}
	var h [recordHeader]byte
	binary.LittleEndian.PutUint32(h[:4], uint32(len(payload)))
	binary.LittleEndian.PutUint32(h[4:], crc32.Checksum(payload, castagnoli))
	if _, err := l.w.Write(h[:]); err != nil {
		return err
	}
	if _, err := l.w.Write(payload); err != nil {
		return err
	}
	s := &l.segs[len(l.segs)-1]
	s.size += int64(recordHeader + len(payload))
	s.maxT = max(s.maxT, maxT)
	return nil
}

func (l *segmentLog) rotate() error {
	if err := l.sync(); err != nil {
		return err
	}
	if l.f != nil {
		if err := l.f.Close(); err != nil {
			return err
		}
	}
	seq := 1
	if n := len(l.segs); n > 0 {
		seq = l.segs[n-1].seq + 1
	}
	f, err := os.OpenFile(l.name(seq), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	l.f, l.w = f, bufio.NewWriterSize(f, 256<<10)
	l.segs = append(l.segs, segment{seq: seq, size: int64(len(l.magic)), maxT: math.MinInt64})
	if _, err := l.w.WriteString(l.magic); err != nil {
		return err
	}
	return syncDir(l.dir)
}

// sync flushes and fsyncs the segment being written.
func (l *segmentLog) sync() error {
	if l.f == nil {
		return nil
	}
	if err := l.w.Flush(); err != nil {
		return err
	}
	return l.f.Sync()
}

// dropBefore deletes the segments (not the one written to) whose every
// record is older than cutoff.
func (l *segmentLog) dropBefore(cutoff int64) error {
	for len(l.segs) > 1 && l.segs[0].maxT < cutoff {
		if err := os.Remove(l.name(l.segs[0].seq)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		l.segs = l.segs[1:]
	}
	return nil
}

func (l *segmentLog) close() error {
	err := l.sync()
	if l.f != nil {
		if cerr := l.f.Close(); err == nil {
			err = cerr
		}
		l.f = nil
	}
	return err
}

func (l *segmentLog) bytes() int64 {
	var n int64
	for _, s := range l.segs {
		n += s.size
	}
	return n
}

// load reads every segment in order and calls rec with each record's
// payload. A torn or corrupt tail of the last segment is cut off (the
// crash happened while it was written); anywhere else it is ErrCorrupt.
// Writing continues in a new segment.
func (l *segmentLog) load(rec func(payload []byte) (maxT int64, err error)) error {
	ents, err := os.ReadDir(l.dir)
	if err != nil {
		return err
	}
	var seqs []int
	for _, e := range ents {
		n := e.Name()
		if !strings.HasPrefix(n, l.prefix) || !strings.HasSuffix(n, segSuffix) {
			continue
		}
		seq, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(n, l.prefix), segSuffix))
		if err != nil {
			continue
		}
		seqs = append(seqs, seq)
	}
	sort.Ints(seqs)
	for k, seq := range seqs {
		last := k == len(seqs)-1
		s := segment{seq: seq, maxT: math.MinInt64}
		good, err := readSegment(l.name(seq), l.magic, func(p []byte) error {
			t, err := rec(p)
			s.maxT = max(s.maxT, t)
			return err
		})
		if err != nil && (!last || !errors.Is(err, errTorn)) {
			return fmt.Errorf("%s: %w", l.name(seq), err)
		}
		if err != nil && good < int64(len(l.magic)) {
			// Created, never written: as if it had not been.
			if err := os.Remove(l.name(seq)); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			if err := os.Truncate(l.name(seq), good); err != nil {
				return err
			}
		}
		s.size = good
		l.segs = append(l.segs, s)
	}
	return nil
}

var errTorn = fmt.Errorf("%w: torn record", ErrCorrupt)

// readSegment calls rec with each record of a file and returns the length
// of its well-formed prefix.
func readSegment(name, magic string, rec func([]byte) error) (int64, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 256<<10)
	m := make([]byte, len(magic))
	if _, err := io.ReadFull(r, m); err != nil || string(m) != magic {
		return 0, fmt.Errorf("%w: not a %s file", errTorn, magic)
	}
	pos := int64(len(magic))
	var h [recordHeader]byte
	for {
		if _, err := io.ReadFull(r, h[:]); err == io.EOF {
			return pos, nil
		} else if err != nil {
			return pos, errTorn
		}
		n := binary.LittleEndian.Uint32(h[:4])
		if n > maxRecord {
			return pos, errTorn
		}
		p := make([]byte, n)
		if _, err := io.ReadFull(r, p); err != nil {
			return pos, errTorn
		}
		if crc32.Checksum(p, castagnoli) != binary.LittleEndian.Uint32(h[4:]) {
			return pos, errTorn
		}
		if err := rec(p); err != nil {
			return pos, err
		}
		pos += int64(recordHeader) + int64(n)
	}
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// Record payloads. Every one starts with the series name (u8 length).
func appendName(b []byte, name string) []byte {
	return append(append(b, byte(len(name))), name...)
}

type recReader struct {
	b   []byte
	bad bool
}

func (r *recReader) take(n int) []byte {
	if r.bad || n > len(r.b) || n < 0 {
		r.bad = true
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}
func (r *recReader) u8() int {
	b := r.take(1)
	if b == nil {
		return 0
	}
	return int(b[0])
}
func (r *recReader) u32() uint32 {
	b := r.take(4)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}
func (r *recReader) i64() int64 {
	b := r.take(8)
	if b == nil {
		return 0
	}
	return int64(binary.LittleEndian.Uint64(b))
}
func (r *recReader) f64() float64 { return math.Float64frombits(uint64(r.i64())) }
func (r *recReader) name() string { return string(r.take(r.u8())) }

func appendI64(b []byte, v int64) []byte { return binary.LittleEndian.AppendUint64(b, uint64(v)) }
func appendF64(b []byte, v float64) []byte {
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(v))
}

// block record: name, minT, maxT, u32 n, data.
func blockRecord(b []byte, name string, bl block) []byte {
	b = appendName(b, name)
	b = appendI64(appendI64(b, bl.minT), bl.maxT)
	b = binary.LittleEndian.AppendUint32(b, uint32(bl.n))
	return append(b, bl.data...)
}

// hours record: name, u32 count, count × (start, min, max, sum, count, last).
func hoursRecord(b []byte, name string, aggs []Agg) []byte {
	b = appendName(b, name)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(aggs)))
	for _, a := range aggs {
		b = appendI64(b, a.Start)
		b = appendF64(appendF64(appendF64(b, a.Min), a.Max), a.Sum)
		b = appendI64(b, a.Count)
		b = appendF64(b, a.Last)
	}
	return b
}

// heads record: name, u32 n, u32 len, head data, then the reorder buffer
// (sorted) encoded as a block: u32 n, u32 len, data.
func headRecord(b []byte, name string, n int, data []byte, buf []Sample) []byte {
	b = appendName(b, name)
	b = binary.LittleEndian.AppendUint32(b, uint32(n))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(data)))
	b = append(b, data...)
	var e encoder
	for _, x := range buf {
		e.add(x.T, x.V)
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(e.n))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(e.w.b)))
	return append(b, e.w.b...)
}

// Open makes a DB like New and, when o.Dir is set, reads back what an
// earlier DB over the same directory persisted (see Checkpoint): the
// sealed blocks, the hourly rollups of expired readings, and the heads and
// reorder buffers of its last checkpoint. Series are matched by name
// (o.Name); records of names no longer present are skipped. Hourly
// rollups over the readings still held are rebuilt from them.
func Open(o Options) (*DB, error) {
	db, err := New(o)
	if err != nil || o.Dir == "" {
		return db, err
	}
	if o.Name == nil {
		return nil, errors.New("tsdb: Options.Name is required with Options.Dir")
	}
	if o.SegmentBytes <= 0 {
		o.SegmentBytes = DefaultSegmentBytes
		db.o.SegmentBytes = o.SegmentBytes
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("tsdb: %w", err)
	}
	ps := &persist{dir: o.Dir, name: o.Name, index: make(map[string]int32, o.Series),
		blocks:    segmentLog{dir: o.Dir, prefix: blockPrefix, magic: blockMagic, max: o.SegmentBytes},
		hours:     segmentLog{dir: o.Dir, prefix: hourPrefix, magic: hourMagic, max: o.SegmentBytes},
		rawCutoff: math.MinInt64, hourCutoff: math.MinInt64}
	for i := range int32(o.Series) {
		n := o.Name(i)
		if len(n) > 255 {
			return nil, fmt.Errorf("tsdb: series name %q is longer than 255 bytes", n)
		}
		if n != "" {
			ps.index[n] = i
		}
	}
	db.ps = ps
	logged := make([]int64, len(db.series)) // end of the last logged hour per series
	for i := range logged {
		logged[i] = math.MinInt64
	}
	err = ps.hours.load(func(p []byte) (int64, error) {
		r := recReader{b: p}
		name, k := r.name(), int(r.u32())
		aggs := make([]Agg, 0, min(k, len(p)/48))
		for range k {
			aggs = append(aggs, Agg{Start: r.i64(), Min: r.f64(), Max: r.f64(), Sum: r.f64(), Count: r.i64(), Last: r.f64()})
		}
		if r.bad || len(aggs) == 0 {
			return 0, fmt.Errorf("%w: bad hours record", ErrCorrupt)
		}
		end := aggs[len(aggs)-1].Start + int64(time.Hour)
		i, ok := ps.index[name]
		if !ok {
			ps.orphans++
			return end, nil
		}
		s := &db.series[i]
		for _, a := range aggs {
			if n := len(s.hour); n == 0 || a.Start > s.hour[n-1].Start {
				s.hour = append(s.hour, a)
			}
		}
		logged[i] = max(logged[i], end)
		return end, nil
	})
	if err != nil {
		return nil, fmt.Errorf("tsdb: %w", err)
	}
	err = ps.blocks.load(func(p []byte) (int64, error) {
		r := recReader{b: p}
		name := r.name()
		b := block{minT: r.i64(), maxT: r.i64(), n: int(r.u32())}
		b.data = slices.Clone(r.b)
		if r.bad || b.n < 1 || b.n > 8*len(b.data) || b.minT > b.maxT {
			return 0, fmt.Errorf("%w: bad block record", ErrCorrupt)
		}
		i, ok := ps.index[name]
		if !ok {
			ps.orphans++
			return b.maxT, nil
		}
		s := &db.series[i]
		if s.any && b.minT <= s.last {
			return b.maxT, nil // already held (cannot happen unless a file was copied twice)
		}
		s.blocks = append(s.blocks, b)
		s.last, s.any = b.maxT, true
		return b.maxT, nil
	})
	if err != nil {
		return nil, fmt.Errorf("tsdb: %w", err)
	}
	if err := db.loadHeads(); err != nil {
		return nil, err
	}
	// Hourly rollups of the readings held (those not logged as expired).
	for i := range db.series {
		s := &db.series[i]
		from := logged[i]
		for _, b := range s.blocks {
			if b.maxT < from {
				continue
			}
			d := newDecoder(b.data, b.n)
			for t, v, ok := d.next(); ok; t, v, ok = d.next() {
				if t >= from {
					s.hour = fold(s.hour, Sample{t, v}, int64(time.Hour))
				}
			}
		}
		if s.head.n > 0 {
			d := newDecoder(s.head.w.b, s.head.n)
			for t, v, ok := d.next(); ok; t, v, ok = d.next() {
				if t >= from {
					s.hour = fold(s.hour, Sample{t, v}, int64(time.Hour))
				}
			}
		}
		s.logged = logged[i]
	}
	return db, nil
}

// loadHeads restores each series' head block and reorder buffer from the
// last checkpoint, keeping only readings newer than its sealed blocks (a
// block sealed after that checkpoint holds the older ones).
func (db *DB) loadHeads() error {
	name := filepath.Join(db.ps.dir, headsFile)
	st, err := os.Stat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("tsdb: %w", err)
	}
	_, err = readSegment(name, headsMagic, func(p []byte) error {
		r := recReader{b: p}
		nm, n := r.name(), int(r.u32())
		data := r.take(int(r.u32()))
		k := int(r.u32())
		bdata := r.take(int(r.u32()))
		if r.bad {
			return fmt.Errorf("%w: bad heads record", ErrCorrupt)
		}
		if n > 8*len(data) || k > 8*len(bdata) { // a sample takes 2 bits or more
			return fmt.Errorf("%w: bad heads record", ErrCorrupt)
		}
		var buf []Sample
		bd := newDecoder(bdata, k)
		for t, v, ok := bd.next(); ok; t, v, ok = bd.next() {
			buf = append(buf, Sample{t, v})
		}
		i, ok := db.ps.index[nm]
		if !ok {
			db.ps.orphans++
			return nil
		}
		s := &db.series[i]
		d := newDecoder(data, n)
		for t, v, ok := d.next(); ok; t, v, ok = d.next() {
			if !s.any || t > s.last {
				db.restore(s, Sample{t, v})
			}
		}
		for _, x := range buf {
			if (!s.any || x.T > s.last) && (len(s.buf) == 0 || x.T > s.buf[len(s.buf)-1].T) {
				s.buf = append(s.buf, x)
			}
		}
		return nil
	})
	if err != nil {
		// The snapshot is replaced whole (rename): any damage is real.
		return fmt.Errorf("tsdb: %s: %w", name, err)
	}
	db.ps.headBytes = st.Size()
	return nil
}

// restore puts an in-order reading back into the head block (sealing it
// when full, as flush does, but without rollups: Open rebuilds those).
func (db *DB) restore(s *series, x Sample) {
	if s.head.n == 0 {
		s.minT = x.T
	}
	s.head.add(x.T, x.V)
	s.last, s.any = x.T, true
	if s.head.n >= db.o.BlockSize {
		s.blocks = append(s.blocks, block{minT: s.minT, maxT: s.head.t, n: s.head.n, data: slices.Clip(slices.Clone(s.head.w.b))})
		s.head = encoder{}
	}
}

// Checkpoint makes what the DB holds survive a restart (Open over the same
// Dir): it appends the blocks sealed and the hourly rollups expired since
// the last checkpoint to the segment files and fsyncs them, writes every
// series' head block and reorder buffer to a new snapshot file that
// replaces the last one atomically, and deletes segments older than the
// retention. Readings that arrive after a checkpoint are lost if the
// process dies before the next one. It is a no-op without Options.Dir;
// calls are serialised.
func (db *DB) Checkpoint() error {
	if db.ps == nil {
		return nil
	}
	db.cmu.Lock()
	defer db.cmu.Unlock()
	ps := db.ps
	// Heads first: a block sealed after its head was copied is written
	// below too, and Open drops the head's readings it holds.
	var heads []byte
	heads = append(heads, headsMagic...)
	var rec []byte
	for i := range db.series {
		s := &db.series[i]
		s.mu.Lock()
		name := ps.name(int32(i))
		if s.head.n == 0 && len(s.buf) == 0 || name == "" || len(name) > 255 {
			s.mu.Unlock()
			continue
		}
		rec = headRecord(rec[:0], name, s.head.n, s.head.w.b, s.buf)
		s.mu.Unlock()
		heads = binary.LittleEndian.AppendUint32(heads, uint32(len(rec)))
		heads = binary.LittleEndian.AppendUint32(heads, crc32.Checksum(rec, castagnoli))
		heads = append(heads, rec...)
	}
	db.pmu.Lock()
	blocks, hours := ps.pendBlocks, ps.pendHours
	ps.pendBlocks, ps.pendHours = nil, nil
	rawCut, hourCut := ps.rawCutoff, ps.hourCutoff
	db.pmu.Unlock()
	for _, h := range hours {
		name := ps.name(h.series)
		if name == "" || len(name) > 255 {
			continue
		}
		rec = hoursRecord(rec[:0], name, h.aggs)
		if err := ps.hours.append(rec, h.aggs[len(h.aggs)-1].Start+int64(time.Hour)); err != nil {
			return db.requeue(blocks, hours, fmt.Errorf("tsdb: writing hourly rollups: %w", err))
		}
	}
	for _, b := range blocks {
		name := ps.name(b.series)
		if name == "" || len(name) > 255 {
			continue
		}
		rec = blockRecord(rec[:0], name, b.b)
		if err := ps.blocks.append(rec, b.b.maxT); err != nil {
			return db.requeue(blocks, hours, fmt.Errorf("tsdb: writing blocks: %w", err))
		}
	}
	if err := errors.Join(ps.hours.sync(), ps.blocks.sync()); err != nil {
		return db.requeue(blocks, hours, fmt.Errorf("tsdb: syncing segments: %w", err))
	}
	if err := writeAtomic(filepath.Join(ps.dir, headsFile), heads); err != nil {
		return fmt.Errorf("tsdb: writing the heads snapshot: %w", err)
	}
	ps.headBytes = int64(len(heads))
	// Rollups of expired readings are on disk: their blocks may go.
	if err := errors.Join(ps.blocks.dropBefore(rawCut), ps.hours.dropBefore(hourCut)); err != nil {
		return fmt.Errorf("tsdb: deleting expired segments: %w", err)
	}
	return nil
}

// requeue puts records that could not be written back in front of the
// pending ones; the segment written to is abandoned (a later checkpoint
// starts a new one; Open cuts a torn tail).
func (db *DB) requeue(blocks []pendBlock, hours []pendHours, err error) error {
	db.pmu.Lock()
	db.ps.pendBlocks = append(blocks, db.ps.pendBlocks...)
	db.ps.pendHours = append(hours, db.ps.pendHours...)
	db.pmu.Unlock()
	for _, l := range []*segmentLog{&db.ps.blocks, &db.ps.hours} {
		if l.f != nil {
			l.f.Close()
			l.f = nil
		}
	}
	return err
}

func writeAtomic(name string, data []byte) error {
	tmp := name + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, name); err != nil {
		return err
	}
	return syncDir(filepath.Dir(name))
}

// Close checkpoints and closes the files. The DB must not be used after.
func (db *DB) Close() error {
	if db.ps == nil {
		return nil
	}
	err := db.Checkpoint()
	db.cmu.Lock()
	defer db.cmu.Unlock()
	return errors.Join(err, db.ps.blocks.close(), db.ps.hours.close())
}

// Disk is what the DB keeps under Options.Dir.
type Disk struct {
	// Blocks and Hours are the bytes of the segment files, Heads of the
	// last heads snapshot.
	Blocks, Hours, Heads int64
	// Orphans counts records of series no longer present, skipped by Open.
	Orphans int
}

// Disk measures the files (as of the last Checkpoint).
func (db *DB) Disk() Disk {
	if db.ps == nil {
		return Disk{}
	}
	db.cmu.Lock()
	defer db.cmu.Unlock()
	return Disk{Blocks: db.ps.blocks.bytes(), Hours: db.ps.hours.bytes(), Heads: db.ps.headBytes, Orphans: db.ps.orphans}
}
