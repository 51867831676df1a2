package cases

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// State is where a case is in its lifecycle.
type State string

// The lifecycle states.
const (
	StateNone       State = ""
	StateReceived   State = "received"    // 受理
	StateDispatched State = "dispatched"  // 派单
	StateAccepted   State = "accepted"    // 签收
	StateInProgress State = "in_progress" // 办理
	StateResolved   State = "resolved"    // 办结
	StateVerified   State = "verified"    // 回访
	StateClosed     State = "closed"      // 结案
	StateReturned   State = "returned"    // 退单, back in the dispatch queue
	StateSuspended  State = "suspended"   // 挂起
	StateMerged     State = "merged"      // 合并 into a parent case
	StateVoided     State = "voided"      // 作废
)

// States lists every state in lifecycle order.
var States = []State{StateReceived, StateDispatched, StateAccepted, StateInProgress, StateResolved, StateVerified, StateClosed, StateReturned, StateSuspended, StateMerged, StateVoided}

// Valid reports whether s is a known state.
func (s State) Valid() bool { return slices.Contains(States, s) }

// Terminal reports whether no further work happens in s.
func (s State) Terminal() bool {
	return s == StateClosed || s == StateMerged || s == StateVoided
}

// Label returns the Chinese name of the state.
func (s State) Label() string { return stateLabels[s] }

var stateLabels = map[State]string{
	StateReceived: "受理", StateDispatched: "派单", StateAccepted: "签收", StateInProgress: "办理",
	StateResolved: "办结", StateVerified: "回访", StateClosed: "结案", StateReturned: "退单",
	StateSuspended: "挂起", StateMerged: "合并", StateVoided: "作废",
}

// Action is a kind of event: what happened to a case.
type Action string

// The actions. Each event records exactly one.
const (
	ActionCreate           Action = "create"            // 受理
	ActionDispatch         Action = "dispatch"          // 派单
	ActionReassign         Action = "reassign"          // 改派
	ActionAccept           Action = "accept"            // 签收
	ActionReturn           Action = "return"            // 退单
	ActionStart            Action = "start"             // 开始办理
	ActionResolve          Action = "resolve"           // 办结
	ActionVerify           Action = "verify"            // 回访
	ActionClose            Action = "close"             // 结案
	ActionReopen           Action = "reopen"            // 重办
	ActionRequestExtension Action = "request_extension" // 延期申请
	ActionApproveExtension Action = "approve_extension" // 延期批准
	ActionRefuseExtension  Action = "refuse_extension"  // 延期驳回
	ActionSuspend          Action = "suspend"           // 挂起
	ActionResume           Action = "resume"            // 恢复
	ActionSupervise        Action = "supervise"         // 督办
	ActionSummon           Action = "summon"            // 吹哨: call units to the case
	ActionReport           Action = "report"            // 报到: a summoned unit reports
	ActionMerge            Action = "merge"             // 合并
	ActionVoid             Action = "void"              // 作废
	ActionNote             Action = "note"              // 备注
	ActionRecategorise     Action = "recategorise"      // 改类: a dispatcher corrects the category
	// ActionRelay (转告) is the platform passing the official reply of the
	// case this one is merged into (payload.parent_id, payload.reply) to
	// this case's reporter: the merged case keeps its state and takes the
	// reply as its own. Only the platform sends it (see SystemOnly).
	ActionRelay Action = "relay"
	// ActionDetach (解除合并) is the platform taking a merged case out of
	// the case it was merged into (payload.parent_id) because that case
	// was voided (作废) and will never give a reply: the case goes back to
	// received, without unit, deadlines, pauses or reply from its time as
	// a merged case, so it is handled on its own. payload.reason says
	// why. Only the platform sends it (see SystemOnly).
	ActionDetach Action = "detach"
)

// SystemOnly reports whether only the platform may take action a: no
// person, whatever their roles, and no API client sends it.
func (a Action) SystemOnly() bool { return a == ActionRelay || a == ActionDetach }

var openStates = []State{StateReceived, StateDispatched, StateAccepted, StateInProgress, StateResolved, StateVerified, StateReturned, StateSuspended}

// rule says from which states an action is allowed and where it leads.
// A zero To means the state does not change.
type rule struct {
	from []State
	to   State
}

