package workflow

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/category"
	"yiwang/internal/nlp/classify"
	"yiwang/internal/nlp/hier"
	"yiwang/internal/nlp/hier/hiertest"
	"yiwang/internal/store"
)

// The two first-level categories the tiny test models answer.
const (
	lampCategory   = "城乡建设" // code 01
	schoolCategory = "教育文体" // code 14
)

func modelFile(t testing.TB, m *hier.Model) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := hier.WriteModel(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// modelNode is one node's workflow and model keeper over a shared store.
type modelNode struct {
	w *Workflow
	m *Models
}

func newModelNode(t *testing.T, st store.Store, o ModelOptions) modelNode {
	t.Helper()
	w, err := New(Options{Store: st, Engine: testEngine(t)})
	if err != nil {
		t.Fatal(err)
	}
	tax, err := category.Default()
	if err != nil {
		t.Fatal(err)
	}
	o.Store, o.Workflow, o.Taxonomy = st, w, tax
	m, err := NewModels(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return modelNode{w: w, m: m}
}

// top is the node's first suggestion for a lamp message.
func (n modelNode) top(t *testing.T) string {
	t.Helper()
	s, ok := n.w.Suggest("路灯不亮", "小区路灯晚上不亮")
	if !ok || len(s) == 0 {
		t.Fatalf("no suggestion (ready %v)", ok)
	}
	return s[0].Category
}

// TestModelUploadVersionsAndRefresh: an upload is stored as the next
// version and in force at once on its node; another node over the store
// swaps it in at Refresh; a stale expected version changes nothing; old
// model files are deleted, the one in force and the one before it kept.
func TestModelUploadVersionsAndRefresh(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		ctx := t.Context()
		a, b := newModelNode(t, st, ModelOptions{Node: "a"}), newModelNode(t, st, ModelOptions{Node: "b"})
		fileA, fileB := modelFile(t, hiertest.TinyModel(t, lampCategory, schoolCategory)), modelFile(t, hiertest.TinyModel(t, schoolCategory, lampCategory))
		if _, ok := a.w.Suggest("路灯不亮", ""); ok {
			t.Fatal("a suggester before any model")
		}
		info, err := a.m.Upload(ctx, fileA, 0, "admin")
		if err != nil {
			t.Fatal(err)
		}
		if info.Version != 1 || info.Source != ModelUploaded || info.By != "admin" || info.Bytes != len(fileA) || len(info.SHA256) != 64 ||
			!slices.Equal(info.Labels, []string{lampCategory, schoolCategory}) {
			t.Errorf("info %+v", info)
		}
		if got := a.top(t); got != "01" {
			t.Errorf("node a after upload A: %s, want 01", got)
		}
		if changed, err := b.m.Refresh(ctx); err != nil || !changed {
			t.Fatalf("b refresh: %v %v", changed, err)
		}
		if got, _ := b.m.InForce(); got.Version != 1 || got.SHA256 != info.SHA256 {
			t.Errorf("b in force %+v, want version 1 %s", got, info.SHA256)
		}
		if got := b.top(t); got != "01" {
			t.Errorf("node b after refresh: %s, want 01", got)
		}
		if changed, err := b.m.Refresh(ctx); err != nil || changed {
			t.Errorf("second refresh: %v %v, want no change", changed, err)
		}
		if _, err := a.m.Upload(ctx, fileB, 0, "admin"); !errors.Is(err, store.ErrVersionConflict) {
			t.Fatalf("stale version: %v, want a version conflict", err)
		}
		if got := a.top(t); got != "01" {
			t.Errorf("after the refused upload: %s, want 01 still", got)
		}
		infoB, err := b.m.Upload(ctx, fileB, 1, "admin")
		if err != nil || infoB.Version != 2 || infoB.Previous != info.SHA256 {
			t.Fatalf("upload B: %+v %v", infoB, err)
		}
		if _, err := a.m.Refresh(ctx); err != nil {
			t.Fatal(err)
		}
		if got := a.top(t); got != "14" {
			t.Errorf("node a after B: %s, want 14", got)
		}
		// A third file: A's file (two back) goes, B's stays.
		fileC := modelFile(t, hiertest.TinyModel(t, lampCategory, "环境保护"))
		if _, err := a.m.Upload(ctx, fileC, -1, "admin"); err != nil {
			t.Fatal(err)
		}
		if _, err := st.GetDocument(ctx, ModelFilePrefix+info.SHA256); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("model file A: %v, want deleted", err)
		}
		if _, err := st.GetDocument(ctx, ModelFilePrefix+infoB.SHA256); err != nil {
			t.Errorf("model file B (the previous one): %v", err)
		}
	})
}

