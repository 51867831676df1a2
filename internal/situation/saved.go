package situation

import (
	"bytes"
	"compress/flate"
	"container/heap"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"yiwang/internal/cases"
)

// Saved aggregates: the whole state of an Aggregates written out with the
// log position it covers, so that a node starting on a large store loads it
// and catches up from that position instead of folding the whole event log
// again (115 s for a million cases).
//
// Layout: the 8-byte magic "YWSITAG\n", the format version (uint32, big
// endian), the log position covered (int64), the payload length (uint64),
// the payload's SHA-256, then the payload: a gob-encoded savedState,
// deflate-compressed. Anything that does not match exactly — another
// magic or format, a short or long payload, a checksum mismatch, a state
// that does not hold together — is ErrSavedInvalid; the caller rebuilds.

// SavedFormat is the version of the saved layout and state. Change it
// whenever the layout, savedState or what the counters mean changes: saved
// aggregates of another format are ignored and rebuilt.
const SavedFormat = 1

// savedMagic opens every saved aggregates.
const savedMagic = "YWSITAG\n"

// savedHeaderLen is the length of the header before the payload.
const savedHeaderLen = len(savedMagic) + 4 + 8 + 8 + sha256.Size

// maxSavedPayload bounds the payload a header may announce (4 GiB).
const maxSavedPayload = 4 << 30

// ErrSavedInvalid: saved aggregates are corrupt, of another format, or
// not of this event log.
var ErrSavedInvalid = errors.New("situation: saved aggregates unusable")

// savedState is what Save writes: every field of an Aggregates except the
// deadline heap, which Load rebuilds from the cases.
type savedState struct {
	LastPos, Events int64
	// The last applied event, to recognise the log the state came from.
	LastCase string
	LastSeq  int
	LastAt   time.Time
	Mark     time.Time
	Codes    []string
	Areas    []savedArea
	Hours    []savedBucket
	Days     []savedBucket
	Cases    []savedCase
}

type savedArea struct {
	C     counters
	Cats  map[string]counters
	Units map[string]counters
}

type savedBucket struct {
	Area, Idx        int32
	Intake, Resolved int64
}

type savedCase struct {
	ID               string
	Areas            [4]int32
	Cat, Unit        string
	State            cases.State
	OnTime, Overdue  bool
	Rated, Satisfied int64
	Due              time.Time
	Live             *cases.Case
}

// Save writes the aggregates to w in the saved layout and returns the log
// position they cover. Only copying the state holds the lock (events and
// screens wait for that, not for encoding, compressing and writing).
func (a *Aggregates) Save(w io.Writer) (int64, error) {
	var raw bytes.Buffer
	pos, err := a.encode(&raw)
	if err != nil {
		return 0, err
	}
	var payload bytes.Buffer
	zw, err := flate.NewWriter(&payload, flate.BestSpeed)
	if err != nil {
		return 0, fmt.Errorf("situation: save: %w", err)
	}
	if _, err := zw.Write(raw.Bytes()); err != nil {
		return 0, fmt.Errorf("situation: save: %w", err)
	}
	if err := zw.Close(); err != nil {
		return 0, fmt.Errorf("situation: save: %w", err)
	}
	head := make([]byte, 0, savedHeaderLen)
	head = append(head, savedMagic...)
	head = binary.BigEndian.AppendUint32(head, SavedFormat)
	head = binary.BigEndian.AppendUint64(head, uint64(pos))
	head = binary.BigEndian.AppendUint64(head, uint64(payload.Len()))
	sum := sha256.Sum256(payload.Bytes())
	head = append(head, sum[:]...)
	if _, err := w.Write(head); err != nil {
		return 0, fmt.Errorf("situation: save: %w", err)
	}
	if _, err := w.Write(payload.Bytes()); err != nil {
		return 0, fmt.Errorf("situation: save: %w", err)
	}
	return pos, nil
}

// encode gob-encodes the state: it copies it under the lock (the open
// cases' folded state by reference, copied on write until the save ends,
// see Aggregates.saving) and encodes the copy after releasing it.
func (a *Aggregates) encode(w io.Writer) (int64, error) {
	a.saveMu.Lock()
	defer a.saveMu.Unlock()
	st, done := a.stateForSave()
	defer done()
	if err := gob.NewEncoder(w).Encode(st); err != nil {
		return 0, fmt.Errorf("situation: save: %w", err)
	}
	return st.LastPos, nil
}

