package rules

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"yiwang/internal/sense/registry"
)

// Transition is a rule starting or stopping to fire.
type Transition struct {
	Rule   int32
	Firing bool
	// At is the evaluation time (the now passed in).
	At time.Time
	// Sensor and Value are the reading that caused it (Sensor -1 for
	// composites and ticks).
	Sensor int32
	Value  float64
}

// Compiled is a validated rule with its resolved references.
type Compiled struct {
	Rule
	// Title is the alarm title (the rule's, or a generated one).
	Title string
	// Sensor is the registry index of the rule's sensor (-1 if none); for
	// area rules, Sensors are the sensors counted.
	Sensor  int32
	Sensors []int32
	// Children are the rules a composite combines.
	Children []int32
}

type state struct {
	firing bool
	since  int64 // duration: reading time the level was first met; 0 none
	last   float64
	// rate: recent readings, oldest first.
	ts []int64
	vs []float64
	// area: sensors above and whether each is.
	above int
	is    map[int32]bool
	// stale: reading time of the latest reading; 0 none yet.
	seen int64
}

// Engine evaluates compiled rules. It is not safe for concurrent use: one
// goroutine feeds it readings and ticks.
type Engine struct {
	rules    []Compiled
	byID     map[string]int32
	st       []state
	bySensor [][]int32 // sensor → threshold, duration, rate, stale, area rules
	parents  [][]int32 // rule → composites using it
	stale    []int32
	durs     []int32
	started  bool
}