// TestModelUploadRefusesBadFiles: files that do not load and labels that
// are no categories where the model puts them are refused with the field
// at fault; the model in force and the stored version stay.
func TestModelUploadRefusesBadFiles(t *testing.T) {
	ctx := t.Context()
	good := hiertest.TinyModel(t, lampCategory, schoolCategory)
	unknown := hiertest.TinyModel(t, lampCategory, "火星事务")
	child := hiertest.TinyModel(t, "0101", "0102") // codes under 城乡建设 (01)
	wrongParent := &hier.Model{Root: good.Root, Threshold: 0.8, Children: map[string]*classify.Model{hier.Key([]string{schoolCategory}): child.Root}}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("not a gob"))
	zw.Close()
	tests := []struct {
		name, field, mention string
		file                 []byte
	}{
		{"empty", "body", "", nil},
		{"garbage", "body", "", []byte("definitely not a model")},
		{"gzip of garbage", "body", "", gz.Bytes()},
		{"truncated", "body", "", modelFile(t, good)[:100]},
		{"unknown level-1 label", "labels", "火星事务", modelFile(t, unknown)},
		{"child labels under the wrong parent", "labels", "not a subcategory code of 14", modelFile(t, wrongParent)},
	}
	n := newModelNode(t, newFakeStore(), ModelOptions{})
	if _, err := n.m.Upload(ctx, modelFile(t, good), 0, "admin"); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := n.m.Upload(ctx, tt.file, -1, "admin")
			var me *ModelError
			if !errors.As(err, &me) || !errors.Is(err, ErrInvalidModel) || me.Field != tt.field || !strings.Contains(err.Error(), tt.mention) {
				t.Fatalf("err %v, want a ModelError on %s mentioning %q", err, tt.field, tt.mention)
			}
			if info, _ := n.m.InForce(); info.Version != 1 {
				t.Errorf("in force: version %d, want 1", info.Version)
			}
			if d, err := n.m.o.Store.GetDocument(ctx, ModelDocument); err != nil || d.Version != 1 {
				t.Errorf("stored version %d (%v), want 1", d.Version, err)
			}
			if got := n.top(t); got != "01" {
				t.Errorf("suggestion %s, want 01 from the model in force", got)
			}
		})
	}
	// A good hierarchical file with a child model under 城乡建设 passes.
	deep := &hier.Model{Root: good.Root, Threshold: 0.8, Children: map[string]*classify.Model{hier.Key([]string{lampCategory}): child.Root}}
	if info, err := n.m.Upload(ctx, modelFile(t, deep), -1, "admin"); err != nil || info.ChildModels != 1 {
		t.Errorf("hierarchical model: %+v %v", info, err)
	}
}

// countingTrainer trains tiny models and counts its calls; with gate set,
// each call waits for a value on it first.
type countingTrainer struct {
	calls atomic.Int32
	gate  chan struct{}
	seen  chan []hier.Example // when set, receives the examples of each call
}

func (c *countingTrainer) train(t testing.TB) Trainer {
	return func(ctx context.Context, ex []hier.Example) (*hier.Model, int, error) {
		c.calls.Add(1)
		if c.seen != nil {
			c.seen <- ex
		}
		if c.gate != nil {
			select {
			case <-c.gate:
			case <-ctx.Done():
				return nil, 0, ctx.Err()
			}
		}
		return hiertest.TinyModel(t, lampCategory, schoolCategory), 42, nil
	}
}

func waitIdle(t *testing.T, m *Models) {
	t.Helper()
	select {
	case <-m.Idle():
	case <-time.After(time.Minute):
		t.Fatal("retrain still running after a minute")
	}
}

