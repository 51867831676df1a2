package workflow

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// Merged cases share their parent's handling (合并件随主件办理): when the
// parent gets its official reply, every case merged into it is given that
// reply by a relay event (转告), so each reporter is answered. The relay is
// appended
//   - right after a resolve commits through Transition, to each child of
//     the resolved case;
//   - right after a merge commits, to the new child when its parent
//     already has a reply;
//   - right after a relay is appended, to the children of the case that
//     got it (merges into a merged case), up to maxRelayDepth levels;
//   - by CatchUpRelays, for whatever the above missed (a node that
//     stopped between the resolve and its relays, a failed write).
//
// Each relay carries the idempotency key RelayKey(child, seq of the
// parent's event that set the reply), so any number of nodes relaying the
// same reply append it once; a reopened and re-resolved parent has a new
// reply event, hence a new key, and relays the new reply.
//
// A parent that is voided (作废) will never reply, so its children are
// detached instead (解除合并): each merged child gets a detach event
// (actor RelayActor, reason "parent <id> voided: <reason>") that returns it
// to received, and then what a new case gets (see afterDetach): an
// automatic dispatch when a rule covers it, the low-confidence queue when
// it waited there before it was merged, else the manual queue with the
// explanation. Detaches go out on the same occasions as relays — after the
// void commits, after a merge into a voided parent, and by CatchUpRelays
// (which also finishes a detach whose follow-up a stopped node missed) —
// keyed DetachKey(child, seq of the parent's void, child's version), and
// sent at the version read, so racing nodes detach a child once.

// RelayActor is the actor of the relay events the workflow appends.
const RelayActor = "system:relay"

// RelayCheckpointDocument is the store document in which CatchUpRelays
// keeps, per action, the log position up to which it has read.
const RelayCheckpointDocument = "workflow/relay-checkpoint"

// DefaultRelayInterval is how often RunRelays catches up.
const DefaultRelayInterval = time.Minute

// maxRelayDepth bounds how far a reply goes down chains of merges (a case
// merged into a case that was merged in turn).
const maxRelayDepth = 8

// relayPage is how many children or events one store read returns.
const relayPage = 500

// relayBudget is how many events one CatchUpRelays call reads at most.
const relayBudget = 5000

// maxRelayConflicts is how often a parent's children are re-read when one
// of them changed while its relay was being written.
const maxRelayConflicts = 3

// DetachKey is the idempotency key of the detach of child, read at
// version childVersion, from a parent voided by its event parentSeq:
// "detach/<child>/<parentSeq>/<childVersion>". The child's version makes
// a case merged into the same voided parent a second time (nothing
// refuses it) detached again rather than answered with the first detach.
func DetachKey(child string, parentSeq, childVersion int) string {
	return "detach/" + child + "/" + strconv.Itoa(parentSeq) + "/" + strconv.Itoa(childVersion)
}

// RelayKey is the idempotency key of the relay to child of the reply its
// parent got in the parent's event parentSeq: "relay/<child>/<parentSeq>".
func RelayKey(child string, parentSeq int) string {
	return "relay/" + child + "/" + strconv.Itoa(parentSeq)
}

// RelayReport counts what relaying did.
type RelayReport struct {
	// Relayed counts the relay transitions that returned a new event:
	// appended by this call or, when another node raced it to the same
	// key, by that node (the store answers both alike).
	Relayed int
	// Replayed counts relays whose key had been used before this call
	// read the child (an earlier try): nothing was appended.
	Replayed int
	// Detached counts the detach transitions that returned a new event
	// (children of a voided parent returned to handling), as Relayed.
	Detached int
	// Current counts the children that already had their parent's reply.
	Current int
	// Skipped counts children a relay was refused for (changed meanwhile
	// beyond retrying, or no longer relayable); the catch-up retries.
	Skipped int
	// Events counts the resolve, merge, relay, void and detach events
	// CatchUpRelays read.
	Events int
	// More says CatchUpRelays stopped at its budget with events left.
	More bool
}

func (r *RelayReport) add(o RelayReport) {
	r.Relayed += o.Relayed
	r.Detached += o.Detached
	r.Replayed += o.Replayed
	r.Current += o.Current
	r.Skipped += o.Skipped
}

