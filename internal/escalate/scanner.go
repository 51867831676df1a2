package escalate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/dispatch"
	"yiwang/internal/store"
)

// Actor is the actor of every supervision the scanner appends.
const Actor = "system:escalate"

// DefaultInterval is the default time between two scans.
const DefaultInterval = 30 * time.Second

// pageSize is how many overdue cases one List call returns.
const pageSize = 500

// maxConflicts is how many times one case is re-read after it changed
// under the scanner before the scan leaves it to the next tick.
const maxConflicts = 3

// Store is what the scanner needs of a store.Store.
type Store interface {
	List(ctx context.Context, f store.Filter) (store.Page, error)
	Get(ctx context.Context, id string) (cases.Case, error)
	Transition(ctx context.Context, req store.TransitionRequest) (cases.Case, cases.Event, error)
}

// Options configure a Scanner.
type Options struct {
	// Store is where cases are read and supervisions appended (required).
	Store Store
	// Directory returns the units in force; it is called once per scan. It
	// may return nil: supervisions then name no unit.
	Directory func() *dispatch.Directory
	// Now is Run's clock (default time.Now). ScanOnce takes now as an argument.
	Now func() time.Time
	// Interval is the time between two scans of Run (default DefaultInterval).
	Interval time.Duration
	// Reminders is the supervision schedule (zero: at the deadline, then
	// every DefaultEvery).
	Reminders Schedule
	// Logger receives scan failures and a line per supervision (default slog.Default()).
	Logger *slog.Logger
}

// Report counts what one scan did.
type Report struct {
	// Cases is the number of overdue cases the store listed.
	Cases int
	// Supervised counts supervise transitions that returned an event for
	// their key: appended by this call, or (when another node raced this
	// one to the same key) the event that node appended. Replayed counts
	// those known to be another call's event.
	Supervised, Replayed int
	// Known counts supervisions skipped because this scanner had already
	// seen them succeed.
	Known int
	// Skipped counts cases that changed under the scan (closed, accepted,
	// suspended …) so that a planned supervision no longer applied or was
	// left to the next scan.
	Skipped int
	// Errors counts cases whose supervision failed for another reason;
	// ScanOnce logs each.
	Errors int
}

// Scanner supervises overdue cases. It is safe for concurrent use.
type Scanner struct {
	o   Options
	log *slog.Logger

	mu sync.Mutex
	// done holds the keys this scanner has seen succeed, for cases that
	// were overdue in the last complete scan.
	done map[string]struct{}
}

// ErrNoStore is returned by New when Options.Store is nil.
var ErrNoStore = errors.New("escalate: options need a store")