// TestRetrainClaimOnce: nodes over one store asking at the same instant
// for the retrain of a period: one claims and trains; the period is not
// retrained again; the next period is, once.
func TestRetrainClaimOnce(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		ctx := t.Context()
		clk := &clock{t: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)}
		tr := &countingTrainer{}
		var nodes []modelNode
		for i := range 4 {
			nodes = append(nodes, newModelNode(t, st, ModelOptions{Node: fmt.Sprintf("n%d", i), Train: tr.train(t), RetrainEvery: 24 * time.Hour, Now: clk.Now}))
		}
		claimAll := func() int {
			var claimed atomic.Int32
			var wg sync.WaitGroup
			for _, n := range nodes {
				wg.Go(func() {
					ok, err := n.m.RetrainIfDue(ctx)
					if err != nil {
						t.Error(err)
					}
					if ok {
						claimed.Add(1)
					}
				})
			}
			wg.Wait()
			for _, n := range nodes {
				waitIdle(t, n.m)
			}
			return int(claimed.Load())
		}
		if got := claimAll(); got != 1 || tr.calls.Load() != 1 {
			t.Fatalf("%d nodes claimed, %d trainings; want 1 and 1", got, tr.calls.Load())
		}
		st1, err := nodes[0].m.RetrainState(ctx)
		if err != nil || st1 == nil || st1.State != RetrainSucceeded || st1.Trigger != TriggerSchedule || st1.ModelVersion != 1 ||
			st1.Period == nil || !st1.Period.Equal(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("retrain state %+v (%v)", st1, err)
		}
		// Later the same day, nodes that did not refresh yet (no model in
		// force) find the period claimed.
		clk.Set(time.Date(2026, 11, 23, 23, 59, 0, 0, time.UTC))
		if got := claimAll(); got != 0 || tr.calls.Load() != 1 {
			t.Fatalf("same period: %d claimed, %d trainings; want 0 and 1", got, tr.calls.Load())
		}
		clk.Set(time.Date(2026, 11, 24, 0, 0, 1, 0, time.UTC))
		if got := claimAll(); got != 1 || tr.calls.Load() != 2 {
			t.Fatalf("next period: %d claimed, %d trainings; want 1 and 2", got, tr.calls.Load())
		}
		info := ModelInfo{}
		for _, n := range nodes {
			if _, err := n.m.Refresh(ctx); err != nil {
				t.Fatal(err)
			}
			got, ok := n.m.InForce()
			if !ok || got.Version != 2 || got.Source != ModelTrained || got.Examples == nil || got.Examples.Embedded != 42 {
				t.Errorf("%s in force: %+v", n.m.o.Node, got)
			}
			info = got
		}
		if !strings.HasPrefix(info.By, "system:retrain/") {
			t.Errorf("by %q", info.By)
		}
	})
}

// TestRetrainOneAtATime: a retrain requested while one runs, on the same
// or another node, is refused; a node's lease that ran out is taken over;
// the model stored at the end is in force.
func TestRetrainOneAtATime(t *testing.T) {
	ctx := t.Context()
	st := newFakeStore()
	clk := &clock{t: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)}
	tr := &countingTrainer{gate: make(chan struct{})}
	a := newModelNode(t, st, ModelOptions{Node: "a", Train: tr.train(t), Now: clk.Now, Lease: time.Hour})
	b := newModelNode(t, st, ModelOptions{Node: "b", Train: tr.train(t), Now: clk.Now, Lease: time.Hour})
	started, err := a.m.Retrain(ctx, "admin")
	if err != nil || started.State != RetrainRunning || started.Node != "a" || started.By != "admin" {
		t.Fatalf("retrain: %+v %v", started, err)
	}
	for _, n := range []modelNode{a, b} {
		if _, err := n.m.Retrain(ctx, "admin"); !errors.Is(err, ErrRetrainRunning) {
			t.Errorf("second retrain on %s: %v, want ErrRetrainRunning", n.m.o.Node, err)
		}
	}
	if s, _ := b.m.RetrainState(ctx); s == nil || s.State != RetrainRunning || s.Node != "a" {
		t.Errorf("b sees %+v", s)
	}
	tr.gate <- struct{}{}
	waitIdle(t, a.m)
	s, err := b.m.RetrainState(ctx)
	if err != nil || s.State != RetrainSucceeded || s.ModelVersion != 1 || s.FinishedAt == nil || s.LeaseUntil != nil {
		t.Fatalf("after: %+v %v", s, err)
	}
	if info, ok := a.m.InForce(); !ok || info.Version != 1 || info.By != "admin" || info.Source != ModelTrained {
		t.Errorf("in force on a: %+v", info)
	}
	// A node that claimed and died: its lease blocks others until it ends.
	dead := newModelNode(t, st, ModelOptions{Node: "dead", Train: tr.train(t), Now: clk.Now, Lease: time.Hour})
	if _, ok, err := dead.m.claimOnly(ctx, TriggerRequest, "admin", time.Time{}); err != nil || !ok {
		t.Fatalf("dead node's claim: %v %v", ok, err)
	}
	if _, err := b.m.Retrain(ctx, "admin"); !errors.Is(err, ErrRetrainRunning) {
		t.Errorf("during the dead node's lease: %v", err)
	}
	clk.Set(clk.Now().Add(time.Hour + time.Second))
	if _, err := b.m.Retrain(ctx, "admin"); err != nil {
		t.Fatalf("after the lease: %v", err)
	}
	tr.gate <- struct{}{}
	waitIdle(t, b.m)
	if info, _ := b.m.InForce(); info.Version != 2 {
		t.Errorf("b in force: version %d, want 2", info.Version)
	}
}

