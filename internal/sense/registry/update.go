package registry

import (
	"errors"
	"slices"
)

// ErrStale: the registry changed between Next and Apply.
var ErrStale = errors.New("sensor registry changed since the update was planned")

// Update is a validated replacement of a registry's sensors, planned by
// Next and put in force by Apply.
type Update struct {
	// Added are the ids of new sensors; Removed of sensors no longer
	// listed; Replaced of sensors whose kind or unit changed (they get a
	// new slot: their old readings are not theirs any more); Updated of
	// sensors that keep their slot but moved, changed owner or interval.
	Added, Removed, Replaced, Updated []string
	// Unchanged counts the sensors that are the same.
	Unchanged  int
	base, next *table
}

// Next validates a whole new list of sensors (as New does, every problem
// reported) and plans it as the next version of r: a sensor with the id,
// kind and unit of one in force (or of one removed earlier, whose slot is
// still kept) takes that slot and so keeps its readings; any other sensor
// gets a new slot after the last. Nothing changes until Apply.
func (r *Registry) Next(sensors []Sensor, o Options) (*Update, error) {
	ss, err := validate(sensors, o)
	if err != nil {
		return nil, err
	}
	base := r.cur.Load()
	removed := map[string]int32{} // id of a removed sensor → its slot
	for i, g := range base.gone {
		if g {
			removed[base.sensors[i].ID] = int32(i)
		}
	}
	slots := slices.Clone(base.sensors)
	gone := make([]bool, len(slots))
	for i := range gone {
		gone[i] = true
	}
	u := &Update{base: base}
	for _, s := range ss {
		i, live := base.byID[s.ID]
		if !live {
			var ok bool
			if i, ok = removed[s.ID]; !ok {
				i = -1
			}
		}
		old := Sensor{}
		if i >= 0 {
			old = base.sensors[i]
		}
		switch {
		case i < 0 || old.Kind != s.Kind || old.Unit != s.Unit:
			s.Index = int32(len(slots))
			slots = append(slots, s)
			gone = append(gone, false)
			if live {
				u.Replaced = append(u.Replaced, s.ID)
			} else {
				u.Added = append(u.Added, s.ID)
			}
			continue
		case !live:
			u.Added = append(u.Added, s.ID)
		case old.Lat != s.Lat || old.Lon != s.Lon || old.Owner != s.Owner || old.Interval != s.Interval || old.Area != s.Area:
			u.Updated = append(u.Updated, s.ID)
		default:
			u.Unchanged++
		}
		s.Index = i
		slots[i], gone[i] = s, false
	}
	u.next = newTable(slots, gone)
	for i, s := range base.sensors {
		if _, still := u.next.byID[s.ID]; !base.gone[i] && !still {
			u.Removed = append(u.Removed, s.ID)
		}
	}
	return u, nil
}

// Len is the number of slots the registry has after the update.
func (u *Update) Len() int { return len(u.next.sensors) }

// Changed reports whether the update changes anything.
func (u *Update) Changed() bool {
	return len(u.Added)+len(u.Removed)+len(u.Replaced)+len(u.Updated) > 0
}

// Registry returns a registry holding the planned sensors, for checking
// what depends on them (compiling rules) before Apply. Its slots are the
// ones Apply puts in force.
func (u *Update) Registry() *Registry {
	r := &Registry{}
	r.cur.Store(u.next)
	return r
}

// Apply puts u in force. It fails with ErrStale when r changed since Next.
func (r *Registry) Apply(u *Update) error {
	if !r.cur.CompareAndSwap(u.base, u.next) {
		return ErrStale
	}
	return nil
}
