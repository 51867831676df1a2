package workflow

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"yiwang/internal/category"
	"yiwang/internal/nlp/hier"
	"yiwang/internal/store"
)

// The store documents of the category classifier (Models). The model file
// is kept apart from its small metadata document, which every node polls:
// a node reads the file (megabytes) only when the metadata names another
// one.
const (
	// ModelDocument holds the ModelInfo (JSON) of the model in force; its
	// store version is the model's version.
	ModelDocument = "nlp/model"
	// ModelFilePrefix + the file's SHA-256 (hex) holds the model file
	// (hier.WriteModel's format, or a level-1 classify file), as written.
	ModelFilePrefix = "nlp/model-file/"
	// RetrainDocument holds the RetrainStatus of the last or running
	// retrain: the claim through which one node, and one only, retrains.
	RetrainDocument = "nlp/retrain"
)

// Where a model came from (ModelInfo.Source).
const (
	ModelTrained  = "trained"
	ModelUploaded = "uploaded"
)

// What started a retrain (RetrainStatus.Trigger).
const (
	TriggerRequest  = "request"  // POST /api/v1/nlp/retrain
	TriggerSchedule = "schedule" // ModelOptions.RetrainEvery
	TriggerStart    = "start"    // a node found no model stored
)

// The states of a retrain (RetrainStatus.State).
const (
	RetrainRunning   = "running"
	RetrainSucceeded = "succeeded"
	RetrainFailed    = "failed"
)

// Defaults of ModelOptions.
const (
	// DefaultCorrectionWeight is how many times a case a person
	// recategorised after the classifier's suggestion counts in training,
	// labelled by the category the person chose (a closed case already
	// counted once among the closed cases gets the copies that make up the
	// difference). Fixed a priori, not tuned: there is no real correction
	// data to tune it on. A correction is an explicit label where the model
	// was wrong, worth more than one more closed case, but one person's
	// mistaken correction must not outweigh the embedded examples of its
	// class (tens each): 3.
	DefaultCorrectionWeight = 3
	// DefaultMaxClosed caps the newest closed cases a retrain reads.
	DefaultMaxClosed = 5000
	// DefaultMaxCorrections caps the corrections a retrain reads.
	DefaultMaxCorrections = 5000
	// DefaultRetrainLease is how long a claimed retrain keeps others from
	// starting one (training takes seconds to a minute); a node that dies
	// while training blocks retrains that long at most.
	DefaultRetrainLease = time.Hour
)

var (
	// ErrInvalidModel is wrapped by every *ModelError.
	ErrInvalidModel = errors.New("invalid classifier model")
	// ErrRetrainRunning: a retrain is running (on this node or another
	// one) and its lease has not expired.
	ErrRetrainRunning = errors.New("a retrain of the category classifier is running")
	// ErrNoTrainer: the Models were built without a Trainer.
	ErrNoTrainer = errors.New("no trainer configured")
)

// ModelError says why a model file was refused.
type ModelError struct {
	// Field is what is wrong: "body" (not a model file of a known format
	// and version) or "labels" (a label that is no category of the
	// taxonomy, or sits under the wrong parent).
	Field    string
	Problems []string
}

func (e *ModelError) Error() string {
	return ErrInvalidModel.Error() + ": " + strings.Join(e.Problems, "; ")
}

// Unwrap returns ErrInvalidModel.
func (e *ModelError) Unwrap() error { return ErrInvalidModel }

// TrainingCounts are the examples a trained model learnt from.
type TrainingCounts struct {
	// Embedded are the examples shipped with the program (labelled and
	// weakly labelled messages), as the Trainer reports them.
	Embedded int `json:"embedded"`
	// ClosedCases are the node's closed cases labelled by their final
	// category (ClosedCases).
	ClosedCases int `json:"closed_cases"`
	// Corrections are the cases a person recategorised after the
	// classifier's suggestion, each counted CorrectionWeight times.
	Corrections      int `json:"corrections"`
	CorrectionWeight int `json:"correction_weight"`
}

