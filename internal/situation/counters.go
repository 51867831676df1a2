package situation

import "yiwang/internal/cases"

// counters are the additive figures of one area (or one unit or category
// within an area). Every field is a sum over cases or events, so an event
// updates them by taking a case's old contribution out and putting its new
// one in.
type counters struct {
	Total int64 // cases ever created
	Open  int64 // cases not terminal
	// ByState counts open cases by state (index in cases.States).
	ByState        [16]int64
	Resolved       int64 // cases now resolved, verified or closed
	ResolvedOnTime int64 // of those, resolved by the deadline in force
	Rated          int64 // ratings given (回访 outcomes and citizens' ratings)
	Satisfied      int64 // of those, satisfied or basically satisfied
	Overdue        int64 // open cases with a deadline passed
	OverdueUnres   int64 // of those, not in a resolved state
	Dispatches     int64 // dispatch, reassign and reopen events
	SignedOnTime   int64 // accept events by the sign-off deadline in force
}

var stateIndex = func() map[cases.State]int {
	m := map[cases.State]int{}
	for i, s := range cases.States {
		m[s] = i
	}
	return m
}()

func resolvedState(s cases.State) bool {
	return s == cases.StateResolved || s == cases.StateVerified || s == cases.StateClosed
}

// addCase adds (sign +1) or removes (sign -1) a case's contribution; the
// overdue flags are handled separately by the overdue tracker.
func (c *counters) addCase(r *caseRec, sign int64) {
	c.Total += sign
	if !r.state.Terminal() {
		c.Open += sign
		c.ByState[stateIndex[r.state]] += sign
	}
	if resolvedState(r.state) {
		c.Resolved += sign
		if r.onTime {
			c.ResolvedOnTime += sign
		}
	}
	c.Rated += sign * r.rated
	c.Satisfied += sign * r.satisfied
}

func (c *counters) addOverdue(r *caseRec, sign int64) {
	c.Overdue += sign
	if !resolvedState(r.state) {
		c.OverdueUnres += sign
	}
}