// TestRetrainKeepsAnUploadMadeMeanwhile: a model uploaded while a retrain
// trains stays in force; the retrain fails saying so.
func TestRetrainKeepsAnUploadMadeMeanwhile(t *testing.T) {
	ctx := t.Context()
	tr := &countingTrainer{gate: make(chan struct{})}
	n := newModelNode(t, newFakeStore(), ModelOptions{Train: tr.train(t)})
	if _, err := n.m.Retrain(ctx, "admin"); err != nil {
		t.Fatal(err)
	}
	up, err := n.m.Upload(ctx, modelFile(t, hiertest.TinyModel(t, schoolCategory, lampCategory)), 0, "admin")
	if err != nil {
		t.Fatal(err)
	}
	tr.gate <- struct{}{}
	waitIdle(t, n.m)
	if info, _ := n.m.InForce(); info.SHA256 != up.SHA256 || info.Version != 1 {
		t.Errorf("in force %+v, want the upload", info)
	}
	if s, _ := n.m.RetrainState(ctx); s.State != RetrainFailed || !strings.Contains(s.Error, "replaced while this one trained") {
		t.Errorf("retrain state %+v", s)
	}
}

// TestStartTrainsOnceThenLoads: the first node to start trains and stores
// the model; a later start loads it without training.
func TestStartTrainsOnceThenLoads(t *testing.T) {
	ctx := t.Context()
	st := newFakeStore()
	tr := &countingTrainer{}
	a := newModelNode(t, st, ModelOptions{Train: tr.train(t)})
	if err := a.m.Start(ctx); err != nil {
		t.Fatal(err)
	}
	b := newModelNode(t, st, ModelOptions{Train: tr.train(t)})
	if err := b.m.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if tr.calls.Load() != 1 {
		t.Errorf("%d trainings, want 1", tr.calls.Load())
	}
	for _, n := range []modelNode{a, b} {
		if info, ok := n.m.InForce(); !ok || info.Version != 1 {
			t.Errorf("in force %+v %v", info, ok)
		}
	}
	if s, _ := b.m.RetrainState(ctx); s.Trigger != TriggerStart || s.State != RetrainSucceeded {
		t.Errorf("state %+v", s)
	}
	// The same file again (a node restarted with --model) makes no new version.
	file := modelFile(t, hiertest.TinyModel(t, schoolCategory, lampCategory))
	first, err := b.m.UploadIfNew(ctx, file, "file:m.bin")
	if err != nil || first.Version != 2 {
		t.Fatalf("first upload: %+v %v", first, err)
	}
	again, err := a.m.UploadIfNew(ctx, file, "file:m.bin")
	if err != nil || again.Version != 2 || again.SHA256 != first.SHA256 {
		t.Fatalf("same file again: %+v %v", again, err)
	}
	if got := a.top(t); got != "14" {
		t.Errorf("a after the file: %s, want 14", got)
	}
}

