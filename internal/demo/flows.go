package demo

import (
	"time"

	"yiwang/internal/cases"
)

const day = 24 * time.Hour

// DeadlineFunc sets a case's deadlines when it is dispatched at t.
type DeadlineFunc func(t time.Time, sev cases.Severity) cases.Deadlines

// DemoDeadlines are simple calendar-day deadlines for the demo (not the SLA
// rules): sign-off within 1 day; resolution within 15 days (5 when urgent,
// 2 when critical).
func DemoDeadlines(t time.Time, sev cases.Severity) cases.Deadlines {
	days := 15
	switch sev {
	case cases.SeverityUrgent:
		days = 5
	case cases.SeverityCritical:
		days = 2
	}
	signOff, resolve := t.Add(day), t.Add(time.Duration(days)*day)
	return cases.Deadlines{SignOff: &signOff, Resolve: &resolve}
}

// world holds what every flow needs.
type world struct {
	now       time.Time
	k         clock
	who       actors
	tm        timeMap
	router    Router
	deadlines DeadlineFunc
}

func (w *world) chance(p float64) bool { return w.k.r.Float64() < p }

func (w *world) query(h *history) RouteQuery {
	c := &h.c
	return RouteQuery{Category: c.Category, Location: c.Location, Severity: c.Severity, At: c.CreatedAt}
}

// dispatch sends the case to its routed unit, sometimes first to a wrong
// unit that returns it (a misroute detour), when the clock bounded by
// until leaves room.
func (w *world) dispatch(h *history, at time.Time, until time.Time, detour bool) time.Time {
	q := w.query(h)
	a := w.router.Route(q)
	k := clock{r: w.k.r, now: until}
	if detour {
		if wrong := w.router.Misroute(q, a.Lead, w.k.r); wrong != "" {
			w.dispatchTo(h, at, wrong, nil, "")
			at = k.after(at, 30*time.Minute, 6*time.Hour)
			h.do(at, cases.Command{Action: cases.ActionReturn, Actor: w.who.staff(wrong), Unit: wrong,
				Payload: cases.Payload{Reason: pick(w.k.r, returnReasons)}})
			at = k.after(at, 10*time.Minute, 2*time.Hour)
		}
	}
	w.dispatchTo(h, at, a.Lead, a.Co, a.RuleID)
	return at
}

func (w *world) dispatchTo(h *history, at time.Time, unit string, co []string, rule string) {
	d := w.deadlines(at, h.c.Severity)
	note := ""
	if rule != "" {
		note = "派单规则 " + rule
	}
	h.do(at, cases.Command{Action: cases.ActionDispatch, Actor: w.who.agent(), Unit: hotlineUnit, Note: note,
		Payload: cases.Payload{Unit: unit, CoUnits: co, Deadlines: &d}})
}

func (w *world) unitDo(h *history, at time.Time, a cases.Action, p cases.Payload) {
	h.do(at, cases.Command{Action: a, Actor: w.who.staff(h.c.Unit), Unit: h.c.Unit, Payload: p})
}

// extend requests an extension at at and, when approve, grants it the next
// moment the clock allows: the resolve deadline moves by 10 to 20 days.
func (w *world) extend(h *history, at time.Time, k clock, approve bool) time.Time {
	w.unitDo(h, at, cases.ActionRequestExtension, cases.Payload{Reason: pick(w.k.r, extendReasons)})
	if !approve {
		return at
	}
	at = k.after(at, 2*time.Hour, day)
	base := at
	if d := h.c.Deadlines.Resolve; d != nil && d.After(base) {
		base = *d
	}
	due := base.Add(time.Duration(10+w.k.r.IntN(11)) * day)
	h.do(at, cases.Command{Action: cases.ActionApproveExtension, Actor: w.who.agent(), Unit: hotlineUnit,
		Payload: cases.Payload{Deadlines: &cases.Deadlines{Resolve: &due}}})
	return at
}

