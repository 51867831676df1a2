package alarm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// State is where an alarm is in its lifecycle.
type State uint8

// The states of an alarm.
const (
	Active State = iota
	Acknowledged
	Cleared
)

func (s State) String() string { return [...]string{"active", "acknowledged", "cleared"}[s] }

// MarshalText writes the state's name.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText reads a state's name.
func (s *State) UnmarshalText(b []byte) error {
	for k := Active; k <= Cleared; k++ {
		if k.String() == string(b) {
			*s = k
			return nil
		}
	}
	return fmt.Errorf("unknown alarm state %q", b)
}

// Errors of the manager.
var (
	ErrNotFound = errors.New("alarm not found")
	ErrState    = errors.New("alarm is not in a state that allows this")
)

// Alarm is one raised alarm.
type Alarm struct {
	// ID is the rule's id and the raise time: "<rule>@<unix ns>".
	ID       string         `json:"id"`
	Rule     string         `json:"rule"`
	Severity cases.Severity `json:"severity"`
	State    State          `json:"state"`
	Raised   time.Time      `json:"raised"`
	Acked    time.Time      `json:"acknowledged,omitzero"`
	AckedBy  string         `json:"acknowledged_by,omitempty"`
	Cleared  time.Time      `json:"cleared,omitzero"`
	// Refires counts the rule firing again while the alarm was open.
	Refires int `json:"refires"`
	// CaseID is the case the alarm opened or noted on ("" until the
	// workflow answered).
	CaseID string `json:"case_id,omitempty"`
	Detail string `json:"detail"`

	clearPending bool
	newCase      cases.NewCase
}

// Cases is what the manager needs of the case workflow
// (workflow.Workflow satisfies it).
type Cases interface {
	Create(ctx context.Context, req store.CreateRequest) (cases.Case, bool, error)
	Transition(ctx context.Context, req store.TransitionRequest) (cases.Case, cases.Event, error)
}

// Actor is the actor of the cases and notes alarms produce.
const Actor = "system:sense"

// DefaultMinHold is Options.MinHold when zero.
const DefaultMinHold = 5 * time.Minute

// Options configure a Manager.
type Options struct {
	Cases Cases
	// MinHold is the least time an alarm stays active.
	MinHold time.Duration
	// OnCase, when set, is called after an alarm's case was created or
	// noted (the benchmark measures alarm latency with it).
	OnCase func(a Alarm, c cases.Case, created bool)
	Logger *slog.Logger
	// Now stamps case calls; nil means time.Now.
	Now func() time.Time
	// Keep is how many cleared alarms are remembered (default 1000).
	Keep int
	// Storage, when set, keeps the alarms across restarts (see Save, Load).
	Storage Storage
}

// Event is a rule starting (Firing) or stopping to fire.
type Event struct {
	Rule     string
	Firing   bool
	Severity cases.Severity
	// Case is the case an alarm opens (when firing).
	Case   cases.NewCase
	Detail string
}

// Stats count what the manager did.
type Stats struct {
	Raised, Refired, Cleared, FlapsSuppressed, CasesCreated, CaseNotes, CaseErrors int64
}

// Manager keeps the alarms. It is safe for concurrent use.
type Manager struct {
	o Options

	mu       sync.Mutex
	open     map[string]*Alarm // by rule
	lastCase map[string]string // rule → case of its latest alarm
	done     []Alarm           // cleared, oldest first
	jobs     []job
	wake     chan struct{}
	stats    Stats
	dirty    bool       // changed since the last Save
	saveMu   sync.Mutex // serialises journal appends and Save's rotation
	snapMu   sync.Mutex // serialises Save
	pushed   uint64     // jobs pushed so far (a job's seq)
	saved    uint64     // the newest job seq the last Save included
}

type jobKind uint8

const (
	jobRaise jobKind = iota
	jobClear
)

type job struct {
	kind  jobKind
	alarm Alarm
	prev  string // case of the rule's previous alarm
	seq   uint64
}

// New builds a manager.
func New(o Options) (*Manager, error) {
	if o.Cases == nil {
		return nil, errors.New("alarm: Options.Cases is required")
	}
	if o.MinHold <= 0 {
		o.MinHold = DefaultMinHold
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Keep <= 0 {
		o.Keep = 1000
	}
	return &Manager{o: o, open: map[string]*Alarm{}, lastCase: map[string]string{}, wake: make(chan struct{}, 1)}, nil
}

// Handle applies a rule event at now.
func (m *Manager) Handle(now time.Time, ev Event) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.dirty = true
	a := m.open[ev.Rule]
	switch {
	case ev.Firing && a != nil:
		if a.clearPending {
			a.clearPending = false
			m.stats.FlapsSuppressed++
		} else {
			a.Refires++
			m.stats.Refired++
		}
	case ev.Firing:
		a = &Alarm{ID: ev.Rule + "@" + strconv.FormatInt(now.UnixNano(), 10), Rule: ev.Rule, Severity: ev.Severity,
			State: Active, Raised: now, Detail: ev.Detail, newCase: ev.Case}
		m.open[ev.Rule] = a
		m.stats.Raised++
		m.push(job{kind: jobRaise, alarm: *a, prev: m.lastCase[ev.Rule]})
	case a != nil:
		if now.Sub(a.Raised) < m.o.MinHold {
			a.clearPending = true
			return
		}
		m.clear(a, now)
	}
}

// Tick clears alarms whose clear was deferred by the hold time.
func (m *Manager) Tick(now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, a := range m.open {
		if a.clearPending && now.Sub(a.Raised) >= m.o.MinHold {
			m.clear(a, now)
		}
	}
}

func (m *Manager) clear(a *Alarm, now time.Time) {
	m.dirty = true
	a.State, a.Cleared, a.clearPending = Cleared, now, false
	delete(m.open, a.Rule)
	m.stats.Cleared++
	m.done = append(m.done, *a)
	if len(m.done) > m.o.Keep {
		m.done = slices.Delete(m.done, 0, len(m.done)-m.o.Keep)
	}
	m.push(job{kind: jobClear, alarm: *a})
}

func (m *Manager) push(j job) {
	m.pushed++
	j.seq = m.pushed
	m.jobs = append(m.jobs, j)
	select {
	case m.wake <- struct{}{}:
	default:
	}
}

// Ack acknowledges the open alarm with the id.
func (m *Manager) Ack(id, by string, now time.Time) (Alarm, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, a := range m.open {
		if a.ID == id {
			if a.State != Active {
				return *a, fmt.Errorf("alarm %s is %s: %w", id, a.State, ErrState)
			}
			a.State, a.Acked, a.AckedBy = Acknowledged, now, by
			m.dirty = true
			return *a, nil
		}
	}
	for _, a := range m.done {
		if a.ID == id {
			return a, fmt.Errorf("alarm %s is cleared: %w", id, ErrState)
		}
	}
	return Alarm{}, fmt.Errorf("%w: %s", ErrNotFound, id)
}

// Open returns the open alarms (active or acknowledged), oldest first.
func (m *Manager) Open() []Alarm {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Alarm, 0, len(m.open))
	for _, a := range m.open {
		out = append(out, *a)
	}
	slices.SortFunc(out, func(a, b Alarm) int {
		if c := a.Raised.Compare(b.Raised); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// Recent returns the remembered cleared alarms, oldest first.
func (m *Manager) Recent() []Alarm {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.done)
}

// Stats returns the counters.
func (m *Manager) Stats() Stats {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.stats
}

// Pending is the number of case calls waiting for Run.
func (m *Manager) Pending() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.jobs)
}