var rules = map[Action]rule{
	ActionDispatch:         {from: []State{StateReceived, StateReturned}, to: StateDispatched},
	ActionReassign:         {from: []State{StateDispatched, StateAccepted, StateInProgress, StateReturned}, to: StateDispatched},
	ActionAccept:           {from: []State{StateDispatched}, to: StateAccepted},
	ActionReturn:           {from: []State{StateDispatched, StateAccepted}, to: StateReturned},
	ActionStart:            {from: []State{StateAccepted}, to: StateInProgress},
	ActionResolve:          {from: []State{StateAccepted, StateInProgress}, to: StateResolved},
	ActionVerify:           {from: []State{StateResolved}, to: StateVerified},
	ActionClose:            {from: []State{StateResolved, StateVerified}, to: StateClosed},
	ActionReopen:           {from: []State{StateResolved, StateVerified}, to: StateDispatched},
	ActionRequestExtension: {from: []State{StateAccepted, StateInProgress}},
	ActionApproveExtension: {from: []State{StateAccepted, StateInProgress}},
	ActionRefuseExtension:  {from: []State{StateAccepted, StateInProgress}},
	ActionSuspend:          {from: []State{StateDispatched, StateAccepted, StateInProgress}, to: StateSuspended},
	ActionResume:           {from: []State{StateSuspended}},
	ActionSupervise:        {from: openStates},
	ActionSummon:           {from: []State{StateReceived, StateDispatched, StateAccepted, StateInProgress, StateReturned, StateSuspended}},
	ActionReport:           {from: openStates},
	ActionMerge:            {from: []State{StateReceived, StateDispatched, StateAccepted, StateInProgress, StateReturned, StateSuspended}, to: StateMerged},
	ActionVoid:             {from: openStates, to: StateVoided},
	ActionNote:             {from: append(slices.Clone(openStates), StateClosed, StateMerged, StateVoided)},
	// Recategorise is allowed while the case is routed or handled: in the
	// dispatch queue (received, returned), with a unit (dispatched,
	// accepted, in_progress). Not once it is resolved (the reply answered
	// the case as filed, and the statistics count it there), suspended or
	// finished.
	ActionRecategorise: {from: []State{StateReceived, StateDispatched, StateAccepted, StateInProgress, StateReturned}},
	// Relay passes the parent's reply to a merged case; the state stays.
	ActionRelay: {from: []State{StateMerged}},
	// Detach returns a merged case whose parent was voided to the
	// dispatch queue.
	ActionDetach: {from: []State{StateMerged}, to: StateReceived},
}

