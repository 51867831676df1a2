package workflow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"yiwang/internal/nlp/hier"
	"yiwang/internal/store"
)

// RetrainState returns the last or running retrain of any node over the
// store; nil when there never was one.
func (m *Models) RetrainState(ctx context.Context) (*RetrainStatus, error) {
	st, _, err := m.retrainDoc(ctx)
	return st, err
}

func (m *Models) retrainDoc(ctx context.Context) (*RetrainStatus, int, error) {
	d, err := m.document(ctx, RetrainDocument)
	if err != nil || d == nil {
		return nil, 0, err
	}
	var st RetrainStatus
	if err := json.Unmarshal(d.Body, &st); err != nil {
		return nil, d.Version, fmt.Errorf("document %s@v%d: %w", RetrainDocument, d.Version, err)
	}
	st.claim = d.Version
	return &st, d.Version, nil
}

// Idle returns a channel closed once no retrain runs on this node (at
// once when none does).
func (m *Models) Idle() <-chan struct{} {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.running != nil {
		return m.running
	}
	done := make(chan struct{})
	close(done)
	return done
}

// Retrain claims a retrain (failing with ErrRetrainRunning while one runs
// on any node) and runs it in the background: training on the embedded
// data, the closed cases and the corrections (TrainingSet), then storing
// and putting the model in force as the next version, unless the model
// was replaced meanwhile. RetrainState and Idle follow it.
func (m *Models) Retrain(ctx context.Context, by string) (RetrainStatus, error) {
	st, ok, err := m.claim(ctx, TriggerRequest, by, time.Time{})
	if err != nil {
		return RetrainStatus{}, err
	}
	if !ok {
		return RetrainStatus{}, ErrRetrainRunning
	}
	return st, nil
}

// RetrainIfDue claims and starts the retrain of the current period when
// RetrainEvery is set, the model in force was installed before the period
// began and no node claimed the period yet; it reports whether this node
// did. Run calls it at every poll.
func (m *Models) RetrainIfDue(ctx context.Context) (bool, error) {
	if m.o.RetrainEvery <= 0 {
		return false, nil
	}
	period := m.o.Now().UTC().Truncate(m.o.RetrainEvery)
	if cur := m.cur.Load(); cur != nil && !cur.info.InstalledAt.Before(period) {
		return false, nil
	}
	_, ok, err := m.claim(ctx, TriggerSchedule, "", period)
	if errors.Is(err, ErrRetrainRunning) {
		return false, nil
	}
	return ok, err
}

// Start puts the stored model in force or, when none is stored, claims
// and runs a retrain (in the caller's goroutine): what a node does when it
// starts. When another node is training, the model comes with its
// Refresh. Close cancels it (training itself is not interrupted, but its
// model is not stored).
func (m *Models) Start(ctx context.Context) error {
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	defer context.AfterFunc(m.bg, stop)()
	loaded, err := m.Load(ctx)
	switch {
	case errors.Is(err, ErrInvalidModel):
		// Stored by a version of the program whose file format this one
		// no longer reads: train a new one (stored over it).
		m.o.Logger.WarnContext(ctx, "the stored category classifier cannot be read by this version; training a new one", "err", err)
	case err != nil || loaded:
		return err
	}
	st, ok, err := m.claimOnly(ctx, TriggerStart, "", time.Time{})
	if err != nil || !ok {
		if errors.Is(err, ErrRetrainRunning) {
			m.o.Logger.InfoContext(ctx, "another node is training the category classifier; its model will be loaded when stored")
			return nil
		}
		return err
	}
	done := m.markRunning(st)
	m.run(ctx, st, done)
	return nil
}

// claim takes the retrain claim and starts the retrain in the
// background; false when a scheduled retrain finds its period claimed.
func (m *Models) claim(ctx context.Context, trigger, by string, period time.Time) (RetrainStatus, bool, error) {
	if m.o.Train == nil {
		return RetrainStatus{}, false, ErrNoTrainer
	}
	m.mu.Lock()
	busy := m.running != nil
	m.mu.Unlock()
	if busy {
		return RetrainStatus{}, false, fmt.Errorf("%w on this node (%s)", ErrRetrainRunning, m.o.Node)
	}
	st, ok, err := m.claimOnly(ctx, trigger, by, period)
	if err != nil || !ok {
		return st, ok, err
	}
	done := m.markRunning(st)
	go m.run(m.bg, st, done)
	return st, true, nil
}

