package demo_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/demo"
	"yiwang/internal/nlp/classify"
	"yiwang/internal/nlp/hier"
	"yiwang/internal/platform"
	"yiwang/internal/store"
)

// quickTrainer trains a small level-1 model in well under a second on the
// first 100 labelled demo messages, instead of the node's full training.
func quickTrainer(t *testing.T) func(context.Context, []hier.Example) (*hier.Model, int, error) {
	t.Helper()
	msgs, err := demo.Messages()
	if err != nil {
		t.Fatal(err)
	}
	var ex []classify.Example
	for _, m := range msgs {
		if m.Set == demo.SetLabeled && len(ex) < 100 {
			ex = append(ex, classify.Example{Title: m.Title, Body: m.Body, Label: m.Level1})
		}
	}
	return func(context.Context, []hier.Example) (*hier.Model, int, error) {
		m, err := classify.Train(ex, classify.Options{CalibrationFolds: 1, Epochs: 5, Seed: 1})
		if err != nil {
			return nil, 0, err
		}
		return &hier.Model{Root: m, Children: map[string]*classify.Model{}, Threshold: hier.DefaultThreshold}, len(ex), nil
	}
}

// openDemoNode opens a node over db with the classifier, waits for its
// start-up training and runs the demo intake, as `yiwang demo` does.
func openDemoNode(t *testing.T, db string, train func(context.Context, []hier.Example) (*hier.Model, int, error)) (*platform.Node, demo.IntakeReport) {
	t.Helper()
	ctx := context.Background()
	n, err := platform.Open(ctx, platform.Options{DB: db, Classifier: true, Trainer: train, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	select {
	case <-n.Trained():
	case <-time.After(time.Minute):
		t.Fatal("start-up training did not end within a minute")
	}
	if _, ok := n.Workflow.Suggest("路灯不亮", ""); !ok {
		t.Fatal("no classifier in force after start-up training")
	}
	rep, err := demo.Intake(ctx, n.Workflow, n.Store, demo.IntakeOptions{Locator: demo.GeoLocator(n.Geo), Taxonomy: n.Taxonomy})
	if err != nil {
		t.Fatal(err)
	}
	return n, rep
}

func listAll(t *testing.T, st store.Store, f store.Filter) []cases.Case {
	t.Helper()
	f.Limit = 1000
	page, err := st.List(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return page.Cases
}

// TestIntakeClassifiesOnceAcrossRestarts takes the demo messages in on a
// node with a classifier: each becomes a web case that was classified and
// then dispatched or queued; a restart over the same store adds none, nor
// does an intake whose done document is lost (the idempotency keys).
func TestIntakeClassifiesOnceAcrossRestarts(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "demo.db")
	n, rep := openDemoNode(t, db, quickTrainer(t))
	t.Logf("first intake: %+v", rep)
	if rep.Done || rep.Messages != demo.DefaultIntakeCount || rep.Created != demo.DefaultIntakeCount {
		t.Fatalf("first intake = %+v, want %d messages all created", rep, demo.DefaultIntakeCount)
	}
	if rep.AutoDispatched+rep.LowConfidence+rep.Manual != rep.Messages {
		t.Errorf("outcomes of %+v do not add up to the messages", rep)
	}
	if rep.AutoDispatched+rep.LowConfidence == 0 {
		t.Errorf("no message was dispatched automatically or queued: %+v", rep)
	}
	all := listAll(t, n.Store, store.Filter{})
	if len(all) != demo.DefaultIntakeCount {
		t.Fatalf("store holds %d cases, want %d", len(all), demo.DefaultIntakeCount)
	}
	queued := listAll(t, n.Store, store.Filter{Queue: cases.QueueLowConfidence})
	if len(queued) != rep.LowConfidence {
		t.Errorf("low-confidence queue holds %d cases, report says %d", len(queued), rep.LowConfidence)
	}
	dispatched := 0
	for _, c := range all {
		if c.Channel != cases.ChannelWeb || !slices.Contains(c.Tags, demo.TagIntake) || !slices.Contains(c.Tags, demo.TagDemo) {
			t.Errorf("case %s: channel %s, tags %v", c.ID, c.Channel, c.Tags)
		}
		if c.Reporter != (cases.Reporter{}) || c.Location.District == "" {
			t.Errorf("case %s: reporter %+v, district %q", c.ID, c.Reporter, c.Location.District)
		}
		hist, err := n.Store.History(context.Background(), c.ID)
		if err != nil {
			t.Fatal(err)
		}
		classified := slices.ContainsFunc(hist, func(e cases.Event) bool { return len(e.Payload.Suggestions) > 0 })
		if !classified {
			t.Errorf("case %s was not classified: %d events", c.ID, len(hist))
		}
		if c.State == cases.StateDispatched && c.Unit != "" {
			dispatched++
		}
	}
	if dispatched != rep.AutoDispatched {
		t.Errorf("%d cases dispatched to a unit, report says %d", dispatched, rep.AutoDispatched)
	}
	n.Close()

	trainer := func(context.Context, []hier.Example) (*hier.Model, int, error) {
		t.Error("the restarted node trained again instead of using the stored model")
		return nil, 0, context.Canceled
	}
	n2, rep2 := openDemoNode(t, db, trainer)
	if !rep2.Done || rep2.Created != rep.Created {
		t.Errorf("second intake = %+v, want done with the first one's figures", rep2)
	}
	if got := len(listAll(t, n2.Store, store.Filter{})); got != len(all) {
		t.Errorf("after a restart the store holds %d cases, want %d", got, len(all))
	}
	// The done document lost (an intake interrupted before writing it):
	// the idempotency keys return the cases already taken in.
	if err := n2.Store.DeleteDocument(context.Background(), demo.IntakeDocument); err != nil {
		t.Fatal(err)
	}
	rep3, err := demo.Intake(context.Background(), n2.Workflow, n2.Store, demo.IntakeOptions{Locator: demo.GeoLocator(n2.Geo), Taxonomy: n2.Taxonomy})
	if err != nil {
		t.Fatal(err)
	}
	if rep3.Done || rep3.Messages != demo.DefaultIntakeCount || rep3.Created != 0 {
		t.Errorf("intake without its document = %+v, want %d messages, none created", rep3, demo.DefaultIntakeCount)
	}
	if got := len(listAll(t, n2.Store, store.Filter{})); got != len(all) {
		t.Errorf("after a repeated intake the store holds %d cases, want %d", got, len(all))
	}
}

// TestIntakeMessagesAreNotTrainingData checks the intake's messages: the
// count asked for, distinct, in id order, all from the support set (the
// classifier trains on the labelled and replied sets), the same each time.
func TestIntakeMessagesAreNotTrainingData(t *testing.T) {
	for _, count := range []int{0, 1, 30, 5000} {
		a, err := demo.IntakeMessages(count)
		if err != nil {
			t.Fatal(err)
		}
		want := count
		switch {
		case count == 0:
			want = demo.DefaultIntakeCount
		case count > 1500:
			want = 1500
		}
		if len(a) != want {
			t.Errorf("IntakeMessages(%d) gave %d, want %d", count, len(a), want)
		}
		for i, m := range a {
			if m.Set != demo.SetSupport {
				t.Errorf("IntakeMessages(%d)[%d] = %s from set %s", count, i, m.ID, m.Set)
			}
			if i > 0 && a[i-1].ID >= m.ID {
				t.Errorf("IntakeMessages(%d) not in strict id order at %d: %s, %s", count, i, a[i-1].ID, m.ID)
			}
		}
		b, _ := demo.IntakeMessages(count)
		if !slices.EqualFunc(a, b, func(x, y demo.Message) bool { return x.ID == y.ID }) {
			t.Errorf("IntakeMessages(%d) differs between calls", count)
		}
	}
}
