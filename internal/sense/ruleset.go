package sense

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"yiwang/internal/sense/rules"
	"yiwang/internal/store"
)

// RulesDocument is the store document holding the alarm rules in force.
const RulesDocument = "sense/rules"

// Documents keeps versioned documents (store.Store).
type Documents interface {
	GetDocument(ctx context.Context, name string) (store.Document, error)
	PutDocument(ctx context.Context, doc store.Document, expectVersion int) (store.Document, error)
}

// ErrVersionConflict: the rules changed since the version the caller
// expected (it wraps store.ErrVersionConflict).
var ErrVersionConflict = fmt.Errorf("sensor rules: %w", store.ErrVersionConflict)

// RuleSet describes the alarm rules in force. Version 0 means the rules
// given at start (Options.Rules); stored versions count from 1.
type RuleSet struct {
	Version   int       `json:"version"`
	YAML      string    `json:"yaml"`
	Rules     int       `json:"rules"`
	UpdatedBy string    `json:"updated_by,omitempty"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// RulesError lists every problem of a rules document that does not
// validate. It wraps rules.ErrInvalid.
type RulesError struct {
	Errors []string `json:"errors"`
}

func (e *RulesError) Error() string { return "invalid sensor rules: " + strings.Join(e.Errors, "; ") }

// Unwrap returns rules.ErrInvalid.
func (e *RulesError) Unwrap() error { return rules.ErrInvalid }

// messages flattens joined errors into one line each.
func messages(err error) []string {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []string
		for _, e := range j.Unwrap() {
			out = append(out, messages(e)...)
		}
		return out
	}
	var out []string
	for _, l := range strings.Split(err.Error(), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// compile parses and validates a rules document against the registry.
func (p *Pipeline) compile(body []byte) (*rules.Engine, error) {
	rs, err := rules.ParseBytes(body)
	if err == nil {
		var eng *rules.Engine
		if eng, err = rules.Compile(rs, p.Registry, rules.Options{ValidCategory: p.o.ValidCategory}); err == nil {
			return eng, nil
		}
	}
	return nil, &RulesError{Errors: messages(err)}
}

// Rules returns the rule set in force.
func (p *Pipeline) Rules() RuleSet {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rs
}

// PutRules validates a rules document (YAML, package rules) against the
// registry, stores it as the next version of RulesDocument (when
// Options.Documents is set) and swaps it in without stopping ingestion.
// expectVersion is the version replaced (0 when none was ever stored;
// negative: whatever is in force); a stale one fails with
// ErrVersionConflict. An invalid document fails with a *RulesError and
// changes nothing.
func (p *Pipeline) PutRules(ctx context.Context, body []byte, expectVersion int, actor string) (RuleSet, error) {
	// Compiled under putMu: against the registry the rules go in force with.
	p.putMu.Lock()
	defer p.putMu.Unlock()
	eng, err := p.compile(body)
	if err != nil {
		return RuleSet{}, err
	}
	now := p.o.Now()
	cur := p.Rules()
	if expectVersion < 0 {
		expectVersion = cur.Version
	}
	rs := RuleSet{Version: expectVersion + 1, YAML: string(body), Rules: eng.Len(), UpdatedBy: actor, UpdatedAt: now.UTC()}
	if p.o.Documents != nil {
		d, err := p.o.Documents.PutDocument(ctx, store.Document{Name: RulesDocument, Body: body, UpdatedBy: actor, UpdatedAt: now}, expectVersion)
		if errors.Is(err, store.ErrVersionConflict) {
			return RuleSet{}, fmt.Errorf("%w: expected version %d", ErrVersionConflict, expectVersion)
		}
		if err != nil {
			return RuleSet{}, fmt.Errorf("storing sensor rules: %w", err)
		}
		rs.Version, rs.UpdatedAt = d.Version, d.UpdatedAt.UTC()
	} else if expectVersion != cur.Version {
		return RuleSet{}, fmt.Errorf("%w: expected version %d, in force %d", ErrVersionConflict, expectVersion, cur.Version)
	}
	p.swap(eng, rs, now)
	p.o.Logger.InfoContext(ctx, "sensor rules replaced", "version", rs.Version, "by", actor, "rules", rs.Rules)
	return rs, nil
}

// LoadRules switches to the rules stored as RulesDocument, if any. A
// stored document that does not validate is an error and changes nothing.
func (p *Pipeline) LoadRules(ctx context.Context) error {
	_, err := p.Refresh(ctx)
	return err
}

// Refresh swaps in the stored rules when their version is newer than the
// one in force (another node's PutRules), and reports whether it did.
func (p *Pipeline) Refresh(ctx context.Context) (bool, error) {
	if p.o.Documents == nil {
		return false, nil
	}
	d, err := p.o.Documents.GetDocument(ctx, RulesDocument)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("reading document %s: %w", RulesDocument, err)
	}
	p.putMu.Lock()
	defer p.putMu.Unlock()
	if d.Version <= p.Rules().Version {
		return false, nil
	}
	eng, err := p.compile(d.Body)
	if err != nil {
		return false, fmt.Errorf("document %s version %d: %w", RulesDocument, d.Version, err)
	}
	rs := RuleSet{Version: d.Version, YAML: string(d.Body), Rules: eng.Len(), UpdatedBy: d.UpdatedBy, UpdatedAt: d.UpdatedAt.UTC()}
	if !p.swap(eng, rs, p.o.Now()) {
		return false, nil
	}
	p.o.Logger.InfoContext(ctx, "sensor rules loaded", "version", rs.Version, "rules", rs.Rules)
	return true, nil
}

// swap puts eng in force unless a version as new is already, under the
// lock the ingest worker evaluates batches under: a batch is evaluated
// wholly by the old engine or wholly by the new one. The new engine adopts
// the state of unchanged rules (rules.Engine.Adopt); alarms of rules that
// no longer fire (removed, changed, made silent) are cleared and rules
// that fire under the new definitions raise theirs.
func (p *Pipeline) swap(eng *rules.Engine, rs RuleSet, now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if rs.Version <= p.rs.Version {
		return false
	}
	p.install(eng, rs, now)
	return true
}

// install puts eng in force as swap describes; the caller holds mu.
func (p *Pipeline) install(eng *rules.Engine, rs RuleSet, now time.Time) {
	old := p.engine
	was := map[string]bool{}
	for i := range int32(old.Len()) {
		if old.Firing(i) && !old.Rule(i).Silent {
			was[old.Rule(i).ID] = true
		}
	}
	eng.Adopt(old, p.latest)
	var clears, raises []rules.Transition
	for i := range int32(old.Len()) {
		id := old.Rule(i).ID
		if !was[id] {
			continue
		}
		if j, ok := eng.Lookup(id); !ok || !eng.Firing(j) || eng.Rule(j).Silent {
			clears = append(clears, rules.Transition{Rule: i, At: now, Sensor: -1})
		}
	}
	for j := range int32(eng.Len()) {
		c := eng.Rule(j)
		if eng.Firing(j) && !c.Silent && !was[c.ID] {
			tr := rules.Transition{Rule: j, Firing: true, At: now, Sensor: c.Sensor}
			if _, v, ok := p.latest(c.Sensor); ok {
				tr.Value = v
			} else {
				tr.Sensor = -1
			}
			raises = append(raises, tr)
		}
	}
	p.engine, p.rs = eng, rs
	p.handle(old, clears)
	p.handle(eng, raises)
}

// latest is the newest stored reading of a sensor.
func (p *Pipeline) latest(sensor int32) (int64, float64, bool) {
	if sensor < 0 {
		return 0, 0, false
	}
	s, ok := p.DB.Latest(sensor)
	return s.T, s.V, ok
}