// supervise records a 督办 some time after the resolve deadline passed,
// if that moment comes before limit.
func (w *world) supervise(h *history, last, limit time.Time) time.Time {
	d := h.c.Deadlines.Resolve
	if d == nil || !h.c.Open() {
		return last
	}
	at := d.Add(time.Hour + time.Duration(w.k.r.Int64N(int64(3*day))))
	if at.Before(last) {
		at = last
	}
	if !at.Before(limit) {
		return last
	}
	h.do(at, cases.Command{Action: cases.ActionSupervise, Actor: "supervisor01", Unit: hotlineUnit,
		Note: "已超过办理时限，督促承办单位尽快办理"})
	return at
}

// answered builds the history of a message with a real official reply:
// dispatched, accepted, handled and resolved with the reply at the real
// delay squeezed into the time left (see timeMap), then called back and
// closed, or reopened when the caller is unsatisfied.
func (w *world) answered(h *history, m Message) {
	created := h.c.CreatedAt
	resolveAt := created.Add(w.tm.squeeze(created, m.RepliedAt.Sub(m.CreatedAt)))
	k := clock{r: w.k.r, now: resolveAt}
	at := w.dispatch(h, k.after(created, 10*time.Minute, 2*time.Hour), resolveAt, w.chance(0.05))
	at = k.after(at, 20*time.Minute, 8*time.Hour)
	w.unitDo(h, at, cases.ActionAccept, cases.Payload{})
	at = k.after(at, 30*time.Minute, day)
	w.unitDo(h, at, cases.ActionStart, cases.Payload{})
	if resolveAt.Sub(created) > 12*day && w.chance(0.35) {
		at = w.extend(h, k.after(at, 2*day, 8*day), k, true)
	}
	if w.chance(0.5) {
		at = w.supervise(h, at, resolveAt)
	}
	note := "原始答复时间 " + m.RepliedAt.Format("2006-01-02 15:04")
	if u := answeringUnit(m.Reply); u != "" {
		note += "；答复单位（原文）：" + u
	}
	h.do(resolveAt, cases.Command{Action: cases.ActionResolve, Actor: w.who.staff(h.c.Unit), Unit: h.c.Unit,
		Note: note, Payload: cases.Payload{Reply: m.Reply}})

	// After the reply: callback (回访) and closing, bounded by now.
	if w.now.Sub(resolveAt) < day+time.Duration(w.k.r.Int64N(int64(day))) {
		return // still waiting for the callback
	}
	at = w.k.after(resolveAt, 2*time.Hour, 2*day)
	sat := cases.Satisfied
	switch x := w.k.r.Float64(); {
	case x < 0.07:
		sat = cases.Unsatisfied
	case x < 0.32:
		sat = cases.BasicallySatisfied
	}
	h.do(at, cases.Command{Action: cases.ActionVerify, Actor: w.who.callback(), Unit: hotlineUnit,
		Payload: cases.Payload{Satisfaction: sat}})
	if sat == cases.Unsatisfied {
		at = w.k.after(at, time.Hour, 12*time.Hour)
		d := w.deadlines(at, h.c.Severity)
		h.do(at, cases.Command{Action: cases.ActionReopen, Actor: w.who.agent(), Unit: hotlineUnit,
			Note: "回访不满意，退回承办单位重新办理", Payload: cases.Payload{Deadlines: &d}})
		if w.chance(0.7) {
			at = w.k.after(at, time.Hour, day)
			w.unitDo(h, at, cases.ActionAccept, cases.Payload{})
			if w.chance(0.7) {
				w.unitDo(h, w.k.after(at, time.Hour, day), cases.ActionStart, cases.Payload{})
			}
		}
		return
	}
	if w.now.Sub(at) < day+time.Duration(w.k.r.Int64N(int64(3*day))) {
		return // verified, not yet closed
	}
	h.do(w.k.after(at, time.Hour, day), cases.Command{Action: cases.ActionClose, Actor: w.who.agent(), Unit: hotlineUnit})
}