// Compile validates rules against the registry and builds an engine. Every
// problem is reported, joined: an unknown sensor names the sensor, a
// composite cycle names the cycle.
func Compile(rs []Rule, reg *registry.Registry, o Options) (*Engine, error) {
	if len(rs) > MaxRules {
		return nil, fmt.Errorf("%d rules, more than %d: %w", len(rs), MaxRules, ErrInvalid)
	}
	e := &Engine{byID: make(map[string]int32, len(rs)), st: make([]state, len(rs)), bySensor: make([][]int32, reg.Len()),
		parents: make([][]int32, len(rs))}
	var errs []error
	for i := range rs {
		r := rs[i]
		bad := check(&r, o)
		errs = append(errs, bad...)
		if _, dup := e.byID[r.ID]; dup {
			errs = append(errs, fmt.Errorf("rule %q: duplicate id: %w", r.ID, ErrInvalid))
		}
		e.byID[r.ID] = int32(i)
		c := Compiled{Rule: r, Sensor: -1}
		if len(bad) == 0 {
			c.Title = describe(&r, reg)
		}
		if r.Sensor != "" {
			idx, ok := reg.Lookup(r.Sensor)
			if !ok {
				errs = append(errs, fmt.Errorf("rule %q: unknown sensor %q: %w", r.ID, r.Sensor, ErrInvalid))
			} else {
				c.Sensor = idx
				e.bySensor[idx] = append(e.bySensor[idx], int32(i))
			}
		}
		if r.Kind == Area && r.AreaCode != "" {
			for _, idx := range reg.InArea(r.AreaCode) {
				if string(reg.Sensor(idx).Kind) == r.SensorKind {
					c.Sensors = append(c.Sensors, idx)
					e.bySensor[idx] = append(e.bySensor[idx], int32(i))
				}
			}
			if len(c.Sensors) == 0 {
				errs = append(errs, fmt.Errorf("rule %q: no %s sensor in area %q: %w", r.ID, r.SensorKind, r.AreaCode, ErrInvalid))
			}
			e.st[i].is = map[int32]bool{}
		}
		switch r.Kind {
		case Stale:
			e.stale = append(e.stale, int32(i))
		case Duration:
			e.durs = append(e.durs, int32(i))
		}
		e.rules = append(e.rules, c)
	}
	for i := range e.rules {
		c := &e.rules[i]
		for _, id := range append(slices.Clone(c.All), c.Any...) {
			k, ok := e.byID[id]
			if !ok {
				errs = append(errs, fmt.Errorf("rule %q: composite names unknown rule %q: %w", c.ID, id, ErrInvalid))
				continue
			}
			c.Children = append(c.Children, k)
			e.parents[k] = append(e.parents[k], int32(i))
		}
	}
	if cyc := e.cycle(); cyc != nil {
		errs = append(errs, fmt.Errorf("composite rules form a cycle: %s: %w", strings.Join(cyc, " → "), ErrInvalid))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return e, nil
}

// cycle returns one cycle of composite references (ids, first repeated
// last), or nil.
func (e *Engine) cycle() []string {
	const (
		white = iota
		grey
		black
	)
	color := make([]uint8, len(e.rules))
	var path []int32
	var found []string
	var visit func(i int32) bool
	visit = func(i int32) bool {
		color[i] = grey
		path = append(path, i)
		for _, k := range e.rules[i].Children {
			if color[k] == grey {
				start := slices.Index(path, k)
				for _, p := range path[start:] {
					found = append(found, e.rules[p].ID)
				}
				found = append(found, e.rules[k].ID)
				return true
			}
			if color[k] == white && visit(k) {
				return true
			}
		}
		path = path[:len(path)-1]
		color[i] = black
		return false
	}
	for i := range e.rules {
		if color[i] == white && visit(int32(i)) {
			return found
		}
	}
	return nil
}

// Len is the number of rules.
func (e *Engine) Len() int { return len(e.rules) }

// Rule returns a compiled rule by index.
func (e *Engine) Rule(i int32) *Compiled { return &e.rules[i] }

// Lookup returns a rule's index by id.
func (e *Engine) Lookup(id string) (int32, bool) {
	i, ok := e.byID[id]
	return i, ok
}

// Firing reports whether rule i fires.
func (e *Engine) Firing(i int32) bool { return e.st[i].firing }

// HasRules reports whether any rule reads the sensor.
func (e *Engine) HasRules(sensor int32) bool { return len(e.bySensor[sensor]) > 0 }

// Observe evaluates the rules of one reading (sensor index, reading time
// t in ns, value v) at now, appending transitions to out.
func (e *Engine) Observe(now time.Time, sensor int32, t int64, v float64, out []Transition) []Transition {
	for _, i := range e.bySensor[sensor] {
		if fire := e.judge(i, sensor, t, v); fire != e.st[i].firing {
			out = e.set(i, fire, now, sensor, v, out)
		}
	}
	return out
}

// judge evaluates rule i on one reading and returns whether it fires.
func (e *Engine) judge(i, sensor int32, t int64, v float64) bool {
	c := &e.rules[i]
	s := &e.st[i]
	fire := s.firing
	switch c.Kind {
	case Threshold:
		fire = crossed(c, s.firing, v)
	case Duration:
		if crossed(c, s.since != 0, v) {
			if s.since == 0 {
				s.since = t
			}
			fire = t-s.since >= int64(c.For)
		} else {
			s.since, fire = 0, false
		}
	case Rate:
		fire = e.rate(c, s, t, v)
	case Stale:
		if t > s.seen {
			s.seen = t
		}
		fire = false
	case Area:
		was := s.is[sensor]
		is := crossed(c, was, v)
		if is != was {
			s.is[sensor] = is
			if is {
				s.above++
			} else {
				s.above--
			}
		}
		fire = float64(s.above) >= c.Share*float64(len(c.Sensors))
	}
	s.last = v
	return fire
}

// crossed applies a level with hysteresis: a firing rule stays firing
// until the value passes the clear level.
func crossed(c *Compiled, firing bool, v float64) bool {
	if c.Above != nil {
		if firing && c.Clear != nil {
			return v > *c.Clear
		}
		return v > *c.Above
	}
	if firing && c.Clear != nil {
		return v < *c.Clear
	}
	return v < *c.Below
}

// rate keeps the readings within the window and compares the newest with
// the oldest.
func (e *Engine) rate(c *Compiled, s *state, t int64, v float64) bool {
	if n := len(s.ts); n > 0 && t <= s.ts[n-1] {
		return s.firing // out of order: judged on in-order readings only
	}
	s.ts, s.vs = append(s.ts, t), append(s.vs, v)
	k := 0
	for k < len(s.ts)-1 && t-s.ts[k] > int64(c.Window) {
		k++
	}
	if k > 0 {
		s.ts, s.vs = s.ts[:copy(s.ts, s.ts[k:])], s.vs[:copy(s.vs, s.vs[k:])]
	}
	const maxKept = 256
	if len(s.ts) > maxKept {
		s.ts, s.vs = s.ts[:copy(s.ts, s.ts[1:])], s.vs[:copy(s.vs, s.vs[1:])]
	}
	d := v - s.vs[0]
	if c.Rise > 0 {
		return d >= c.Rise
	}
	return d <= c.Rise
}

// set records a transition of rule i and re-evaluates the composites above it.
func (e *Engine) set(i int32, fire bool, now time.Time, sensor int32, v float64, out []Transition) []Transition {
	e.st[i].firing = fire
	out = append(out, Transition{Rule: i, Firing: fire, At: now, Sensor: sensor, Value: v})
	for _, p := range e.parents[i] {
		if f := e.combine(p); f != e.st[p].firing {
			out = e.set(p, f, now, -1, 0, out)
		}
	}
	return out
}

// combine evaluates composite p from its children's states.
func (e *Engine) combine(p int32) bool {
	c := &e.rules[p]
	if len(c.All) > 0 {
		for _, k := range c.Children {
			if !e.st[k].firing {
				return false
			}
		}
		return true
	}
	for _, k := range c.Children {
		if e.st[k].firing {
			return true
		}
	}
	return false
}

// Tick evaluates the time-driven rules at now: stale sensors, and duration
// rules whose level has held for their time by now without a new reading.
// The first tick starts every stale clock of a sensor never heard from.
func (e *Engine) Tick(now time.Time, out []Transition) []Transition {
	ns := now.UnixNano()
	for _, i := range e.stale {
		s := &e.st[i]
		if s.seen == 0 {
			s.seen = ns
			continue
		}
		if fire := ns-s.seen > int64(e.rules[i].After); fire != s.firing {
			out = e.set(i, fire, now, e.rules[i].Sensor, s.last, out)
		}
	}
	for _, i := range e.durs {
		s := &e.st[i]
		if !s.firing && s.since != 0 && ns-s.since >= int64(e.rules[i].For) {
			out = e.set(i, true, now, e.rules[i].Sensor, s.last, out)
		}
	}
	return out
}