// stateForSave copies the state under the lock; done ends the save's
// copy on write.
func (a *Aggregates) stateForSave() (st *savedState, done func()) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.saves++
	save := a.saves
	a.saving = save
	st = &savedState{LastPos: a.lastPos, Events: a.events, LastCase: a.lastCase, LastSeq: a.lastSeq,
		LastAt: a.lastAt, Mark: a.mark, Codes: slices.Clone(a.codes), Areas: make([]savedArea, len(a.areas)),
		Cases: make([]savedCase, 0, len(a.recs))}
	for i, ag := range a.areas {
		sa := savedArea{C: ag.counters, Cats: make(map[string]counters, len(ag.cats)), Units: make(map[string]counters, len(ag.units))}
		for k, c := range ag.cats {
			sa.Cats[k] = *c
		}
		for k, c := range ag.units {
			sa.Units[k] = *c
		}
		st.Areas[i] = sa
	}
	buckets := func(m map[bucketKey]*trendCounts) []savedBucket {
		out := make([]savedBucket, 0, len(m))
		for k, t := range m {
			out = append(out, savedBucket{k.area, k.idx, t.Intake, t.Resolved})
		}
		return out
	}
	st.Hours, st.Days = buckets(a.hours), buckets(a.days)
	for id, r := range a.recs {
		if r.live != nil {
			r.liveSave = save
		}
		st.Cases = append(st.Cases, savedCase{ID: id, Areas: r.areas, Cat: r.cat, Unit: r.unit, State: r.state,
			OnTime: r.onTime, Overdue: r.overdue, Rated: r.rated, Satisfied: r.satisfied, Due: r.due, Live: r.live})
	}
	return st, func() {
		a.mu.Lock()
		if a.saving == save {
			a.saving = 0
		}
		a.mu.Unlock()
	}
}

// SavedPos reads the log position saved aggregates cover from their
// header, without decoding them (ErrSavedInvalid when the header is not
// one Save writes).
func SavedPos(b []byte) (int64, error) {
	if len(b) < savedHeaderLen || string(b[:len(savedMagic)]) != savedMagic {
		return 0, fmt.Errorf("%w: not saved aggregates", ErrSavedInvalid)
	}
	if f := binary.BigEndian.Uint32(b[len(savedMagic):]); f != SavedFormat {
		return 0, fmt.Errorf("%w: format %d, this version reads %d", ErrSavedInvalid, f, SavedFormat)
	}
	return int64(binary.BigEndian.Uint64(b[len(savedMagic)+4:])), nil
}

// Load decodes aggregates written by Save. Anything but an intact copy in
// this format is ErrSavedInvalid.
func Load(b []byte) (*Aggregates, error) {
	pos, err := SavedPos(b)
	if err != nil {
		return nil, err
	}
	off := len(savedMagic) + 12
	n := binary.BigEndian.Uint64(b[off:])
	var sum [sha256.Size]byte
	copy(sum[:], b[off+8:])
	payload := b[savedHeaderLen:]
	if n > maxSavedPayload || uint64(len(payload)) != n {
		return nil, fmt.Errorf("%w: payload of %d bytes, header says %d", ErrSavedInvalid, len(payload), n)
	}
	if sha256.Sum256(payload) != sum {
		return nil, fmt.Errorf("%w: checksum mismatch", ErrSavedInvalid)
	}
	var st savedState
	if err := gob.NewDecoder(flate.NewReader(bytes.NewReader(payload))).Decode(&st); err != nil {
		return nil, fmt.Errorf("%w: decoding: %v", ErrSavedInvalid, err)
	}
	if st.LastPos != pos {
		return nil, fmt.Errorf("%w: header covers position %d, state %d", ErrSavedInvalid, pos, st.LastPos)
	}
	return restore(&st)
}