// Actions lists every action a command may carry (create is not a command).
func Actions() []Action {
	out := make([]Action, 0, len(rules))
	for a := range rules {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// Satisfaction outcomes of a callback (回访) or a citizen's rating.
const (
	Satisfied          = "satisfied"           // 满意
	BasicallySatisfied = "basically_satisfied" // 基本满意
	Unsatisfied        = "unsatisfied"         // 不满意
)

// Payload carries the data of an event; which fields are set depends on the action.
type Payload struct {
	// Case is the created case's input (create only).
	Case *NewCase `json:"case,omitempty"`
	// Unit is the unit a case is dispatched or reassigned to.
	Unit    string   `json:"unit,omitempty"`
	CoUnits []string `json:"co_units,omitempty"`
	// Deadlines set by dispatch, reassign, reopen or an approved extension.
	Deadlines *Deadlines `json:"deadlines,omitempty"`
	// Reason for a return, void, suspension, extension or refusal.
	Reason string `json:"reason,omitempty"`
	// ParentID is the case a merged case joins (merge), or whose reply
	// it is given (relay).
	ParentID string `json:"parent_id,omitempty"`
	// Satisfaction is the callback outcome (verify).
	Satisfaction string `json:"satisfaction,omitempty"`
	// Reply is the official answer to the reporter (resolve), or the
	// parent's answer passed to a merged case (relay).
	Reply string `json:"reply,omitempty"`
	// Automatic marks a decision made by the platform rather than a person.
	Automatic bool `json:"automatic,omitempty"`
	// RuleID is the responsibility-list rule behind a dispatch, or, on a
	// return, the rule that had chosen the returning unit.
	RuleID string `json:"rule_id,omitempty"`
	// Units are the units summoned (吹哨).
	Units []string `json:"units,omitempty"`
	// Due is when summoned units must have reported.
	Due *time.Time `json:"due,omitempty"`
	// Clock and Level describe a supervision (督办): which deadline was
	// missed and how many reminders came before this one.
	Clock string `json:"clock,omitempty"`
	Level int    `json:"level,omitempty"`
	// Category is the new category code of a recategorise; its membership
	// in the taxonomy is checked by the caller, as at creation.
	Category string `json:"category,omitempty"`
	// PreviousCategory is the category a recategorise replaced, recorded
	// by Decide (whatever the command carried).
	PreviousCategory string `json:"previous_category,omitempty"`
	// Suggestions, on the platform's classification note, are the
	// categories the classifier proposed, most probable first; the case
	// keeps them (Case.Suggestions).
	Suggestions []Suggestion `json:"suggestions,omitempty"`
	// Queue, on that note, puts the received case in a work list
	// (QueueLowConfidence: the top suggestion was below the threshold).
	Queue Queue `json:"queue,omitempty"`
}

// MaxCategory is the longest category code a command may carry.
const MaxCategory = 50

// MaxSummons caps how many units one summons may call.
const MaxSummons = 20

// Event is one appended change to a case: who did what, when, and why.
type Event struct {
	CaseID string `json:"case_id"`
	// Seq numbers a case's events from 1 without gaps.
	Seq int `json:"seq"`
	// Pos is the event's position in the store's global log, assigned at
	// commit; positions increase in commit order (with gaps possible).
	Pos     int64     `json:"pos,omitempty"`
	Action  Action    `json:"action"`
	Actor   string    `json:"actor"`
	Unit    string    `json:"actor_unit,omitempty"`
	At      time.Time `json:"at"`
	From    State     `json:"from"`
	To      State     `json:"to"`
	Note    string    `json:"note,omitempty"`
	Payload Payload   `json:"payload"`
}

// Command asks for a transition of an existing case.
type Command struct {
	Action  Action  `json:"action"`
	Actor   string  `json:"actor"`
	Unit    string  `json:"actor_unit,omitempty"`
	Note    string  `json:"note,omitempty"`
	Payload Payload `json:"payload"`
}

// ErrTransition is wrapped by every refused transition.
var ErrTransition = errors.New("transition not allowed")

// TransitionError explains a refused transition: the current state and what
// is allowed from it.
type TransitionError struct {
	Action  Action
	State   State
	Allowed []Action
	Reason  string
}

func (e *TransitionError) Error() string {
	allowed := make([]string, len(e.Allowed))
	for i, a := range e.Allowed {
		allowed[i] = string(a)
	}
	msg := fmt.Sprintf("cannot %s a case in state %s (%s)", e.Action, e.State, e.State.Label())
	if e.Reason != "" {
		msg += ": " + e.Reason
	}
	return msg + "; allowed now: " + strings.Join(allowed, ", ")
}

// Is lets errors.Is(err, ErrTransition) match.
func (e *TransitionError) Is(target error) bool { return target == ErrTransition }

// Allowed returns the actions allowed on c now, sorted.
func Allowed(c *Case) []Action {
	var out []Action
	for a := range rules {
		if check(c, a, nil, time.Time{}) == "" {
			out = append(out, a)
		}
	}
	slices.Sort(out)
	return out
}

// check returns why action a is not allowed on c ("" if it is). cmd may be
// nil when only the state matters.
func check(c *Case, a Action, cmd *Command, now time.Time) string {
	r, ok := rules[a]
	if !ok {
		return "unknown action"
	}
	if !slices.Contains(r.from, c.State) {
		return "wrong state"
	}
	switch a {
	case ActionRequestExtension:
		if c.ExtensionPending {
			return "an extension request is already pending"
		}
	case ActionApproveExtension, ActionRefuseExtension:
		if !c.ExtensionPending {
			return "no extension request is pending"
		}
	case ActionReport:
		if c.pendingSummons("") < 0 {
			return "no unit is waiting to report"
		}
	}
	if cmd == nil {
		return ""
	}
	if why := checkClassification(c, cmd); why != "" {
		return why
	}
	p := cmd.Payload
	switch a {
	case ActionDispatch, ActionReassign:
		if p.Unit == "" {
			return "payload.unit is required"
		}
		if a == ActionReassign && p.Unit == c.Unit {
			return "payload.unit must differ from the current unit " + c.Unit
		}
	case ActionReturn, ActionVoid, ActionSuspend, ActionRequestExtension, ActionRefuseExtension:
		if strings.TrimSpace(p.Reason) == "" {
			return "payload.reason is required"
		}
	case ActionMerge:
		if p.ParentID == "" {
			return "payload.parent_id is required"
		}
		if p.ParentID == c.ID {
			return "a case cannot be merged into itself"
		}
	case ActionVerify:
		if p.Satisfaction != Satisfied && p.Satisfaction != BasicallySatisfied && p.Satisfaction != Unsatisfied {
			return "payload.satisfaction must be satisfied, basically_satisfied or unsatisfied"
		}
	case ActionResolve:
		if strings.TrimSpace(p.Reply) == "" {
			return "payload.reply (the official answer to the reporter) is required"
		}
	case ActionRelay:
		if p.ParentID == "" || p.ParentID != c.ParentID {
			return "payload.parent_id must be " + c.ParentID + ", the case this one is merged into"
		}
		if strings.TrimSpace(p.Reply) == "" {
			return "payload.reply (the parent's official answer) is required"
		}
	case ActionDetach:
		if p.ParentID == "" || p.ParentID != c.ParentID {
			return "payload.parent_id must be " + c.ParentID + ", the case this one is merged into"
		}
		if strings.TrimSpace(p.Reason) == "" {
			return "payload.reason (why the case leaves its parent) is required"
		}
	case ActionApproveExtension:
		if p.Deadlines == nil || p.Deadlines.Resolve == nil {
			return "payload.deadlines.resolve (the new deadline) is required"
		}
	case ActionNote:
		if strings.TrimSpace(cmd.Note) == "" {
			return "note is required"
		}
	case ActionSummon:
		if len(p.Units) == 0 || len(p.Units) > MaxSummons {
			return fmt.Sprintf("payload.units must name 1 to %d units", MaxSummons)
		}
		seen := map[string]bool{}
		for _, u := range p.Units {
			if u == "" || seen[u] {
				return "payload.units must be distinct, non-empty unit codes"
			}
			seen[u] = true
			if c.pendingSummons(u) >= 0 {
				return "payload.units: unit " + u + " is already summoned and has not reported"
			}
		}
		if p.Due == nil || !p.Due.After(now) {
			return "payload.due (when the units must report) is required and must be in the future"
		}
	case ActionRecategorise:
		if p.Category == "" {
			return "payload.category (the new category code) is required"
		}
		if p.Category == c.Category {
			return "payload.category must differ from the current category " + c.Category
		}
	case ActionReport:
		if p.Unit == "" {
			return "payload.unit (the reporting unit) is required"
		}
		if c.pendingSummons(p.Unit) < 0 {
			return "payload.unit: unit " + p.Unit + " has no summons waiting for its report"
		}
	}
	return ""
}

// pendingSummons returns the index of unit's unreported summons (any
// unit's when unit is ""), or -1.
func (c *Case) pendingSummons(unit string) int {
	for i, s := range c.Summons {
		if s.ReportedAt == nil && (unit == "" || s.Unit == unit) {
			return i
		}
	}
	return -1
}

// Decide checks cmd against the state machine and returns the event that
// records it, numbered after c's last event. It does not change c.
func Decide(c *Case, cmd Command, now time.Time) (Event, error) {
	if cmd.Actor == "" {
		return Event{}, fieldErr("actor", "is required")
	}
	if _, ok := rules[cmd.Action]; !ok {
		return Event{}, fieldErr("action", "unknown action %q; known actions: %v", cmd.Action, Actions())
	}
	if err := checkText("note", cmd.Note, MaxDescription, false); err != nil {
		return Event{}, err
	}
	if err := checkText("payload.reply", cmd.Payload.Reply, MaxDescription, false); err != nil {
		return Event{}, err
	}
	if err := checkText("payload.reason", cmd.Payload.Reason, MaxReason, false); err != nil {
		return Event{}, err
	}
	if err := checkText("payload.category", cmd.Payload.Category, MaxCategory, false); err != nil {
		return Event{}, err
	}
	if why := check(c, cmd.Action, &cmd, now); why != "" {
		te := &TransitionError{Action: cmd.Action, State: c.State, Allowed: Allowed(c)}
		if why != "wrong state" {
			te.Reason = why
		}
		return Event{}, te
	}
	if cmd.Action == ActionReturn {
		// Record who returned the case and which rule had sent it there,
		// so returns can be counted per unit and per rule.
		cmd.Payload.Unit, cmd.Payload.RuleID = c.Unit, c.RuleID
	}
	if cmd.Action == ActionRecategorise {
		// The event records the old category with the new one, so a
		// correction can be read from the event alone.
		cmd.Payload.PreviousCategory = c.Category
	} else {
		cmd.Payload.Category, cmd.Payload.PreviousCategory = "", ""
	}
	to := rules[cmd.Action].to
	switch {
	case cmd.Action == ActionResume:
		to = c.Resume
	case to == StateNone:
		to = c.State
	}
	return Event{
		CaseID: c.ID, Seq: c.Version + 1, Action: cmd.Action, Actor: cmd.Actor, Unit: cmd.Unit,
		At: now, From: c.State, To: to, Note: cmd.Note, Payload: cmd.Payload,
	}, nil
}

// NewCreate returns the first event of a new case with the given id.
func NewCreate(id string, n NewCase, actor, unit string, now time.Time) Event {
	return Event{CaseID: id, Seq: 1, Action: ActionCreate, Actor: actor, Unit: unit, At: now,
		From: StateNone, To: StateReceived, Payload: Payload{Case: &n}}
}
