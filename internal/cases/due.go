package cases

import (
	"slices"
	"time"
)

// The names of the SLA clocks, as used in deadlines, supervision payloads
// and SLA policies.
const (
	ClockDispatch = "dispatch"
	ClockSignOff  = "sign_off"
	ClockOnSite   = "on_site"
	ClockResolve  = "resolve"
	ClockReply    = "reply"
	// ClockSummons prefixes a summoned unit's report clock ("summons:<unit>").
	ClockSummons = "summons:"
)

// Due is one pending deadline of a case.
type Due struct {
	Clock string    `json:"clock"`
	At    time.Time `json:"at"`
}

// Paused reports whether the case's clocks stand still now (suspended, or
// an extension request pending).
func (c *Case) Paused() bool {
	for _, p := range c.Pauses {
		if p.End == nil {
			return true
		}
	}
	return false
}

// Pending returns the deadlines still running in the case's current state,
// earliest first: the ones that can still be met or missed. A paused or
// finished case has none; summoned units that have not reported always
// count.
func (c *Case) Pending() []Due {
	var out []Due
	add := func(clock string, t *time.Time) {
		if t != nil {
			out = append(out, Due{Clock: clock, At: *t})
		}
	}
	if c.Open() && !c.Paused() {
		d := &c.Deadlines
		switch c.State {
		case StateReceived, StateReturned:
			add(ClockDispatch, d.Dispatch)
		case StateDispatched:
			add(ClockSignOff, d.SignOff)
			fallthrough
		case StateAccepted, StateInProgress:
			add(ClockOnSite, d.OnSite)
			add(ClockResolve, d.Resolve)
			add(ClockReply, d.Reply)
		}
	}
	if c.Open() {
		for _, s := range c.Summons {
			if s.ReportedAt == nil {
				due := s.Due
				add(ClockSummons+s.Unit, &due)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Due) int { return a.At.Compare(b.At) })
	return out
}

// NextDue is the earliest pending deadline; ok is false when none runs.
func (c *Case) NextDue() (t time.Time, ok bool) {
	p := c.Pending()
	if len(p) == 0 {
		return time.Time{}, false
	}
	return p[0].At, true
}