// ModelInfo describes a stored model.
type ModelInfo struct {
	// Version is the ModelDocument's store version (the ETag of
	// GET /api/v1/nlp/model).
	Version int `json:"version"`
	// SHA256 is the hex SHA-256 of the model file, Bytes its size.
	SHA256 string `json:"sha256"`
	Bytes  int    `json:"bytes"`
	// Source is ModelTrained or ModelUploaded.
	Source string `json:"source"`
	// TrainedAt is when training ended (trained models only).
	TrainedAt *time.Time `json:"trained_at,omitempty"`
	// InstalledAt is when the model was stored and put in force.
	InstalledAt time.Time `json:"installed_at"`
	// By is who stored it: a login, or a system actor.
	By string `json:"by"`
	// Examples are the training data's counts (trained models only).
	Examples *TrainingCounts `json:"examples,omitempty"`
	// Labels are the level-1 model's labels (first-level category names);
	// ChildModels counts the models below them.
	Labels      []string `json:"labels"`
	ChildModels int      `json:"child_models"`
	// Previous is the SHA-256 of the model this one replaced.
	Previous string `json:"previous_sha256,omitempty"`
}

// RetrainStatus is the last or running retrain, as kept in
// RetrainDocument (shared by every node over the store).
type RetrainStatus struct {
	// State is RetrainRunning, RetrainSucceeded or RetrainFailed.
	State string `json:"state"`
	// Trigger is TriggerRequest, TriggerSchedule or TriggerStart.
	Trigger string `json:"trigger"`
	By      string `json:"by,omitempty"`
	// Node is the node that trains.
	Node      string    `json:"node"`
	StartedAt time.Time `json:"started_at"`
	// LeaseUntil is when a running retrain that has not finished may be
	// taken over (its node presumably died).
	LeaseUntil *time.Time `json:"lease_until,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	Error      string     `json:"error,omitempty"`
	// ModelVersion is the version a successful retrain stored.
	ModelVersion int `json:"model_version,omitempty"`
	// Period is the start of the last retrain period a scheduled retrain
	// claimed (kept by the other triggers).
	Period *time.Time `json:"period,omitempty"`

	claim int // the RetrainDocument version of this claim
	base  int // the model version stored when it was claimed, which it replaces
}

// Trainer trains a hierarchical classifier whose labels follow
// CategoryPath on the platform's own examples joined with the data it
// embeds, and reports how many embedded examples it used.
type Trainer func(ctx context.Context, examples []hier.Example) (*hier.Model, int, error)

// ModelOptions configure Models.
type ModelOptions struct {
	// Store keeps the model documents; Workflow gets the suggester and
	// gives the closed cases and corrections; Taxonomy checks the labels.
	// All required.
	Store    store.Store
	Workflow *Workflow
	Taxonomy *category.Taxonomy
	// Train trains models; nil: Retrain and the schedule fail with
	// ErrNoTrainer.
	Train Trainer
	// Node names this node in RetrainStatus (default host name and pid).
	Node string
	// Threshold is passed to Workflow.SetSuggester (0: DefaultThreshold).
	Threshold float64
	// PollInterval is how often Run reads ModelDocument's version (0:
	// DefaultPollInterval).
	PollInterval time.Duration
	// RetrainEvery, when positive, makes Run retrain once per period of
	// that length (periods aligned on multiples of it since the zero
	// time: 24h is each UTC day) unless the model in force was installed
	// within the current period. Every node may run it: the claim in
	// RetrainDocument lets one node only retrain for a period.
	RetrainEvery time.Duration
	// Lease is DefaultRetrainLease when 0.
	Lease time.Duration
	// MaxClosed, MaxCorrections and CorrectionWeight: the Default… values
	// when 0. SkipTags leave closed cases out of training (the demo's
	// seeded cases).
	MaxClosed, MaxCorrections, CorrectionWeight int
	SkipTags                                    []string
	Now                                         func() time.Time
	Logger                                      *slog.Logger
}

// Models keeps the category classifier as versioned data: the model in
// force is a store document every node over the store polls and swaps in
// (Workflow.SetSuggester: requests in flight finish on the old model),
// replaced by an upload (Put) or a retrain (Retrain, the schedule of Run)
// without stopping anything. It is safe for concurrent use.
type Models struct {
	o     ModelOptions
	cur   atomic.Pointer[installedModel]
	setMu sync.Mutex // orders installs with their SetSuggester

	// bg is the context of retrains running in the background; Close
	// cancels it.
	bg     context.Context
	cancel context.CancelFunc

	mu      sync.Mutex
	running chan struct{} // closed when this node's retrain ends; nil when none runs
	runSt   RetrainStatus // the claim of the retrain running
}

type installedModel struct {
	info  ModelInfo
	model *hier.Model
}

// NewModels checks o and returns Models with no model in force yet (Load
// finds the stored one).
func NewModels(o ModelOptions) (*Models, error) {
	switch {
	case o.Store == nil:
		return nil, errors.New("workflow: ModelOptions.Store is required")
	case o.Workflow == nil:
		return nil, errors.New("workflow: ModelOptions.Workflow is required")
	case o.Taxonomy == nil:
		return nil, errors.New("workflow: ModelOptions.Taxonomy is required")
	case o.PollInterval < 0, o.RetrainEvery < 0, o.Lease < 0:
		return nil, errors.New("workflow: ModelOptions durations must not be negative")
	case o.Threshold < 0 || o.Threshold > 1:
		return nil, fmt.Errorf("workflow: ModelOptions.Threshold %v is not within [0, 1]", o.Threshold)
	}
	if o.Node == "" {
		host, _ := os.Hostname()
		o.Node = fmt.Sprintf("%s-%d", host, os.Getpid())
	}
	if o.PollInterval == 0 {
		o.PollInterval = DefaultPollInterval
	}
	if o.Lease == 0 {
		o.Lease = DefaultRetrainLease
	}
	if o.MaxClosed <= 0 {
		o.MaxClosed = DefaultMaxClosed
	}
	if o.MaxCorrections <= 0 {
		o.MaxCorrections = DefaultMaxCorrections
	}
	if o.CorrectionWeight <= 0 {
		o.CorrectionWeight = DefaultCorrectionWeight
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	m := &Models{o: o}
	m.bg, m.cancel = context.WithCancel(context.Background())
	return m, nil
}

// Close cancels the retrain running on this node, if any (training itself
// is not interrupted, but its result is not stored), and records it as
// failed, so that other nodes need not wait for its lease to end. Call it
// before closing the store.
func (m *Models) Close() {
	m.mu.Lock()
	st, busy := m.runSt, m.running != nil
	m.mu.Unlock()
	m.cancel()
	if !busy {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	now := m.o.Now().UTC()
	st.State, st.Error, st.FinishedAt, st.LeaseUntil = RetrainFailed, "the node "+m.o.Node+" stopped while training", &now, nil
	if err := m.record(ctx, st); err != nil {
		m.o.Logger.WarnContext(ctx, "the stopped retrain could not be recorded; others wait for its lease", "err", err)
	}
}

// RetrainEvery is ModelOptions.RetrainEvery.
func (m *Models) RetrainEvery() time.Duration { return m.o.RetrainEvery }

// InForce returns the metadata of the model in force on this node; false
// before one is.
func (m *Models) InForce() (ModelInfo, bool) {
	cur := m.cur.Load()
	if cur == nil {
		return ModelInfo{}, false
	}
	return cur.info, true
}

// ReadModelFile reads a model file (hier.ReadModel: the hierarchical
// format, or a level-1 classify file) and checks that every label is a
// category of tax where the label path (CategoryPath) puts it. Every
// refusal is a *ModelError.
func ReadModelFile(file []byte, tax *category.Taxonomy) (*hier.Model, error) {
	hm, err := hier.ReadModel(bytes.NewReader(file))
	if err != nil {
		return nil, &ModelError{Field: "body", Problems: []string{err.Error()}}
	}
	if probs := modelLabelProblems(hm, tax); len(probs) > 0 {
		return nil, &ModelError{Field: "labels", Problems: probs}
	}
	return hm, nil
}

// maxLabelProblems caps the problems a ModelError lists.
const maxLabelProblems = 20

// modelLabelProblems lists the labels of hm that tax does not place where
// the model does.
func modelLabelProblems(hm *hier.Model, tax *category.Taxonomy) []string {
	var out []string
	if len(hm.Root.Labels) == 0 {
		out = append(out, "the level-1 model has no labels")
	}
	for _, l := range hm.Root.Labels {
		if _, ok := tax.ByName(1, l); !ok {
			out = append(out, fmt.Sprintf("level-1 label %q is not the name of a first-level category", l))
		}
	}
	keys := make([]string, 0, len(hm.Children))
	for k := range hm.Children {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		path := strings.Split(k, "\x1f")
		shown := strings.Join(path, " / ")
		parent, ok := (HierSuggester{Taxonomy: tax}).code(path)
		if !ok {
			out = append(out, fmt.Sprintf("the child model below %q hangs under no category of the taxonomy", shown))
			continue
		}
		for _, l := range hm.Children[k].Labels {
			if c, err := tax.Get(l); err != nil || c.Parent != parent {
				out = append(out, fmt.Sprintf("label %q of the child model below %q is not a subcategory code of %s", l, shown, parent))
			}
		}
	}
	if len(out) > maxLabelProblems {
		out = append(out[:maxLabelProblems], fmt.Sprintf("and %d more", len(out)-maxLabelProblems))
	}
	return out
}

// Load puts the stored model in force (a no-op when it already is); false
// when none is stored.
func (m *Models) Load(ctx context.Context) (bool, error) {
	d, err := m.document(ctx, ModelDocument)
	if err != nil || d == nil {
		return false, err
	}
	_, err = m.loadDoc(ctx, d)
	return err == nil, err
}

// Refresh swaps in the stored model when its version differs from the one
// in force, and reports whether it did.
func (m *Models) Refresh(ctx context.Context) (bool, error) {
	d, err := m.document(ctx, ModelDocument)
	if err != nil || d == nil {
		return false, err
	}
	return m.loadDoc(ctx, d)
}

func (m *Models) loadDoc(ctx context.Context, d *store.Document) (bool, error) {
	var info ModelInfo
	if err := json.Unmarshal(d.Body, &info); err != nil {
		return false, fmt.Errorf("document %s@v%d: %w", ModelDocument, d.Version, err)
	}
	info.Version = d.Version
	if cur := m.cur.Load(); cur != nil && cur.info.Version == info.Version && cur.info.SHA256 == info.SHA256 {
		return false, nil
	}
	f, err := m.document(ctx, ModelFilePrefix+info.SHA256)
	if err != nil {
		return false, err
	}
	if f == nil {
		return false, fmt.Errorf("document %s@v%d names model file %s, which is not stored", ModelDocument, d.Version, info.SHA256)
	}
	if sum := sha256.Sum256(f.Body); hex.EncodeToString(sum[:]) != info.SHA256 {
		return false, fmt.Errorf("model file %s: the stored bytes do not have that SHA-256", info.SHA256)
	}
	hm, err := ReadModelFile(f.Body, m.o.Taxonomy)
	if err != nil {
		return false, fmt.Errorf("model file %s: %w", info.SHA256, err)
	}
	installed, err := m.install(info, hm)
	if installed {
		m.o.Logger.InfoContext(ctx, "category classifier model in force", "version", info.Version, "sha256", info.SHA256,
			"source", info.Source, "by", info.By)
	}
	return installed, err
}

// install puts a model in force unless a newer version already is.
func (m *Models) install(info ModelInfo, hm *hier.Model) (bool, error) {
	m.setMu.Lock()
	defer m.setMu.Unlock()
	if cur := m.cur.Load(); cur != nil && cur.info.Version > info.Version {
		return false, nil
	}
	floor := m.o.Threshold
	if floor == 0 {
		floor = DefaultThreshold
	}
	if err := m.o.Workflow.SetSuggester(HierSuggester{Model: hm, Taxonomy: m.o.Taxonomy, Floor: floor}, m.o.Threshold); err != nil {
		return false, err
	}
	m.cur.Store(&installedModel{info: info, model: hm})
	return true, nil
}

// document reads a document; nil when it was never stored.
func (m *Models) document(ctx context.Context, name string) (*store.Document, error) {
	d, err := m.o.Store.GetDocument(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading document %s: %w", name, err)
	}
	return &d, nil
}

// Upload validates a model file (ReadModelFile), stores it as the next
// version and puts it in force. expectVersion is the version replaced (0
// when none was stored; negative: whatever is stored); a stale one fails
// with store.ErrVersionConflict and changes nothing.
func (m *Models) Upload(ctx context.Context, file []byte, expectVersion int, by string) (ModelInfo, error) {
	hm, err := ReadModelFile(file, m.o.Taxonomy)
	if err != nil {
		return ModelInfo{}, err
	}
	return m.put(ctx, file, hm, expectVersion, ModelInfo{Source: ModelUploaded, By: by})
}

// UploadIfNew is Upload unless the stored model already is this file
// (same SHA-256): then it is only put in force. A node started with a
// model file calls it, so nodes restarted with the same file do not make
// new versions.
func (m *Models) UploadIfNew(ctx context.Context, file []byte, by string) (ModelInfo, error) {
	sum := sha256.Sum256(file)
	for attempt := 0; ; attempt++ {
		d, err := m.document(ctx, ModelDocument)
		if err != nil {
			return ModelInfo{}, err
		}
		var stored ModelInfo
		if d != nil {
			if err := json.Unmarshal(d.Body, &stored); err == nil && stored.SHA256 == hex.EncodeToString(sum[:]) {
				if _, err := m.loadDoc(ctx, d); err != nil {
					return ModelInfo{}, err
				}
				info, _ := m.InForce()
				return info, nil
			}
		}
		info, err := m.Upload(ctx, file, version(d), by)
		if errors.Is(err, store.ErrVersionConflict) && attempt < 2 {
			continue // another node stored a model meanwhile: look again
		}
		return info, err
	}
}

// put stores file (already read as hm) as the next version of the model
// and puts it in force.
func (m *Models) put(ctx context.Context, file []byte, hm *hier.Model, expectVersion int, info ModelInfo) (ModelInfo, error) {
	sum := sha256.Sum256(file)
	info.SHA256, info.Bytes = hex.EncodeToString(sum[:]), len(file)
	info.Labels, info.ChildModels = slices.Clone(hm.Root.Labels), len(hm.Children)
	info.InstalledAt = m.o.Now().UTC()
	d, err := m.document(ctx, ModelDocument)
	if err != nil {
		return ModelInfo{}, err
	}
	var prev ModelInfo
	if d != nil {
		if err := json.Unmarshal(d.Body, &prev); err != nil {
			m.o.Logger.WarnContext(ctx, "the stored model document is unreadable; replacing it", "err", err)
		}
	}
	if expectVersion < 0 {
		expectVersion = version(d)
	}
	if expectVersion != version(d) {
		return ModelInfo{}, fmt.Errorf("model is at version %d, not %d: %w", version(d), expectVersion, store.ErrVersionConflict)
	}
	name := ModelFilePrefix + info.SHA256
	if _, err := m.o.Store.PutDocument(ctx, store.Document{Name: name, Body: file, UpdatedBy: info.By}, 0); err != nil &&
		!errors.Is(err, store.ErrVersionConflict) { // conflict: the same file is stored already
		return ModelInfo{}, fmt.Errorf("storing the model file: %w", err)
	}
	if prev.SHA256 != info.SHA256 {
		info.Previous = prev.SHA256
	} else {
		info.Previous = prev.Previous
	}
	body, err := json.Marshal(info)
	if err != nil {
		return ModelInfo{}, fmt.Errorf("encoding model metadata: %w", err)
	}
	saved, err := m.o.Store.PutDocument(ctx, store.Document{Name: ModelDocument, Body: body, UpdatedBy: info.By}, expectVersion)
	if err != nil {
		m.dropFileUnlessUsed(ctx, info.SHA256)
		return ModelInfo{}, fmt.Errorf("storing the model metadata: %w", err)
	}
	info.Version = saved.Version
	if _, err := m.install(info, hm); err != nil {
		return ModelInfo{}, err
	}
	m.o.Logger.InfoContext(ctx, "category classifier model stored and in force", "version", info.Version, "sha256", info.SHA256,
		"source", info.Source, "by", info.By)
	// Keep the file in force and the one before it (a node still loading
	// it finds it); older ones go.
	if old := prev.Previous; old != "" && old != info.SHA256 && old != info.Previous {
		if err := m.o.Store.DeleteDocument(ctx, ModelFilePrefix+old); err != nil && !errors.Is(err, store.ErrNotFound) {
			m.o.Logger.WarnContext(ctx, "an old model file could not be deleted", "sha256", old, "err", err)
		}
	}
	return info, nil
}

// dropFileUnlessUsed deletes a model file the stored metadata does not
// name (after a refused put).
func (m *Models) dropFileUnlessUsed(ctx context.Context, sum string) {
	d, err := m.document(ctx, ModelDocument)
	if err != nil {
		return
	}
	var info ModelInfo
	if d != nil {
		if err := json.Unmarshal(d.Body, &info); err != nil || info.SHA256 == sum || info.Previous == sum {
			return
		}
	}
	if err := m.o.Store.DeleteDocument(ctx, ModelFilePrefix+sum); err != nil && !errors.Is(err, store.ErrNotFound) {
		m.o.Logger.WarnContext(ctx, "an unused model file could not be deleted", "sha256", sum, "err", err)
	}
}