// restore rebuilds an Aggregates from a decoded state, checking that its
// references hold together.
func restore(st *savedState) (*Aggregates, error) {
	if len(st.Codes) == 0 || st.Codes[0] != "" || len(st.Areas) != len(st.Codes) {
		return nil, fmt.Errorf("%w: %d area codes for %d areas", ErrSavedInvalid, len(st.Codes), len(st.Areas))
	}
	a := &Aggregates{recs: make(map[string]*caseRec, len(st.Cases)), areaIDs: make(map[string]int32, len(st.Codes)),
		codes: st.Codes, areas: make([]*areaAgg, len(st.Areas)),
		hours: make(map[bucketKey]*trendCounts, len(st.Hours)), days: make(map[bucketKey]*trendCounts, len(st.Days)),
		mark: st.Mark, lastPos: st.LastPos, events: st.Events, lastCase: st.LastCase, lastSeq: st.LastSeq, lastAt: st.LastAt}
	for i, code := range st.Codes {
		if _, dup := a.areaIDs[code]; dup {
			return nil, fmt.Errorf("%w: area %q twice", ErrSavedInvalid, code)
		}
		a.areaIDs[code] = int32(i)
	}
	for i, sa := range st.Areas {
		ag := &areaAgg{counters: sa.C, cats: make(map[string]*counters, len(sa.Cats)), units: make(map[string]*counters, len(sa.Units))}
		for k, c := range sa.Cats {
			ag.cats[k] = &c
		}
		for k, c := range sa.Units {
			ag.units[k] = &c
		}
		a.areas[i] = ag
	}
	validArea := func(id int32) bool { return id >= 0 && int(id) < len(a.areas) }
	for _, b := range [2]struct {
		from []savedBucket
		to   map[bucketKey]*trendCounts
	}{{st.Hours, a.hours}, {st.Days, a.days}} {
		for _, x := range b.from {
			if !validArea(x.Area) {
				return nil, fmt.Errorf("%w: trend of area %d", ErrSavedInvalid, x.Area)
			}
			b.to[bucketKey{x.Area, x.Idx}] = &trendCounts{x.Intake, x.Resolved}
		}
	}
	for i := range st.Cases {
		sc := &st.Cases[i]
		if _, dup := a.recs[sc.ID]; dup || sc.ID == "" {
			return nil, fmt.Errorf("%w: case %q twice or unnamed", ErrSavedInvalid, sc.ID)
		}
		for _, id := range sc.Areas {
			if id != -1 && !validArea(id) {
				return nil, fmt.Errorf("%w: case %s in area %d", ErrSavedInvalid, sc.ID, id)
			}
		}
		if _, ok := stateIndex[sc.State]; !ok || (sc.Live == nil) != final(sc.State) {
			return nil, fmt.Errorf("%w: case %s in state %q", ErrSavedInvalid, sc.ID, sc.State)
		}
		r := &caseRec{areas: sc.Areas, cat: sc.Cat, unit: sc.Unit, state: sc.State, onTime: sc.OnTime,
			rated: sc.Rated, satisfied: sc.Satisfied, due: sc.Due, overdue: sc.Overdue, live: sc.Live}
		a.recs[sc.ID] = r
		if !r.due.IsZero() && !r.overdue {
			a.due = append(a.due, dueEntry{at: r.due, rec: r, gen: r.gen})
		}
	}
	heap.Init(&a.due)
	return a, nil
}

// Belongs checks that the aggregates were built from log: the event at
// their last position is the one they last applied (same case, sequence
// number and time). A saved copy of another database, or of this one
// before it was replaced, fails with ErrSavedInvalid.
func (a *Aggregates) Belongs(ctx context.Context, log EventLog) error {
	a.mu.Lock()
	pos, id, seq, at := a.lastPos, a.lastCase, a.lastSeq, a.lastAt
	a.mu.Unlock()
	if pos == 0 {
		return nil
	}
	evs, err := log.Events(ctx, pos-1, 1)
	if err != nil {
		return fmt.Errorf("situation: reading event %d: %w", pos, err)
	}
	if len(evs) == 0 || evs[0].Pos != pos || evs[0].CaseID != id || evs[0].Seq != seq || !evs[0].At.Equal(at) {
		return fmt.Errorf("%w: the log has no event %d of case %s/%d at %s", ErrSavedInvalid, pos, id, seq, at.Format(time.RFC3339Nano))
	}
	return nil
}