// markRunning records that this node retrains under claim st; the
// returned channel is closed by run.
func (m *Models) markRunning(st RetrainStatus) chan struct{} {
	done := make(chan struct{})
	m.mu.Lock()
	m.running, m.runSt = done, st
	m.mu.Unlock()
	return done
}

// record writes the outcome of the retrain claimed as st.claim; a
// version conflict means the claim was taken over or already recorded.
func (m *Models) record(ctx context.Context, st RetrainStatus) error {
	body, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encoding retrain state: %w", err)
	}
	_, err = m.o.Store.PutDocument(ctx, store.Document{Name: RetrainDocument, Body: body, UpdatedBy: m.o.Node}, st.claim)
	return err
}

// claimOnly writes the claim to RetrainDocument with the version read
// before: of several nodes claiming at once, one wins, the others get a
// version conflict. A running retrain whose lease has not expired is
// ErrRetrainRunning; a scheduled one whose period is claimed already is
// false.
func (m *Models) claimOnly(ctx context.Context, trigger, by string, period time.Time) (RetrainStatus, bool, error) {
	if m.o.Train == nil {
		return RetrainStatus{}, false, ErrNoTrainer
	}
	prev, ver, err := m.retrainDoc(ctx)
	if err != nil && ver == 0 {
		return RetrainStatus{}, false, err
	}
	model, err := m.document(ctx, ModelDocument)
	if err != nil {
		return RetrainStatus{}, false, err
	}
	now := m.o.Now().UTC()
	st := RetrainStatus{State: RetrainRunning, Trigger: trigger, By: by, Node: m.o.Node, StartedAt: now}
	if prev != nil {
		live := prev.State == RetrainRunning && prev.LeaseUntil != nil && now.Before(*prev.LeaseUntil)
		if live {
			return RetrainStatus{}, false, fmt.Errorf("%w (started by %s on node %s at %s)", ErrRetrainRunning,
				orSystem(prev.By), prev.Node, prev.StartedAt.Format(time.RFC3339))
		}
		// A scheduled retrain runs once per period: a claim of this period
		// that finished (successfully or not) stands; one whose lease ran
		// out (its node died) is taken over.
		if trigger == TriggerSchedule && prev.Period != nil && !prev.Period.Before(period) && prev.State != RetrainRunning {
			return RetrainStatus{}, false, nil
		}
		st.Period = prev.Period
	}
	if trigger == TriggerSchedule {
		p := period
		st.Period = &p
	}
	lease := now.Add(m.o.Lease)
	st.LeaseUntil = &lease
	body, err := json.Marshal(st)
	if err != nil {
		return RetrainStatus{}, false, fmt.Errorf("encoding retrain claim: %w", err)
	}
	saved, err := m.o.Store.PutDocument(ctx, store.Document{Name: RetrainDocument, Body: body, UpdatedBy: m.o.Node}, ver)
	if errors.Is(err, store.ErrVersionConflict) {
		if trigger == TriggerSchedule {
			return RetrainStatus{}, false, nil // another node claimed it first
		}
		return RetrainStatus{}, false, fmt.Errorf("%w (another node claimed it just now)", ErrRetrainRunning)
	}
	if err != nil {
		return RetrainStatus{}, false, fmt.Errorf("claiming the retrain: %w", err)
	}
	st.claim, st.base = saved.Version, version(model)
	m.o.Logger.InfoContext(ctx, "retraining the category classifier", "trigger", trigger, "by", by, "node", m.o.Node)
	return st, true, nil
}

func orSystem(by string) string {
	if by == "" {
		return SystemActor
	}
	return by
}

// run trains, stores the model and records the outcome in the claim.
func (m *Models) run(ctx context.Context, st RetrainStatus, done chan struct{}) {
	defer func() {
		m.mu.Lock()
		m.running = nil
		m.mu.Unlock()
		close(done)
	}()
	start := time.Now()
	info, err := m.retrain(ctx, st)
	now := m.o.Now().UTC()
	st.FinishedAt, st.LeaseUntil = &now, nil
	if err != nil {
		st.State, st.Error = RetrainFailed, err.Error()
		m.o.Logger.ErrorContext(ctx, "retraining the category classifier failed; the model in force stays", "err", err)
	} else {
		st.State, st.ModelVersion = RetrainSucceeded, info.Version
		m.o.Logger.InfoContext(ctx, "category classifier retrained", "version", info.Version, "took", time.Since(start).Round(time.Millisecond),
			"closed_cases", info.Examples.ClosedCases, "corrections", info.Examples.Corrections, "child_models", info.ChildModels)
	}
	if err := m.record(ctx, st); err != nil && ctx.Err() == nil {
		m.o.Logger.WarnContext(ctx, "the retrain's outcome could not be recorded (its lease may have been taken over)", "err", err)
	}
}