// errRelayConflict: a child changed while its relay was written.
var errRelayConflict = errors.New("a merged case changed during the relay")

// afterCommit relays what a committed event calls for: a resolve's reply
// to the resolved case's children, a parent's reply to a newly merged
// case; a void detaches the voided case's children (as does a merge into
// a voided case). A failure is logged, not returned: the transition
// stands, and CatchUpRelays delivers what is missing.
func (w *Workflow) afterCommit(ctx context.Context, e cases.Event) {
	var rep RelayReport
	var err error
	switch e.Action {
	case cases.ActionResolve, cases.ActionVoid:
		rep, err = w.RelayReply(ctx, e.CaseID)
	case cases.ActionMerge:
		rep, err = w.relay(ctx, e.Payload.ParentID, e.CaseID, map[string]bool{}, 0)
	default:
		return
	}
	if err != nil {
		w.log.WarnContext(ctx, "relaying a reply to merged cases failed; the catch-up will retry", "case", e.CaseID,
			"action", e.Action, "err", err)
		return
	}
	if rep.Relayed > 0 || rep.Detached > 0 {
		w.log.InfoContext(ctx, "reply relayed to merged cases", "case", e.CaseID, "action", e.Action, "relayed", rep.Relayed,
			"detached", rep.Detached)
	}
}

// RelayReply gives every case merged into parentID (and, down chains of
// merges, the cases merged into those) the parent's current reply, unless
// it has it already. A parent without a reply relays nothing; a voided
// parent detaches its children (the cases merged into those stay merged
// into them, now handled again).
func (w *Workflow) RelayReply(ctx context.Context, parentID string) (RelayReport, error) {
	return w.relay(ctx, parentID, "", map[string]bool{}, 0)
}

// relay gives parentID's reply to its children, or only to child only
// when only is set. seen holds the parents already relayed from in this
// call (a cycle of merges ends there).
func (w *Workflow) relay(ctx context.Context, parentID, only string, seen map[string]bool, depth int) (RelayReport, error) {
	var rep RelayReport
	if parentID == "" || depth > maxRelayDepth || (only == "" && seen[parentID]) {
		return rep, nil
	}
	if only == "" {
		seen[parentID] = true
	}
	for conflicts := 0; ; conflicts++ {
		r, err := w.relayOnce(ctx, parentID, only, seen, depth)
		rep.add(r)
		if errors.Is(err, errRelayConflict) && conflicts < maxRelayConflicts {
			continue
		}
		return rep, err
	}
}

// relayOnce reads the children first and the parent after them: a relay
// appended to a child after that read changes its version, so the
// transition (sent with the version read) is refused instead of putting
// an older reply over a newer one; one appended before it came from a
// parent event the parent read afterwards includes.
func (w *Workflow) relayOnce(ctx context.Context, parentID, only string, seen map[string]bool, depth int) (RelayReport, error) {
	var rep RelayReport
	kids, err := w.children(ctx, parentID, only)
	if err != nil || len(kids) == 0 {
		return rep, err
	}
	src, ok, err := w.replySource(ctx, parentID)
	if err != nil || !ok {
		return rep, err
	}
	if src.Action == cases.ActionVoid {
		return w.detachAll(ctx, parentID, src, kids)
	}
	conflict := false
	for _, kid := range kids {
		if kid.Reply == src.Payload.Reply {
			rep.Current++
			continue
		}
		_, ev, err := w.store.Transition(ctx, store.TransitionRequest{
			ID: kid.ID, At: w.now(), ExpectVersion: kid.Version, IdempotencyKey: RelayKey(kid.ID, src.Seq),
			Command: cases.Command{Action: cases.ActionRelay, Actor: RelayActor,
				Note:    "转告主件 " + parentID + " 的答复 (reply of the case this one is merged into)",
				Payload: cases.Payload{ParentID: parentID, Reply: src.Payload.Reply, Automatic: true}},
		})
		switch {
		case err == nil && ev.Seq <= kid.Version:
			rep.Replayed++
		case err == nil:
			rep.Relayed++
			down, err := w.relay(ctx, kid.ID, "", seen, depth+1)
			rep.add(down)
			if err != nil {
				return rep, err
			}
		case errors.Is(err, store.ErrVersionConflict):
			conflict = true
		case errors.Is(err, cases.ErrTransition), errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrIdempotencyConflict):
			rep.Skipped++
			w.log.WarnContext(ctx, "relay refused", "case", kid.ID, "parent", parentID, "err", err)
		default:
			return rep, fmt.Errorf("relaying the reply of %s to %s: %w", parentID, kid.ID, err)
		}
	}
	if conflict {
		return rep, fmt.Errorf("relaying the reply of %s: %w", parentID, errRelayConflict)
	}
	return rep, nil
}

