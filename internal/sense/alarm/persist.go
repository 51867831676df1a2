package alarm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"yiwang/internal/cases"
)

// Storage keeps a manager's state across restarts (Options.Storage): a
// snapshot, and a journal of what happened since.
type Storage interface {
	// Load returns the last snapshot (nil when none was saved) and the
	// journal records appended after it, in order.
	Load(ctx context.Context) (snapshot []byte, journal [][]byte, err error)
	// Rotate starts a new journal: the records so far are kept apart
	// until the next Save succeeds.
	Rotate(ctx context.Context) error
	// Save replaces the snapshot and drops the journal records kept apart
	// by the last Rotate; the snapshot is on stable storage when Save
	// returns.
	Save(ctx context.Context, snapshot []byte) error
	// Append adds a record to the journal; it need only outlive the
	// process (no sync).
	Append(ctx context.Context, record []byte) error
}

// FileStorage is a Storage kept in a file, replaced atomically (written
// beside it, synced, renamed), and its journal, the file name with
// ".journal" added (one JSON record per line), rotated to ".journal.old".
type FileStorage string

func (f FileStorage) journal() string { return string(f) + ".journal" }
func (f FileStorage) rotated() string { return string(f) + ".journal.old" }

// Rotate renames the journal to the rotated one (appends it there when a
// failed Save left one).
func (f FileStorage) Rotate(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := os.Stat(f.rotated()); errors.Is(err, fs.ErrNotExist) {
		if err := os.Rename(f.journal(), f.rotated()); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	j, err := os.ReadFile(f.journal())
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	w, err := os.OpenFile(f.rotated(), os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = w.Write(j)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Remove(f.journal())
}

// Load reads the files; missing files are no state. A journal line cut
// off by a crash is ignored.
func (f FileStorage) Load(ctx context.Context) ([]byte, [][]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	b, err := os.ReadFile(string(f))
	if errors.Is(err, fs.ErrNotExist) {
		b, err = nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	var recs [][]byte
	for _, name := range []string{f.rotated(), f.journal()} {
		j, err := os.ReadFile(name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		for len(j) > 0 {
			i := bytes.IndexByte(j, '\n')
			if i < 0 {
				break // torn last line
			}
			recs, j = append(recs, j[:i]), j[i+1:]
		}
	}
	return b, recs, nil
}

// Append writes one journal line.
func (f FileStorage) Append(ctx context.Context, record []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w, err := os.OpenFile(f.journal(), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = w.Write(append(record[:len(record):len(record)], '\n'))
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return err
}

// Save writes the snapshot and removes the rotated journal.
func (f FileStorage) Save(ctx context.Context, state []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	name := string(f)
	tmp := name + ".tmp"
	w, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = w.Write(state)
	if err == nil {
		err = w.Sync()
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, name); err != nil {
		return err
	}
	if err := syncDir(filepath.Dir(name)); err != nil {
		return err
	}
	// Records of the rotated journal are in the snapshot now; one left
	// behind by a crash here is recognised by its sequence number.
	if err := os.Remove(f.rotated()); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// stateVersion is the format of the saved state.
const stateVersion = 1

// saved is the persisted form of a manager.
type saved struct {
	Version  int               `json:"version"`
	SavedAt  time.Time         `json:"saved_at"`
	Open     []savedAlarm      `json:"open"`
	Done     []Alarm           `json:"recent"`
	LastCase map[string]string `json:"last_case"`
	Jobs     []savedJob        `json:"jobs"`
	// Pushed is the sequence number of the newest job when saved.
	Pushed uint64 `json:"pushed"`
	Stats  Stats  `json:"stats"`
}

type savedAlarm struct {
	Alarm
	ClearPending bool          `json:"clear_pending,omitempty"`
	NewCase      cases.NewCase `json:"new_case"`
}

// savedJob is a job in the snapshot, and a journal record.
type savedJob struct {
	Seq   uint64     `json:"seq"`
	Clear bool       `json:"clear,omitempty"`
	Alarm savedAlarm `json:"alarm"`
	Prev  string     `json:"prev_case,omitempty"`
}

func saveJob(j job) savedJob {
	return savedJob{Seq: j.seq, Clear: j.kind == jobClear, Alarm: savedAlarm{Alarm: j.alarm, NewCase: j.alarm.newCase}, Prev: j.prev}
}

func (sj savedJob) job() job {
	j := job{kind: jobRaise, alarm: sj.Alarm.Alarm, prev: sj.Prev, seq: sj.Seq}
	if sj.Clear {
		j.kind = jobClear
	}
	j.alarm.newCase = sj.Alarm.NewCase
	return j
}

// Save writes the manager's state (open alarms with their
// acknowledgements and case ids, the recent cleared alarms, each rule's
// latest case, the case calls not yet made) to Options.Storage as a
// snapshot on stable storage, if set and if anything changed since the
// last save (the pipeline saves every tick).
//
// Between saves, Run appends each case call to the storage's journal
// before making it, so that a case created is never forgotten when the
// process dies: the restarted node makes the call again under the same
// idempotency key, which answers with the case already created. The
// journal is not synced: after an operating-system crash or a power loss,
// an alarm raised since the last save may be lost, and its rule, still
// firing, raise another with a case of its own.
func (m *Manager) Save(ctx context.Context) error {
	if m.o.Storage == nil {
		return nil
	}
	// Journal appends wait only for the snapshot to be taken and the
	// journal rotated, not for the snapshot's sync.
	m.snapMu.Lock()
	defer m.snapMu.Unlock()
	m.saveMu.Lock()
	m.mu.Lock()
	if !m.dirty {
		m.mu.Unlock()
		m.saveMu.Unlock()
		return nil
	}
	s := saved{Version: stateVersion, SavedAt: m.o.Now().UTC(), Done: m.done, LastCase: m.lastCase, Stats: m.stats, Pushed: m.pushed}
	for _, a := range m.open {
		s.Open = append(s.Open, savedAlarm{Alarm: *a, ClearPending: a.clearPending, NewCase: a.newCase})
	}
	for _, j := range m.jobs {
		s.Jobs = append(s.Jobs, saveJob(j))
	}
	b, err := json.Marshal(s)
	m.dirty = false
	m.mu.Unlock()
	if err == nil {
		err = m.o.Storage.Rotate(ctx)
	}
	m.saveMu.Unlock()
	if err == nil {
		err = m.o.Storage.Save(ctx, b)
	}
	if err != nil {
		m.mu.Lock()
		m.dirty = true
		m.mu.Unlock()
		return fmt.Errorf("saving alarm state: %w", err)
	}
	m.mu.Lock()
	m.saved = max(m.saved, s.Pushed)
	m.mu.Unlock()
	return nil
}

// journal appends the jobs not yet on disk to the storage's journal.
func (m *Manager) journal(ctx context.Context) error {
	m.saveMu.Lock()
	defer m.saveMu.Unlock()
	m.mu.Lock()
	var recs [][]byte
	hi := m.saved
	for _, j := range m.jobs {
		if j.seq > m.saved {
			b, err := json.Marshal(saveJob(j))
			if err != nil {
				m.mu.Unlock()
				return fmt.Errorf("journaling alarm case call: %w", err)
			}
			recs, hi = append(recs, b), j.seq
		}
	}
	m.mu.Unlock()
	for _, r := range recs {
		if err := m.o.Storage.Append(ctx, r); err != nil {
			return fmt.Errorf("journaling alarm case call: %w", err)
		}
	}
	m.mu.Lock()
	m.saved = max(m.saved, hi)
	m.mu.Unlock()
	return nil
}

// unsaved reports whether job j is not on disk yet.
func (m *Manager) unsaved(j job) bool {
	if m.o.Storage == nil {
		return false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return j.seq > m.saved
}

// Load restores the state last saved to Options.Storage and the case
// calls journaled after it (none: nothing changes). Call it before Run and
// before any event is handled.
func (m *Manager) Load(ctx context.Context) error {
	if m.o.Storage == nil {
		return nil
	}
	b, journal, err := m.o.Storage.Load(ctx)
	if err != nil {
		return fmt.Errorf("loading alarm state: %w", err)
	}
	var s saved
	if b != nil {
		if err := json.Unmarshal(b, &s); err != nil {
			return fmt.Errorf("loading alarm state: %w", err)
		}
		if s.Version != stateVersion {
			return fmt.Errorf("loading alarm state: format version %d, this build reads %d", s.Version, stateVersion)
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.open = map[string]*Alarm{}
	for _, sa := range s.Open {
		a := sa.Alarm
		a.clearPending, a.newCase = sa.ClearPending, sa.NewCase
		m.open[a.Rule] = &a
	}
	m.done = s.Done
	if m.lastCase = s.LastCase; m.lastCase == nil {
		m.lastCase = map[string]string{}
	}
	m.jobs = m.jobs[:0]
	for _, sj := range s.Jobs {
		m.jobs = append(m.jobs, sj.job())
	}
	m.stats, m.pushed = s.Stats, s.Pushed
	for k, rec := range journal {
		var sj savedJob
		if err := json.Unmarshal(rec, &sj); err != nil {
			return fmt.Errorf("loading alarm state: journal record %d: %w", k+1, err)
		}
		if sj.Seq <= m.pushed {
			continue // in the snapshot already
		}
		j := sj.job()
		a := j.alarm
		switch j.kind {
		case jobRaise:
			m.open[a.Rule] = &a
		case jobClear:
			if o := m.open[a.Rule]; o != nil && o.ID == a.ID {
				delete(m.open, a.Rule)
			}
			m.done = append(m.done, a)
			if len(m.done) > m.o.Keep {
				m.done = slices.Delete(m.done, 0, len(m.done)-m.o.Keep)
			}
		}
		m.jobs, m.pushed = append(m.jobs, j), j.seq
	}
	m.saved = m.pushed
	if len(m.jobs) > 0 {
		select {
		case m.wake <- struct{}{}:
		default:
		}
	}
	return nil
}

// OpenRules returns the rules that have an open alarm.
func (m *Manager) OpenRules() map[string]bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]bool, len(m.open))
	for r := range m.open {
		out[r] = true
	}
	return out
}