// retrain trains a model and stores it over the version stored when it
// was claimed.
func (m *Models) retrain(ctx context.Context, st RetrainStatus) (ModelInfo, error) {
	examples, counts, err := m.TrainingSet(ctx)
	if err != nil {
		return ModelInfo{}, err
	}
	hm, embedded, err := m.o.Train(ctx, examples)
	if err != nil {
		return ModelInfo{}, fmt.Errorf("training: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return ModelInfo{}, err
	}
	counts.Embedded = embedded
	var b bytes.Buffer
	if err := hier.WriteModel(&b, hm); err != nil {
		return ModelInfo{}, fmt.Errorf("writing the model: %w", err)
	}
	trained := m.o.Now().UTC()
	by := st.By
	if by == "" {
		by = "system:retrain/" + st.Trigger
	}
	info, err := m.put(ctx, b.Bytes(), hm, st.base, ModelInfo{Source: ModelTrained, TrainedAt: &trained, By: by, Examples: &counts})
	if errors.Is(err, store.ErrVersionConflict) {
		return ModelInfo{}, fmt.Errorf("the model was replaced while this one trained; the new one is kept: %w", err)
	}
	return info, err
}

// TrainingSet returns the platform's own examples a retrain adds to the
// embedded data: the newest closed cases (ClosedCases, without SkipTags)
// labelled by the path of their final category, and the cases a person
// recategorised after the classifier's suggestion (Corrections), labelled
// by the category the person chose and counted CorrectionWeight times in
// all (duplicated: hier and classify have no per-example weight; the
// copies make the person's label outweigh the model's answer).
// Corrections that only rerouted or returned a case carry no category and
// are not used.
func (m *Models) TrainingSet(ctx context.Context) ([]hier.Example, TrainingCounts, error) {
	counts := TrainingCounts{CorrectionWeight: m.o.CorrectionWeight}
	closed, err := m.o.Workflow.ClosedCases(ctx, m.o.MaxClosed, m.o.SkipTags...)
	if err != nil {
		return nil, counts, fmt.Errorf("reading closed cases: %w", err)
	}
	out := PathExamples(closed, m.o.Taxonomy)
	counts.ClosedCases = len(out)
	inClosed := make(map[string]bool, len(closed))
	for _, c := range closed {
		inClosed[c.ID] = true
	}
	corrections, err := m.o.Workflow.Corrections(ctx, 0, m.o.MaxCorrections)
	if err != nil {
		return nil, counts, fmt.Errorf("reading corrections: %w", err)
	}
	for _, c := range corrections {
		if c.Recategorised == nil {
			continue
		}
		path, ok := CategoryPath(m.o.Taxonomy, c.Recategorised.To)
		if !ok {
			continue
		}
		copies := m.o.CorrectionWeight
		if inClosed[c.CaseID] {
			copies-- // counted once among the closed cases
		}
		for range copies {
			out = append(out, hier.Example{Title: c.Title, Body: c.Text, Path: path})
		}
		counts.Corrections++
	}
	return out, counts, nil
}

// Run polls the store every PollInterval until ctx ends: it swaps in the
// model other nodes stored, starts the scheduled retrain (RetrainIfDue),
// and, while this node has no model in force and none is stored (a node
// that was to train it at start may have died) or the stored one is
// unreadable by this version, claims a training. Failures are logged and
// retried at the next tick.
func (m *Models) Run(ctx context.Context) error {
	t := time.NewTicker(m.o.PollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		_, err := m.Refresh(ctx)
		unreadable := errors.Is(err, ErrInvalidModel)
		if err != nil && ctx.Err() == nil {
			m.o.Logger.WarnContext(ctx, "refreshing the category classifier failed; keeping the model in force", "err", err)
		}
		if _, err := m.RetrainIfDue(ctx); err != nil && ctx.Err() == nil && !errors.Is(err, ErrNoTrainer) {
			m.o.Logger.WarnContext(ctx, "the scheduled retrain could not start", "err", err)
		}
		if m.cur.Load() == nil && m.o.Train != nil {
			if d, err := m.document(ctx, ModelDocument); err == nil && (d == nil || unreadable) {
				if _, _, err := m.claim(ctx, TriggerStart, "", time.Time{}); err != nil && !errors.Is(err, ErrRetrainRunning) && ctx.Err() == nil {
					m.o.Logger.WarnContext(ctx, "training the first category classifier could not start", "err", err)
				}
			}
		}
	}
}
