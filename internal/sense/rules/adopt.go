package rules

import (
	"reflect"
	"slices"
)

// Latest returns the newest stored reading of a sensor (time in ns, value).
type Latest func(sensor int32) (t int64, v float64, ok bool)

// Adopt carries evaluation state over from old, the engine e replaces, so
// that swapping rules at run time keeps the alarm state of the rules that
// did not change:
//   - a rule with the same id, the same definition and the same sensor
//     slots keeps its state (firing, duration start, rate window, stale
//     clock, area counts); a registry swap that moves a rule's sensor to
//     a new slot or changes an area's sensors starts it afresh;
//   - every other rule starts afresh and is primed with the newest reading
//     of each of its sensors (latest), as if that reading had just
//     arrived: a threshold fires at once, a duration rule starts its hold
//     at that reading's time, a rate rule starts a new window;
//   - composites are then re-evaluated from their children.
//
// No transitions are produced: the caller compares Firing before and after.
// Both engines must be compiled against the same registry. Adopt moves
// state out of old, which must not be used afterwards.
func (e *Engine) Adopt(old *Engine, latest Latest) {
	for i := range e.rules {
		c := &e.rules[i]
		if k, ok := old.byID[c.ID]; ok && reflect.DeepEqual(old.rules[k].Rule, c.Rule) &&
			old.rules[k].Sensor == c.Sensor && slices.Equal(old.rules[k].Sensors, c.Sensors) {
			e.st[i] = old.st[k]
			continue
		}
		if c.Kind == Composite || latest == nil {
			continue
		}
		sensors := c.Sensors
		if c.Sensor >= 0 {
			sensors = []int32{c.Sensor}
		}
		for _, sn := range sensors {
			if t, v, ok := latest(sn); ok {
				e.st[i].firing = e.judge(int32(i), sn, t, v)
			}
		}
	}
	e.settleComposites()
}

// settleComposites recomputes every composite rule's firing from its
// parts until nothing changes; composites form no cycle, so this settles
// within their depth.
func (e *Engine) settleComposites() {
	for changed := true; changed; {
		changed = false
		for i := range e.rules {
			if e.rules[i].Kind != Composite {
				continue
			}
			if f := e.combine(int32(i)); f != e.st[i].firing {
				e.st[i].firing, changed = f, true
			}
		}
	}
}
