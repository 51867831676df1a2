package rules

import "time"

// Replay calls fn with the stored readings of a sensor, oldest first: those
// within span before its newest reading, and that one (nothing when the
// sensor has no reading).
type Replay func(sensor int32, span time.Duration, fn func(t int64, v float64))

// Resume sets a freshly compiled engine up after a restart, from what
// outlived the process: the rules for which firing reports true (their
// alarms are open) start firing, and every rule is fed the stored readings
// it looks back over (threshold and area rules the newest reading of each
// sensor, duration rules those of their hold, rate rules those of their
// window; a stale rule's clock starts at its sensor's newest reading), so
// that hysteresis, holds and windows go on where they were. Composites are
// then re-evaluated from their children. No transitions are produced: the
// caller compares Firing with the alarms it holds.
func (e *Engine) Resume(firing func(id string) bool, replay Replay) {
	for i := range e.rules {
		c := &e.rules[i]
		s := &e.st[i]
		s.firing = firing(c.ID)
		if c.Kind == Composite {
			continue
		}
		var span time.Duration
		switch c.Kind {
		case Duration:
			span = c.For
			if s.firing {
				s.since = 1 // held since long ago; a reading off the level resets it
			}
		case Rate:
			span = c.Window
		}
		sensors := c.Sensors
		if c.Sensor >= 0 {
			sensors = []int32{c.Sensor}
		}
		for _, sn := range sensors {
			replay(sn, span, func(t int64, v float64) {
				fire := e.judge(int32(i), sn, t, v)
				if c.Kind != Stale { // a stored reading is no news of a silent sensor
					s.firing = fire
				}
			})
		}
		if c.Kind == Stale && s.firing && s.seen == 0 {
			s.seen = 1 // silent since long ago, not since the first tick
		}
	}
	e.settleComposites()
}
