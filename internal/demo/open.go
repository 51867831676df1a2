package demo

import (
	"time"

	"yiwang/internal/cases"
)

// target is where an unanswered message's case is left.
type target int

const (
	tReceived target = iota
	tDispatched
	tAccepted
	tInProgress
	tExtended // in progress with an approved extension
	tExtPending
	tReturned
	tSuspended
)

// mix is a discrete distribution of targets.
type mix []struct {
	t target
	p float64
}

// targetsByAge: the older an unanswered case, the further along it is. The
// shares are invented for the demo.
var targetsByAge = []struct {
	maxAge time.Duration
	m      mix
}{
	{6 * time.Hour, mix{{tReceived, .6}, {tDispatched, .4}}},
	{day, mix{{tReceived, .2}, {tDispatched, .35}, {tAccepted, .3}, {tReturned, .1}, {tInProgress, .05}}},
	{4 * day, mix{{tDispatched, .12}, {tAccepted, .23}, {tInProgress, .45}, {tReturned, .08}, {tSuspended, .07}, {tExtPending, .05}}},
	{15 * day, mix{{tAccepted, .06}, {tInProgress, .5}, {tExtended, .15}, {tSuspended, .15}, {tReturned, .04}, {tExtPending, .1}}},
	{1 << 62, mix{{tAccepted, .04}, {tInProgress, .26}, {tExtended, .3}, {tSuspended, .3}, {tReturned, .04}, {tExtPending, .06}}},
}

func (w *world) target(age time.Duration) target {
	for _, b := range targetsByAge {
		if age >= b.maxAge {
			continue
		}
		x := w.k.r.Float64()
		for _, e := range b.m {
			if x < e.p {
				return e.t
			}
			x -= e.p
		}
		return b.m[len(b.m)-1].t
	}
	return tInProgress
}

// void closes a case as 作废.
func (w *world) void(h *history, reason string) {
	at := w.k.after(h.c.CreatedAt, 30*time.Minute, 4*time.Hour)
	h.do(at, cases.Command{Action: cases.ActionVoid, Actor: w.who.agent(), Unit: hotlineUnit, Payload: cases.Payload{Reason: reason}})
}

// merge joins the case into an earlier similar one.
func (w *world) merge(h *history, parent string) {
	at := w.k.after(h.c.CreatedAt, 20*time.Minute, 3*time.Hour)
	h.do(at, cases.Command{Action: cases.ActionMerge, Actor: w.who.agent(), Unit: hotlineUnit,
		Note: "与 " + parent + " 诉求相同，合并办理", Payload: cases.Payload{ParentID: parent}})
}

// open builds the history of a message without a reply: it is left in an
// open state chosen by its age, and supervised when it ran late.
func (w *world) open(h *history) {
	created := h.c.CreatedAt
	t := w.target(w.now.Sub(created))
	if t == tReceived {
		return
	}
	k := w.k
	at := w.dispatch(h, k.after(created, 10*time.Minute, 3*time.Hour), w.now, w.now.Sub(created) > day && w.chance(0.06))
	switch t {
	case tDispatched:
		return
	case tReturned:
		if w.chance(0.3) {
			at = k.after(at, 20*time.Minute, 4*time.Hour)
			w.unitDo(h, at, cases.ActionAccept, cases.Payload{})
		}
		w.unitDo(h, k.after(at, 30*time.Minute, 6*time.Hour), cases.ActionReturn, cases.Payload{Reason: pick(k.r, returnReasons)})
		return
	}
	at = k.after(at, 20*time.Minute, 8*time.Hour)
	w.unitDo(h, at, cases.ActionAccept, cases.Payload{})
	if t == tAccepted {
		return
	}
	if t != tSuspended || w.chance(0.5) {
		at = k.after(at, 30*time.Minute, day)
		w.unitDo(h, at, cases.ActionStart, cases.Payload{})
	}
	switch t {
	case tExtended:
		at = w.extend(h, k.after(at, 2*day, 7*day), k, true)
	case tExtPending:
		at = w.extend(h, k.after(at, day, 7*day), k, false)
	case tSuspended:
		at = k.after(at, day, 10*day)
		w.unitDo(h, at, cases.ActionSuspend, cases.Payload{Reason: pick(k.r, suspendReasons)})
	}
	if h.c.State != cases.StateSuspended && w.chance(0.6) {
		w.supervise(h, at, w.now)
	}
}