// children returns the cases merged into parentID (only only, when set).
func (w *Workflow) children(ctx context.Context, parentID, only string) ([]cases.Case, error) {
	if only != "" {
		c, err := w.store.Get(ctx, only)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading merged case %s: %w", only, err)
		}
		if c.State != cases.StateMerged || c.ParentID != parentID {
			return nil, nil
		}
		return []cases.Case{c}, nil
	}
	var out []cases.Case
	f := store.Filter{Parent: parentID, States: []cases.State{cases.StateMerged}, Limit: relayPage}
	for {
		page, err := w.store.List(ctx, f)
		if err != nil {
			return nil, fmt.Errorf("listing the cases merged into %s: %w", parentID, err)
		}
		out = append(out, page.Cases...)
		if page.Next == "" {
			return out, nil
		}
		f.Cursor = page.Next
	}
}

// replySource returns the event that gave the case id its current reply:
// its last resolve or relay; or, when the case is voided, its void (a
// voided case answers nothing, whatever reply it had). ok is false when it
// has neither.
func (w *Workflow) replySource(ctx context.Context, id string) (cases.Event, bool, error) {
	hist, err := w.store.History(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return cases.Event{}, false, nil
	}
	if err != nil {
		return cases.Event{}, false, fmt.Errorf("reading the history of %s: %w", id, err)
	}
	if n := len(hist); n > 0 && hist[n-1].To == cases.StateVoided {
		for i := n - 1; i >= 0; i-- {
			if hist[i].Action == cases.ActionVoid {
				return hist[i], true, nil
			}
		}
	}
	for i := len(hist) - 1; i >= 0; i-- {
		if a := hist[i].Action; (a == cases.ActionResolve || a == cases.ActionRelay) && hist[i].Payload.Reply != "" {
			return hist[i], true, nil
		}
	}
	return cases.Event{}, false, nil
}

// relayCheckpoint is the body of RelayCheckpointDocument: per action,
// the log position of the last event CatchUpRelays has handled.
// A checkpoint stored before voids were followed has no void or detach
// position: those are read from the start once.
type relayCheckpoint struct {
	Resolve int64 `json:"resolve"`
	Merge   int64 `json:"merge"`
	Relay   int64 `json:"relay"`
	Void    int64 `json:"void"`
	Detach  int64 `json:"detach"`
}

// catchUpActions are the actions CatchUpRelays follows, in its order.
var catchUpActions = []cases.Action{cases.ActionResolve, cases.ActionMerge, cases.ActionRelay, cases.ActionVoid, cases.ActionDetach}

func (cp *relayCheckpoint) pos(a cases.Action) *int64 {
	switch a {
	case cases.ActionResolve:
		return &cp.Resolve
	case cases.ActionMerge:
		return &cp.Merge
	case cases.ActionVoid:
		return &cp.Void
	case cases.ActionDetach:
		return &cp.Detach
	}
	return &cp.Relay
}

