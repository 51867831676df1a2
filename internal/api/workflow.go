package api

import (
	"context"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
	"yiwang/internal/workflow"
)

// Workflow is what the API needs of the case workflow (workflow.Workflow):
// creates and transitions with dispatch and deadlines, the clocks of a
// case, routing explanations, the responsibility list and return counts.
type Workflow interface {
	Create(ctx context.Context, req store.CreateRequest) (cases.Case, bool, error)
	Transition(ctx context.Context, req store.TransitionRequest) (cases.Case, cases.Event, error)
	Clocks(c cases.Case, now time.Time) []workflow.ClockStatus
	Explain(ctx context.Context, caseID string) (workflow.Explanation, error)
	Rules() workflow.RuleSet
	PutRules(ctx context.Context, body []byte, format string, expectVersion int, actor string) (workflow.RuleSet, error)
	ReturnStats(ctx context.Context, since time.Time) ([]workflow.ReturnStat, error)
}

var _ Workflow = (*workflow.Workflow)(nil)

// caseWriter creates and moves cases: the workflow, or the bare store.
type caseWriter interface {
	Create(ctx context.Context, req store.CreateRequest) (cases.Case, bool, error)
	Transition(ctx context.Context, req store.TransitionRequest) (cases.Case, cases.Event, error)
}
