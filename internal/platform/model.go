package platform

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"yiwang/internal/api"
	"yiwang/internal/demo"
	"yiwang/internal/nlp"
	"yiwang/internal/nlp/hier"
	"yiwang/internal/workflow"
)

// openModels builds the node's category classifier keeper
// (workflow.Models) and, with Options.ModelFile, stores that file as the
// model in force (unless it already is) so that no training happens at
// start.
func (n *Node) openModels(ctx context.Context, o Options) error {
	train := o.Trainer
	if train == nil {
		train = n.trainHierarchy
	}
	var err error
	n.Models, err = workflow.NewModels(workflow.ModelOptions{
		Store: n.Store, Workflow: n.Workflow, Taxonomy: n.Taxonomy, Train: train, Node: o.NodeName,
		RetrainEvery: o.RetrainEvery, SkipTags: []string{demo.TagDemo}, Now: o.Now, Logger: n.log,
	})
	if err != nil {
		return err
	}
	if o.ModelFile == "" {
		return nil
	}
	file, err := os.ReadFile(o.ModelFile)
	if err != nil {
		return fmt.Errorf("reading the model file: %w", err)
	}
	// By names the file, not the server's directories (GET shows it).
	info, err := n.Models.UploadIfNew(ctx, file, "file:"+filepath.Base(o.ModelFile))
	if err != nil {
		return fmt.Errorf("model file %s: %w", o.ModelFile, err)
	}
	n.log.Info("category classifier loaded from a file", "file", o.ModelFile, "version", info.Version, "sha256", info.SHA256)
	return nil
}

// trainHierarchy is the node's Trainer: nlp.TrainHierarchy over the
// embedded messages plus the examples given (closed cases and
// corrections, workflow.Models.TrainingSet).
func (n *Node) trainHierarchy(_ context.Context, examples []hier.Example) (*hier.Model, int, error) {
	m, _, err := nlp.TrainHierarchy(1, examples, n.Taxonomy)
	if err != nil {
		return nil, 0, err
	}
	embedded := 0
	if msgs, err := demo.Messages(); err == nil {
		labeled, weak := nlp.CategoryData(msgs)
		embedded = len(labeled) + len(weak)
	}
	return m, embedded, nil
}

// trainClassifier puts the stored category classifier in force or, when
// none is stored yet, trains one (about 10 s of CPU on two busy cores) on
// the embedded messages, the node's closed cases and the dispatchers'
// corrections, and stores it for every node (workflow.Models.Start). It
// runs in the background: until a model is in force, new cases are
// dispatched by their category as filed and /api/v1/suggest reports
// classifier_ready false. Close abandons it.
func (n *Node) trainClassifier() {
	if n.Models == nil {
		return
	}
	start := time.Now()
	if err := n.Models.Start(context.Background()); err != nil {
		if !errors.Is(err, context.Canceled) {
			n.log.Error("category classifier not in force; cases are dispatched without suggestions until one is", "err", err)
		}
		return
	}
	if info, ok := n.Models.InForce(); ok {
		n.log.Info("category classifier ready", "took", time.Since(start).Round(time.Millisecond), "version", info.Version,
			"source", info.Source, "child_models", info.ChildModels)
	}
}

// modelWorkflow is the API's view of the workflow on a node with the
// classifier: the workflow plus the model keeper, which the API finds by
// its Models method (the model routes answer 404 without it).
type modelWorkflow struct {
	*workflow.Workflow
	models *workflow.Models
}

// Models returns the node's model keeper.
func (w modelWorkflow) Models() *workflow.Models { return w.models }

// apiWorkflow is the workflow the API serves.
func (n *Node) apiWorkflow() api.Workflow {
	if n.Models == nil {
		return n.Workflow
	}
	return modelWorkflow{Workflow: n.Workflow, models: n.Models}
}