// CatchUpRelays delivers the relays and detaches the events since its
// checkpoint call for, whether or not they were delivered when the events
// committed: each resolve and relay event relays its case's reply to its
// children (one indexed List, empty for almost every case), each merge
// event its parent's reply to the merged case (or detaches it from a
// voided parent), each void event detaches the voided case's children,
// and each detach event still the child's last gets the follow-up a new
// case gets (afterDetach). It reads each action's events with
// Store.EventsByAction after that action's position in
// RelayCheckpointDocument (positions grow in commit order, so no event is
// passed over), at most relayBudget events per call (RelayReport.More
// says more are left), and stores the new positions.
//
// Double work: a child that has its parent's reply is skipped after one
// read (nothing is written); a relay two nodes write at once carries one
// key, so it is appended once. Nodes catching up at the same time read
// the same events; the checkpoint is stored with the version it was read
// at, so the loser of that race keeps the winner's positions.
func (w *Workflow) CatchUpRelays(ctx context.Context) (RelayReport, error) {
	var rep RelayReport
	var cp relayCheckpoint
	version := 0
	switch doc, err := w.store.GetDocument(ctx, RelayCheckpointDocument); {
	case errors.Is(err, store.ErrNotFound):
	case err != nil:
		return rep, fmt.Errorf("relay catch-up: reading the checkpoint: %w", err)
	default:
		if err := json.Unmarshal(doc.Body, &cp); err != nil {
			return rep, fmt.Errorf("relay catch-up: checkpoint %s: %w", RelayCheckpointDocument, err)
		}
		version = doc.Version
	}
	start := cp
	budget := relayBudget
	done := map[string]bool{} // parents relayed from in this call
	var runErr error
actions:
	for _, a := range catchUpActions {
		pos := cp.pos(a)
		for budget > 0 {
			n := min(relayPage, budget)
			evs, err := w.store.EventsByAction(ctx, a, *pos, n)
			if err != nil {
				runErr = fmt.Errorf("relay catch-up: reading %s events: %w", a, err)
				break actions
			}
			for _, e := range evs {
				var r RelayReport
				switch a {
				case cases.ActionMerge:
					r, err = w.relay(ctx, e.Payload.ParentID, e.CaseID, done, 0)
				case cases.ActionDetach:
					err = w.finishDetach(ctx, e)
				default:
					r, err = w.relay(ctx, e.CaseID, "", done, 0)
				}
				rep.add(r)
				if err != nil {
					runErr = fmt.Errorf("relay catch-up: %s event %s/%d: %w", a, e.CaseID, e.Seq, err)
					break actions
				}
				*pos = e.Pos
				rep.Events++
			}
			budget -= len(evs)
			if len(evs) < n {
				continue actions
			}
		}
		rep.More = true
		break
	}
	if cp != start {
		if err := w.saveRelayCheckpoint(ctx, cp, version); err != nil && runErr == nil {
			runErr = err
		}
	}
	return rep, runErr
}

// saveRelayCheckpoint stores cp over version; when another node stored
// one meanwhile, theirs stays (the events in between are read again by
// whoever catches up next, which writes nothing for them).
func (w *Workflow) saveRelayCheckpoint(ctx context.Context, cp relayCheckpoint, version int) error {
	body, err := json.Marshal(cp)
	if err != nil {
		return fmt.Errorf("relay catch-up: %w", err)
	}
	_, err = w.store.PutDocument(ctx, store.Document{Name: RelayCheckpointDocument, Body: body, UpdatedBy: RelayActor, UpdatedAt: w.now()}, version)
	if errors.Is(err, store.ErrVersionConflict) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("relay catch-up: storing the checkpoint: %w", err)
	}
	return nil
}

// RunRelays catches up at once and then every DefaultRelayInterval until
// ctx ends, then returns nil. A failed catch-up is logged and retried at
// the next tick.
func (w *Workflow) RunRelays(ctx context.Context) error {
	t := time.NewTicker(DefaultRelayInterval)
	defer t.Stop()
	for {
		for {
			rep, err := w.CatchUpRelays(ctx)
			if ctx.Err() != nil {
				return nil
			}
			if err != nil {
				w.log.WarnContext(ctx, "relay catch-up failed; retrying at the next tick", "err", err)
				break
			}
			if rep.Relayed > 0 || rep.Detached > 0 {
				w.log.InfoContext(ctx, "relay catch-up delivered replies to merged cases", "relayed", rep.Relayed,
					"detached", rep.Detached, "events", rep.Events)
			}
			if !rep.More {
				break
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