// New returns a scanner.
func New(o Options) (*Scanner, error) {
	if o.Store == nil {
		return nil, ErrNoStore
	}
	if o.Directory == nil {
		o.Directory = func() *dispatch.Directory { return nil }
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Interval <= 0 {
		o.Interval = DefaultInterval
	}
	o.Reminders = o.Reminders.withDefaults()
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &Scanner{o: o, log: o.Logger.With("component", "escalate"), done: map[string]struct{}{}}, nil
}

// Run scans at once and then every Interval until ctx ends; it returns nil
// then. A failed scan is logged and retried at the next tick.
func (s *Scanner) Run(ctx context.Context) error {
	t := time.NewTicker(s.o.Interval)
	defer t.Stop()
	for {
		rep, err := s.ScanOnce(ctx, s.o.Now())
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			s.log.Error("escalation scan failed", "err", err)
		case rep.Supervised > 0 || rep.Errors > 0:
			s.log.Info("escalation scan", "overdue_cases", rep.Cases, "supervised", rep.Supervised,
				"replayed", rep.Replayed, "skipped", rep.Skipped, "errors", rep.Errors)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// ScanOnce supervises, as of now, every overdue deadline of every open,
// unpaused case: it pages through Store.List with DueBefore and appends the
// supervise event each deadline's level calls for, unless it was appended
// before. An error is returned only when listing fails or ctx ends; a case
// whose supervision fails is logged and counted in Report.Errors.
func (s *Scanner) ScanOnce(ctx context.Context, now time.Time) (Report, error) {
	var rep Report
	dir := s.o.Directory()
	seen := map[string]struct{}{}
	// DueBefore is exclusive and stores round times (to the microsecond
	// or coarser); a deadline due exactly now is overdue too, so ask a
	// second ahead and let plan drop what is not due yet.
	f := store.Filter{DueBefore: now.Add(time.Second), Limit: pageSize}
	complete := false
	defer func() { s.keep(seen, complete) }()
	for {
		page, err := s.o.Store.List(ctx, f)
		if err != nil {
			return rep, fmt.Errorf("escalate: listing overdue cases: %w", err)
		}
		for i := range page.Cases {
			rep.Cases++
			if err := s.scanCase(ctx, page.Cases[i], now, dir, seen, &rep); err != nil {
				if ctx.Err() != nil {
					return rep, fmt.Errorf("escalate: %w", ctx.Err())
				}
				rep.Errors++
				s.log.Error("supervising overdue case", "case", page.Cases[i].ID, "err", err)
			}
		}
		if page.Next == "" {
			break
		}
		f.Cursor = page.Next
	}
	complete = true
	return rep, nil
}

// keep replaces the remembered keys with those of this scan; an incomplete
// scan only adds to them.
func (s *Scanner) keep(seen map[string]struct{}, complete bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if complete {
		s.done = seen
		return
	}
	for k := range seen {
		s.done[k] = struct{}{}
	}
}

func (s *Scanner) known(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.done[key]
	return ok
}

// supervision is one planned supervise transition.
type supervision struct {
	key string
	cmd cases.Command
}

// plan returns the supervisions c needs at now.
func (s *Scanner) plan(c *cases.Case, now time.Time, dir *dispatch.Directory) []supervision {
	if !c.Open() || c.Paused() {
		return nil
	}
	var out []supervision
	for _, d := range c.Pending() {
		unit, summons := strings.CutPrefix(d.Clock, cases.ClockSummons)
		late := overdue(d.At, now, c.Pauses)
		if summons {
			late = now.Sub(d.At)
		} else {
			unit = c.Unit
		}
		level := s.o.Reminders.Level(late)
		if level == 0 {
			continue
		}
		t := supervisor(dir, unit, level, SeverityBoost(c.Severity))
		out = append(out, supervision{
			key: Key(c.ID, d.Clock, level, d.At),
			cmd: cases.Command{
				Action: cases.ActionSupervise, Actor: Actor, Note: note(dir, c, d, level, t),
				Payload: cases.Payload{Unit: t.code, Clock: d.Clock, Level: level, Automatic: true},
			},
		})
	}
	return out
}

// Key is the idempotency key of the supervision of level of a case's clock
// due at due: "esc/<case>/<clock>/<level>/<due unix seconds>".
func Key(caseID, clock string, level int, due time.Time) string {
	return "esc/" + caseID + "/" + clock + "/" + strconv.Itoa(level) + "/" + strconv.FormatInt(due.Unix(), 10)
}

// scanCase appends the supervisions c needs, re-reading it when it changed
// since it was listed.
func (s *Scanner) scanCase(ctx context.Context, c cases.Case, now time.Time, dir *dispatch.Directory, seen map[string]struct{}, rep *Report) error {
	for conflicts := 0; ; {
		retry := false
		for _, sv := range s.plan(&c, now, dir) {
			seen[sv.key] = struct{}{}
			if s.known(sv.key) {
				rep.Known++
				continue
			}
			sent := c.Version
			nc, ev, err := s.o.Store.Transition(ctx, store.TransitionRequest{
				ID: c.ID, Command: sv.cmd, At: now, ExpectVersion: sent, IdempotencyKey: sv.key,
			})
			switch {
			case err == nil:
				rep.Supervised++
				if ev.Seq <= sent {
					rep.Replayed++
				} else {
					s.log.Info("supervised overdue case", "case", c.ID, "clock", sv.cmd.Payload.Clock,
						"level", sv.cmd.Payload.Level, "unit", sv.cmd.Payload.Unit)
				}
				s.remember(sv.key)
				c = nc
			case errors.Is(err, store.ErrVersionConflict):
				if conflicts++; conflicts > maxConflicts {
					rep.Skipped++
					return nil
				}
				fresh, err := s.o.Store.Get(ctx, c.ID)
				if errors.Is(err, store.ErrNotFound) {
					return nil
				}
				if err != nil {
					return fmt.Errorf("re-reading case %s: %w", c.ID, err)
				}
				c, retry = fresh, true
			case errors.Is(err, cases.ErrTransition), errors.Is(err, store.ErrNotFound):
				rep.Skipped++
				return nil
			default:
				return fmt.Errorf("supervising case %s, clock %s: %w", c.ID, sv.cmd.Payload.Clock, err)
			}
			if retry {
				break
			}
		}
		if !retry {
			return nil
		}
	}
}

func (s *Scanner) remember(key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done[key] = struct{}{}
}