// TestTrainingSetWeighsCorrections: a case a person recategorised after
// the suggestion counts CorrectionWeight times, labelled by the person's
// category (once among the closed cases plus the rest when closed); a
// suggested case nobody corrected adds nothing.
func TestTrainingSetWeighsCorrections(t *testing.T) {
	f := newFixture(t, newFakeStore())
	created := at(2025, 9, 30, 10, 0)
	if err := f.w.SetSuggester(fixedSuggester{{"0102", 0.95, nil}}, 0); err != nil {
		t.Fatal(err)
	}
	n := newCase("01", cases.SeverityNormal)
	n.Description = "小区楼道灯坏了"
	open := f.create(n, created)
	closed := f.create(n, created)
	f.create(n, created) // suggested, not corrected
	f.do(open.ID, created.Add(time.Hour), recategorise("0104"))
	f.do(closed.ID, created.Add(time.Hour), recategorise("0103"))
	for i, cmd := range []cases.Command{
		{Action: cases.ActionAccept, Actor: "unit"},
		{Action: cases.ActionResolve, Actor: "unit", Payload: cases.Payload{Reply: "已处理"}},
		{Action: cases.ActionClose, Actor: "dispatcher"},
	} {
		f.do(closed.ID, created.Add(time.Duration(i+2)*time.Hour), cmd)
	}
	tax, err := category.Default()
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewModels(ModelOptions{Store: f.st, Workflow: f.w, Taxonomy: tax})
	if err != nil {
		t.Fatal(err)
	}
	ex, counts, err := m.TrainingSet(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts != (TrainingCounts{ClosedCases: 1, Corrections: 2, CorrectionWeight: DefaultCorrectionWeight}) {
		t.Errorf("counts %+v", counts)
	}
	byPath := map[string]int{}
	for _, e := range ex {
		byPath[strings.Join(e.Path, "/")]++
	}
	want := map[string]int{lampCategory + "/0104": DefaultCorrectionWeight, lampCategory + "/0103": DefaultCorrectionWeight}
	if len(byPath) != len(want) || byPath[lampCategory+"/0104"] != want[lampCategory+"/0104"] || byPath[lampCategory+"/0103"] != want[lampCategory+"/0103"] {
		t.Errorf("examples by path %v, want %v", byPath, want)
	}
}

// TestStartReplacesAnUnreadableModel: a stored model this version cannot
// read (say, of an older file format) is not an outage: a starting node
// trains a new one and stores it over it.
func TestStartReplacesAnUnreadableModel(t *testing.T) {
	ctx := t.Context()
	st := newFakeStore()
	old := []byte("a model file of a format this version no longer reads")
	sum := sha256.Sum256(old)
	info, err := json.Marshal(ModelInfo{SHA256: hex.EncodeToString(sum[:]), Source: ModelUploaded})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutDocument(ctx, store.Document{Name: ModelFilePrefix + hex.EncodeToString(sum[:]), Body: old}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PutDocument(ctx, store.Document{Name: ModelDocument, Body: info}, 0); err != nil {
		t.Fatal(err)
	}
	tr := &countingTrainer{}
	n := newModelNode(t, st, ModelOptions{Train: tr.train(t)})
	if _, err := n.m.Refresh(ctx); !errors.Is(err, ErrInvalidModel) {
		t.Fatalf("refresh of the unreadable model: %v, want ErrInvalidModel", err)
	}
	if err := n.m.Start(ctx); err != nil {
		t.Fatal(err)
	}
	got, ok := n.m.InForce()
	if !ok || got.Version != 2 || got.Source != ModelTrained || tr.calls.Load() != 1 {
		t.Errorf("in force %+v (%v) after %d trainings; want version 2, trained once", got, ok, tr.calls.Load())
	}
	if got := n.top(t); got != "01" {
		t.Errorf("suggestion %s, want 01", got)
	}
}

// TestCloseReleasesTheRetrainClaim: a node closed while it trains records
// its retrain as failed, so another node may retrain at once rather than
// after the lease; the abandoned training stores nothing.
func TestCloseReleasesTheRetrainClaim(t *testing.T) {
	ctx := t.Context()
	st := newFakeStore()
	tr := &countingTrainer{gate: make(chan struct{})}
	a := newModelNode(t, st, ModelOptions{Node: "a", Train: tr.train(t)})
	b := newModelNode(t, st, ModelOptions{Node: "b", Train: (&countingTrainer{}).train(t)})
	if _, err := a.m.Retrain(ctx, "admin"); err != nil {
		t.Fatal(err)
	}
	a.m.Close()
	waitIdle(t, a.m) // the trainer returns when its context ends
	s, err := b.m.RetrainState(ctx)
	if err != nil || s.State != RetrainFailed || !strings.Contains(s.Error, "stopped while training") || s.LeaseUntil != nil {
		t.Fatalf("state after close: %+v %v", s, err)
	}
	if _, ok := a.m.InForce(); ok {
		t.Error("the abandoned training put a model in force")
	}
	if _, err := b.m.Retrain(ctx, "admin"); err != nil {
		t.Fatalf("retrain on b after a closed: %v", err)
	}
	waitIdle(t, b.m)
	if s, _ := b.m.RetrainState(ctx); s.State != RetrainSucceeded || s.ModelVersion != 1 {
		t.Errorf("b's retrain: %+v", s)
	}
}
