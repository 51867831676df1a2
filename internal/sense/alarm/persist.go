package alarm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"yiwang/internal/cases"
)

// Storage keeps a manager's state across restarts (Options.Storage).
type Storage interface {
	// Load returns the last saved state, or nil when none was saved.
	Load(ctx context.Context) ([]byte, error)
	// Save replaces the saved state.
	Save(ctx context.Context, state []byte) error
}

// FileStorage is a Storage kept in one file, replaced atomically (written
// beside it, synced, renamed).
type FileStorage string

// Load reads the file; a missing file is no state.
func (f FileStorage) Load(ctx context.Context) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(string(f))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	return b, err
}

// Save writes the file.
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
	d, err := os.Open(filepath.Dir(name))
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
	Stats    Stats             `json:"stats"`
}

type savedAlarm struct {
	Alarm
	ClearPending bool          `json:"clear_pending,omitempty"`
	NewCase      cases.NewCase `json:"new_case"`
}

type savedJob struct {
	Clear bool       `json:"clear,omitempty"`
	Alarm savedAlarm `json:"alarm"`
	Prev  string     `json:"prev_case,omitempty"`
}

// Save writes the manager's state (open alarms with their
// acknowledgements and case ids, the recent cleared alarms, each rule's
// latest case, the case calls not yet made) to Options.Storage, if set and
// if anything changed since the last save. Run saves before a case call
// that is not on disk yet (one save covers every call pending), so that a
// case created is never forgotten by a restart: a node that restarts
// makes the pending call again under the same idempotency key, which
// answers with the case already created.
func (m *Manager) Save(ctx context.Context) error {
	if m.o.Storage == nil {
		return nil
	}
	m.saveMu.Lock()
	defer m.saveMu.Unlock()
	m.mu.Lock()
	if !m.dirty {
		m.mu.Unlock()
		return nil
	}
	s := saved{Version: stateVersion, SavedAt: m.o.Now().UTC(), Done: m.done, LastCase: m.lastCase, Stats: m.stats}
	for _, a := range m.open {
		s.Open = append(s.Open, savedAlarm{Alarm: *a, ClearPending: a.clearPending, NewCase: a.newCase})
	}
	for _, j := range m.jobs {
		s.Jobs = append(s.Jobs, savedJob{Clear: j.kind == jobClear, Alarm: savedAlarm{Alarm: j.alarm, NewCase: j.alarm.newCase}, Prev: j.prev})
	}
	b, err := json.Marshal(s)
	m.dirty = false
	saved := m.pushed
	m.mu.Unlock()
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
	m.saved = max(m.saved, saved)
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

// Load restores the state last saved to Options.Storage (none: nothing
// changes). Call it before Run and before any event is handled.
func (m *Manager) Load(ctx context.Context) error {
	if m.o.Storage == nil {
		return nil
	}
	b, err := m.o.Storage.Load(ctx)
	if err != nil {
		return fmt.Errorf("loading alarm state: %w", err)
	}
	if b == nil {
		return nil
	}
	var s saved
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("loading alarm state: %w", err)
	}
	if s.Version != stateVersion {
		return fmt.Errorf("loading alarm state: format version %d, this build reads %d", s.Version, stateVersion)
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
		j := job{kind: jobRaise, alarm: sj.Alarm.Alarm, prev: sj.Prev}
		if sj.Clear {
			j.kind = jobClear
		}
		j.alarm.newCase = sj.Alarm.NewCase
		m.jobs = append(m.jobs, j)
	}
	m.stats = s.Stats
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
