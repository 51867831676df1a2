package workflow

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"gopkg.in/yaml.v3"

	"yiwang/internal/dispatch"
	"yiwang/internal/store"
)

// The store documents holding the responsibility list.
const (
	RulesDocument = "dispatch/rules"
	UnitsDocument = "dispatch/units"
)

// Rules file formats accepted by PutRules.
const (
	FormatYAML = "yaml"
	FormatCSV  = "csv"
)

// ErrFormat reports a rules format other than FormatYAML or FormatCSV.
var ErrFormat = errors.New("unsupported rules format")

// LoadRules switches to the responsibility list kept in the store (the
// documents RulesDocument and UnitsDocument); where a document was never
// stored, the built-in units or rules (Options.Engine or the demo list)
// stay. A document that does not validate is an error and changes
// nothing.
func (w *Workflow) LoadRules(ctx context.Context) error {
	_, err := w.refresh(ctx, true)
	return err
}

// Refresh reloads the responsibility list when a document's version in
// the store differs from the one in force, and reports whether it did.
func (w *Workflow) Refresh(ctx context.Context) (bool, error) {
	return w.refresh(ctx, false)
}

// Run polls the store every Options.PollInterval and swaps in new
// versions of the rules, so nodes sharing a database follow each other's
// PutRules. It returns nil when ctx ends; failures are logged and retried
// at the next tick.
func (w *Workflow) Run(ctx context.Context) error {
	t := time.NewTicker(w.poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			if _, err := w.Refresh(ctx); err != nil && ctx.Err() == nil {
				w.log.WarnContext(ctx, "refreshing the responsibility list failed; keeping the one in force", "err", err)
			}
		}
	}
}

func (w *Workflow) refresh(ctx context.Context, force bool) (bool, error) {
	rules, err := w.document(ctx, RulesDocument)
	if err != nil {
		return false, err
	}
	units, err := w.document(ctx, UnitsDocument)
	if err != nil {
		return false, err
	}
	cur := w.rules.Load()
	if !force && version(rules) == cur.Version && version(units) == cur.UnitsVersion {
		return false, nil
	}
	rs, err := w.build(rules, units)
	if err != nil {
		return false, err
	}
	w.install(rs)
	w.log.InfoContext(ctx, "responsibility list loaded", "rules_version", rs.Version, "units_version", rs.UnitsVersion,
		"rules", len(rs.Engine.Rules()), "units", rs.Engine.Directory().Len())
	return true, nil
}

// document reads a document; nil when it was never stored.
func (w *Workflow) document(ctx context.Context, name string) (*store.Document, error) {
	d, err := w.store.GetDocument(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading document %s: %w", name, err)
	}
	return &d, nil
}

func version(d *store.Document) int {
	if d == nil {
		return 0
	}
	return d.Version
}

// build compiles the documents, falling back to the built-in list.
func (w *Workflow) build(rulesDoc, unitsDoc *store.Document) (*RuleSet, error) {
	base := w.base
	if rulesDoc == nil && unitsDoc == nil {
		return base, nil
	}
	dir := base.Engine.Directory()
	rs := &RuleSet{YAML: base.YAML}
	if unitsDoc != nil {
		units, err := dispatch.ReadUnitsYAML(bytes.NewReader(unitsDoc.Body), docLabel(unitsDoc))
		if err == nil {
			dir, err = dispatch.NewDirectory(units)
		}
		if err != nil {
			return nil, fmt.Errorf("document %s: %w", UnitsDocument, err)
		}
		rs.UnitsVersion = unitsDoc.Version
	}
	list := base.Engine.Rules()
	if rulesDoc != nil {
		var err error
		if list, err = dispatch.ReadRulesYAML(bytes.NewReader(rulesDoc.Body), docLabel(rulesDoc)); err != nil {
			return nil, fmt.Errorf("document %s: %w", RulesDocument, err)
		}
		rs.Version, rs.YAML, rs.UpdatedBy, rs.UpdatedAt = rulesDoc.Version, rulesDoc.Body, rulesDoc.UpdatedBy, rulesDoc.UpdatedAt
	}
	eng, err := dispatch.NewEngine(dir, list)
	if err != nil {
		return nil, fmt.Errorf("document %s: %w", RulesDocument, err)
	}
	rs.Engine = eng
	return rs, nil
}

func docLabel(d *store.Document) string { return fmt.Sprintf("%s@v%d", d.Name, d.Version) }

// install swaps rs in unless a newer version is already in force.
func (w *Workflow) install(rs *RuleSet) {
	for {
		cur := w.rules.Load()
		if rs.Version < cur.Version || (rs.Version == cur.Version && rs.UnitsVersion < cur.UnitsVersion) {
			return
		}
		if w.rules.CompareAndSwap(cur, rs) {
			return
		}
	}
}

// PutRules validates a new responsibility list (format FormatYAML or
// FormatCSV) against the units in force, stores it as the next version of
// RulesDocument and swaps it in. expectVersion is the version the caller
// replaces (0 when none was ever stored; negative: whatever is stored);
// a stale one fails with store.ErrVersionConflict. Invalid lists fail with
// a *RulesError listing every problem. CSV is stored as YAML.
func (w *Workflow) PutRules(ctx context.Context, body []byte, format string, expectVersion int, actor string) (RuleSet, error) {
	const label = "rules"
	var list []dispatch.Rule
	var err error
	switch format {
	case FormatYAML:
		list, err = dispatch.ReadRulesYAML(bytes.NewReader(body), label)
	case FormatCSV:
		list, err = dispatch.ReadRulesCSV(bytes.NewReader(body), label)
	default:
		return RuleSet{}, fmt.Errorf("%w %q: want %s or %s", ErrFormat, format, FormatYAML, FormatCSV)
	}
	if err != nil {
		return RuleSet{}, newRulesError(err)
	}
	cur := w.rules.Load()
	eng, err := dispatch.NewEngine(cur.Engine.Directory(), list)
	if err != nil {
		return RuleSet{}, newRulesError(err)
	}
	if format == FormatCSV {
		if body, err = rulesYAML(list, "Converted from CSV by yiwang."); err != nil {
			return RuleSet{}, err
		}
	}
	if expectVersion < 0 {
		d, err := w.document(ctx, RulesDocument)
		if err != nil {
			return RuleSet{}, err
		}
		expectVersion = version(d)
	}
	saved, err := w.store.PutDocument(ctx, store.Document{Name: RulesDocument, Body: body, UpdatedBy: actor, UpdatedAt: w.now()}, expectVersion)
	if err != nil {
		return RuleSet{}, fmt.Errorf("storing the rules: %w", err)
	}
	rs := &RuleSet{Engine: eng, Version: saved.Version, YAML: body, UpdatedBy: saved.UpdatedBy, UpdatedAt: saved.UpdatedAt,
		UnitsVersion: cur.UnitsVersion}
	w.install(rs)
	w.log.InfoContext(ctx, "responsibility list replaced", "version", rs.Version, "by", actor, "rules", len(list))
	return *rs, nil
}

// rulesYAML renders rules as a rules document.
func rulesYAML(rules []dispatch.Rule, comment string) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Responsibility list (权责清单). %s\n", comment)
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(struct {
		Rules []dispatch.Rule `yaml:"rules"`
	}{rules}); err != nil {
		return nil, fmt.Errorf("rendering rules as YAML: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("rendering rules as YAML: %w", err)
	}
	return b.Bytes(), nil
}
