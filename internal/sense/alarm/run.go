package alarm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// Run makes the case calls of raised and cleared alarms, in order, until
// ctx ends. A failed call is retried with growing waits (up to a minute):
// an alarm's case is never dropped.
func (m *Manager) Run(ctx context.Context) error {
	for {
		m.mu.Lock()
		var j job
		ok := len(m.jobs) > 0
		if ok {
			j = m.jobs[0]
		}
		m.mu.Unlock()
		if !ok {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-m.wake:
				continue
			}
		}
		// The job is on disk before its case call (a restart makes it
		// again, under the same idempotency key).
		if m.unsaved(j) {
			if err := m.journal(ctx); err != nil && ctx.Err() == nil {
				m.o.Logger.ErrorContext(ctx, "saving alarm state failed", "err", err)
			}
		}
		wait := 100 * time.Millisecond
		for {
			err := m.do(ctx, j)
			if err == nil {
				break
			}
			m.mu.Lock()
			m.stats.CaseErrors++
			m.mu.Unlock()
			m.o.Logger.ErrorContext(ctx, "alarm case call failed; retrying", "alarm", j.alarm.ID, "err", err, "wait", wait)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
			wait = min(2*wait, time.Minute)
		}
		m.mu.Lock()
		m.jobs, m.dirty = m.jobs[1:], true
		m.mu.Unlock()
	}
}

// Drain makes every pending case call now, on the caller's goroutine (for
// tests and shutdown); it returns the first error.
func (m *Manager) Drain(ctx context.Context) error {
	for {
		m.mu.Lock()
		if len(m.jobs) == 0 {
			m.mu.Unlock()
			return nil
		}
		j := m.jobs[0]
		m.mu.Unlock()
		if err := m.do(ctx, j); err != nil {
			return err
		}
		m.mu.Lock()
		m.jobs, m.dirty = m.jobs[1:], true
		m.mu.Unlock()
	}
}

func (m *Manager) do(ctx context.Context, j job) error {
	a := j.alarm
	switch j.kind {
	case jobRaise:
		if j.prev != "" {
			c, _, err := m.o.Cases.Transition(ctx, store.TransitionRequest{ID: j.prev, At: m.o.Now(),
				IdempotencyKey: "sense/" + a.ID + "/raise",
				Command:        cases.Command{Action: cases.ActionNote, Actor: Actor, Note: "告警再次触发 (alarm raised again): " + a.Detail}})
			if err != nil {
				return fmt.Errorf("noting alarm %s on case %s: %w", a.ID, j.prev, err)
			}
			if c.Open() {
				m.recordCase(a, c, false)
				return nil
			}
		}
		n := a.newCase
		n.Channel = cases.ChannelSensor
		sum := sha256.Sum256([]byte(a.ID + "\x00" + n.Title + "\x00" + n.Category))
		c, created, err := m.o.Cases.Create(ctx, store.CreateRequest{Case: n, Actor: Actor, At: m.o.Now(),
			IdempotencyKey: "sense/" + a.ID, RequestHash: hex.EncodeToString(sum[:])})
		if err != nil {
			return fmt.Errorf("opening the case of alarm %s: %w", a.ID, err)
		}
		m.recordCase(a, c, created)
	case jobClear:
		id := m.caseOf(a)
		if id == "" {
			return nil // its raise never reached a case (cannot happen: jobs run in order)
		}
		c, _, err := m.o.Cases.Transition(ctx, store.TransitionRequest{ID: id, At: m.o.Now(),
			IdempotencyKey: "sense/" + a.ID + "/clear",
			Command: cases.Command{Action: cases.ActionNote, Actor: Actor,
				Note: fmt.Sprintf("告警已解除 (alarm cleared) at %s after %v", a.Cleared.UTC().Format(time.RFC3339), a.Cleared.Sub(a.Raised))}})
		if err != nil {
			return fmt.Errorf("noting the clearing of alarm %s on case %s: %w", a.ID, id, err)
		}
		m.mu.Lock()
		m.stats.CaseNotes++
		m.mu.Unlock()
		if m.o.OnCase != nil {
			m.o.OnCase(a, c, false)
		}
	}
	return nil
}

func (m *Manager) recordCase(a Alarm, c cases.Case, created bool) {
	m.mu.Lock()
	m.dirty = true
	m.lastCase[a.Rule] = c.ID
	if o := m.open[a.Rule]; o != nil && o.ID == a.ID {
		o.CaseID = c.ID
	}
	for k := range m.done {
		if m.done[k].ID == a.ID {
			m.done[k].CaseID = c.ID
		}
	}
	if created {
		m.stats.CasesCreated++
	} else {
		m.stats.CaseNotes++
	}
	m.mu.Unlock()
	a.CaseID = c.ID
	if m.o.OnCase != nil {
		m.o.OnCase(a, c, created)
	}
}

// caseOf returns the case of an alarm (its raise job has run by now).
func (m *Manager) caseOf(a Alarm) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, d := range m.done {
		if d.ID == a.ID && d.CaseID != "" {
			return d.CaseID
		}
	}
	return m.lastCase[a.Rule]
}
