package workflow

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// DetachReason is the reason a detach from parentID, voided for
// voidReason, carries: "parent <id> voided: <reason>", cut to the length
// a reason may have.
func DetachReason(parentID, voidReason string) string {
	s := "parent " + parentID + " voided: " + voidReason
	if utf8.RuneCountInString(s) > cases.MaxReason {
		s = string([]rune(s)[:cases.MaxReason-1]) + "…"
	}
	return s
}

// detachAll detaches kids, the cases merged into parentID, which void
// voided: each goes back to received (cases.ActionDetach) at the version
// it was read at, then gets afterDetach. A child changed meanwhile makes
// the whole call return errRelayConflict (relay reads the children again).
func (w *Workflow) detachAll(ctx context.Context, parentID string, void cases.Event, kids []cases.Case) (RelayReport, error) {
	var rep RelayReport
	reason := DetachReason(parentID, void.Payload.Reason)
	conflict := false
	for _, kid := range kids {
		at := w.now()
		cmd := cases.Command{Action: cases.ActionDetach, Actor: RelayActor,
			Note:    "主件 " + parentID + " 已作废，本件解除合并、恢复办理 (" + reason + ")",
			Payload: cases.Payload{ParentID: parentID, Reason: reason, Automatic: true}}
		if due := w.dispatchDeadline(&kid, at); due != nil {
			cmd.Payload.Deadlines = &cases.Deadlines{Dispatch: due}
		}
		c, ev, err := w.store.Transition(ctx, store.TransitionRequest{
			ID: kid.ID, At: at, ExpectVersion: kid.Version, IdempotencyKey: DetachKey(kid.ID, void.Seq, kid.Version), Command: cmd,
		})
		switch {
		case err == nil && ev.Seq <= kid.Version:
			rep.Replayed++
		case err == nil:
			rep.Detached++
			if c.Version == ev.Seq {
				if err := w.afterDetach(ctx, c); err != nil {
					w.log.WarnContext(ctx, "dispatch after a detach failed; the catch-up will retry", "case", kid.ID, "err", err)
				}
			}
		case errors.Is(err, store.ErrVersionConflict):
			conflict = true
		case errors.Is(err, cases.ErrTransition), errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrIdempotencyConflict):
			rep.Skipped++
			w.log.WarnContext(ctx, "detach refused", "case", kid.ID, "parent", parentID, "err", err)
		default:
			return rep, fmt.Errorf("detaching %s from voided %s: %w", kid.ID, parentID, err)
		}
	}
	if conflict {
		return rep, fmt.Errorf("detaching the cases merged into %s: %w", parentID, errRelayConflict)
	}
	return rep, nil
}

// afterDetach gives c, just detached (received, at the detach's version),
// what a new case gets, so it waits where it would have had it never been
// merged: held in the low-confidence queue again when it waited there when
// it was merged (its category is still unconfirmed); otherwise the
// responsibility list's decision — an automatic dispatch, or a note
// explaining why it waits in the manual queue (the detach started its
// dispatch clock). It is sent at c's version with the key
// "dispatch/<id>/<seq>", so racing nodes append it once and a person who
// acted first keeps the case.
func (w *Workflow) afterDetach(ctx context.Context, c cases.Case) error {
	if c.State != cases.StateReceived {
		return nil
	}
	pre, err := w.beforeMerge(ctx, c.ID, c.Version)
	if err != nil {
		return err
	}
	at := w.now()
	if at.Before(c.UpdatedAt) {
		at = c.UpdatedAt
	}
	var cmd cases.Command
	if pre.State == cases.StateReceived && pre.Queue == cases.QueueLowConfidence && len(pre.Suggestions) > 0 {
		cmd = cases.Command{Action: cases.ActionNote, Actor: SystemActor,
			Note:    "解除合并后回到分类置信度不足队列，待人工确认分类 (back in the low-confidence queue it waited in when it was merged)",
			Payload: cases.Payload{Automatic: true, Queue: cases.QueueLowConfidence, Suggestions: pre.Suggestions}}
	} else {
		cmd = w.dispatchCommand(&c, at)
		if cmd.Action == cases.ActionNote {
			cmd.Payload.Deadlines = nil // the detach carries the dispatch deadline, from now
		}
	}
	_, _, err = w.store.Transition(ctx, store.TransitionRequest{ID: c.ID, At: at, ExpectVersion: c.Version, Command: cmd,
		IdempotencyKey: fmt.Sprintf("dispatch/%s/%d", c.ID, c.Version+1)})
	if errors.Is(err, store.ErrVersionConflict) || errors.Is(err, store.ErrIdempotencyConflict) {
		return nil // someone acted on the case first: theirs stands
	}
	if err != nil {
		return fmt.Errorf("dispatching detached case %s: %w", c.ID, err)
	}
	return nil
}

// beforeMerge returns case id as it was just before its last merge
// preceding its event seq (the zero Case when there is none).
func (w *Workflow) beforeMerge(ctx context.Context, id string, seq int) (cases.Case, error) {
	hist, err := w.store.History(ctx, id)
	if err != nil {
		return cases.Case{}, fmt.Errorf("reading the history of %s: %w", id, err)
	}
	for i := min(seq, len(hist)) - 1; i > 0; i-- {
		if hist[i].Action == cases.ActionMerge {
			c, err := cases.Replay(hist[:i])
			if err != nil {
				return cases.Case{}, fmt.Errorf("replaying %s before its merge: %w", id, err)
			}
			return c, nil
		}
	}
	return cases.Case{}, nil
}

// finishDetach gives the case of detach event e its afterDetach when e
// is still the case's last event (a node stopped between the two).
func (w *Workflow) finishDetach(ctx context.Context, e cases.Event) error {
	c, err := w.store.Get(ctx, e.CaseID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading detached case %s: %w", e.CaseID, err)
	}
	if c.Version != e.Seq {
		return nil
	}
	return w.afterDetach(ctx, c)
}
