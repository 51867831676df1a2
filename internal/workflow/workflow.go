package workflow

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"yiwang/internal/calendar"
	"yiwang/internal/dispatch"
	"yiwang/internal/sla"
	"yiwang/internal/store"
)

// SystemActor is the actor of the events the workflow appends by itself.
const SystemActor = "system:dispatch"

// DefaultPollInterval is how often Run checks the rules document.
const DefaultPollInterval = 5 * time.Second

// DefaultCentreSchedule is the dispatch centre's working hours when
// Options.CentreSchedule is empty: the 12345 hotline answers around the
// clock.
const DefaultCentreSchedule = "24x7"

// Options are the dependencies of a Workflow.
type Options struct {
	// Store keeps the cases and the rules documents. Required.
	Store store.Store
	// Engine is the responsibility list used until LoadRules finds one in
	// the store; nil means dispatch.DemoEngine.
	Engine *dispatch.Engine
	// SLA are the service-level policies; nil means sla.Default.
	SLA *sla.Set
	// CentreSchedule is the dispatch centre's schedule, on which the
	// dispatch clock (受理→派单) runs; "" means DefaultCentreSchedule.
	CentreSchedule string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives warnings; nil discards them.
	Logger *slog.Logger
	// PollInterval is how often Run re-reads the rules document's version;
	// 0 means DefaultPollInterval.
	PollInterval time.Duration
	// Suggester, when set, classifies new cases tagged TagAutoCategory or
	// filed under a coarse category (classify.go); SetSuggester sets it later.
	Suggester Suggester
	// Threshold is the confidence from which a suggestion is applied
	// without a person; 0 means DefaultThreshold.
	Threshold float64
}

// Workflow runs cases through dispatch and deadlines. It is safe for
// concurrent use; its engine can be swapped while it runs.
type Workflow struct {
	store  store.Store
	sla    *sla.Set
	now    func() time.Time
	log    *slog.Logger
	poll   time.Duration
	centre *calendar.Calendar
	rules  atomic.Pointer[RuleSet]
	// base is the built-in list, in force where no document is stored.
	base *RuleSet

	suggest atomic.Pointer[suggesting]
	units   atomic.Pointer[unitRouting] // units.go
	dups    atomic.Pointer[Duplicates]

	calMu sync.Mutex
	cals  map[string]*calendar.Calendar // by schedule text
}

// RuleSet is the responsibility list in force.
type RuleSet struct {
	Engine *dispatch.Engine
	// Version is the store document's version; 0 for built-in rules.
	Version int
	// YAML is the rules document (the embedded demo list rendered as YAML
	// when Version is 0).
	YAML      []byte
	UpdatedBy string
	UpdatedAt time.Time
	// UnitsVersion is the units document's version; 0 for built-in units.
	UnitsVersion int
}

// New checks opts and builds a Workflow serving Options.Engine (or the
// demo list). Call LoadRules to switch to the rules kept in the store.
func New(opts Options) (*Workflow, error) {
	if opts.Store == nil {
		return nil, errors.New("workflow: Options.Store is required")
	}
	if opts.PollInterval < 0 {
		return nil, fmt.Errorf("workflow: Options.PollInterval is %v, must not be negative", opts.PollInterval)
	}
	w := &Workflow{store: opts.Store, sla: opts.SLA, now: opts.Now, log: opts.Logger, poll: opts.PollInterval,
		cals: map[string]*calendar.Calendar{}}
	if w.now == nil {
		w.now = time.Now
	}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	if w.poll == 0 {
		w.poll = DefaultPollInterval
	}
	var err error
	if w.sla == nil {
		if w.sla, err = sla.Default(); err != nil {
			return nil, fmt.Errorf("workflow: default sla policies: %w", err)
		}
	}
	centre := opts.CentreSchedule
	if centre == "" {
		centre = DefaultCentreSchedule
	}
	if w.centre, err = w.calendarFor(centre); err != nil {
		return nil, fmt.Errorf("workflow: Options.CentreSchedule: %w", err)
	}
	eng := opts.Engine
	if eng == nil {
		if eng, err = dispatch.DemoEngine(); err != nil {
			return nil, fmt.Errorf("workflow: %w", err)
		}
	}
	body, err := rulesYAML(eng.Rules(), "Built in, in force until a list is stored (the demo list is generated for the demo, not an official 权责清单).")
	if err != nil {
		return nil, fmt.Errorf("workflow: %w", err)
	}
	if err := w.SetSuggester(opts.Suggester, opts.Threshold); err != nil {
		return nil, err
	}
	w.base = &RuleSet{Engine: eng, YAML: body}
	w.rules.Store(w.base)
	return w, nil
}

// Rules returns the responsibility list in force.
func (w *Workflow) Rules() RuleSet { return *w.rules.Load() }

// Engine returns the dispatch engine in force.
func (w *Workflow) Engine() *dispatch.Engine { return w.rules.Load().Engine }

// calendarFor returns the official calendar under a schedule, cached.
func (w *Workflow) calendarFor(schedule string) (*calendar.Calendar, error) {
	w.calMu.Lock()
	defer w.calMu.Unlock()
	if c, ok := w.cals[schedule]; ok {
		return c, nil
	}
	s, err := calendar.ParseSchedule(schedule)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w", schedule, err)
	}
	c, err := calendar.Official(s)
	if err != nil {
		return nil, fmt.Errorf("calendar for schedule %q: %w", schedule, err)
	}
	w.cals[schedule] = c
	return c, nil
}

// unitCalendar returns the working calendar of a unit; the centre's when
// the unit is unknown to the current directory (rules changed since the
// case was dispatched) or "".
func (w *Workflow) unitCalendar(code string) *calendar.Calendar {
	if code == "" {
		return w.centre
	}
	u, err := w.Engine().Directory().Unit(code)
	if err != nil {
		w.log.Warn("unit not in the directory; using the dispatch centre's calendar", "unit", code)
		return w.centre
	}
	c, err := w.calendarFor(u.Schedule)
	if err != nil {
		w.log.Warn("unit schedule unusable; using the dispatch centre's calendar", "unit", code, "err", err)
		return w.centre
	}
	return c
}
