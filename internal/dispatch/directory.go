package dispatch

import (
	"errors"
	"fmt"
	"slices"
)

// Directory is a validated, immutable tree of units.
type Directory struct {
	units    map[string]Unit
	codes    []string            // sorted
	children map[string][]string // sorted
}

// NewDirectory validates units and builds a Directory: every field well
// formed, codes unique, parents known, no cycles, and each unit's areas
// inside its parent's. All problems are reported, joined.
func NewDirectory(units []Unit) (*Directory, error) {
	d := &Directory{units: make(map[string]Unit, len(units)), children: map[string][]string{}}
	var errs []error
	for _, u := range units {
		if e := checkUnit(u); len(e) > 0 {
			errs = append(errs, e...)
			continue
		}
		if prev, dup := d.units[u.Code]; dup {
			errs = append(errs, &FieldError{Source: u.Source, Subject: "unit " + quote(u.Code), Field: "code",
				Err: fmt.Errorf("%w: code also used at %s", ErrDuplicate, orCode(prev.Source))})
			continue
		}
		d.units[u.Code] = u.clone()
		d.codes = append(d.codes, u.Code)
	}
	slices.Sort(d.codes)
	for _, c := range d.codes {
		u := d.units[c]
		if u.Parent == "" {
			continue
		}
		p, ok := d.units[u.Parent]
		if !ok {
			errs = append(errs, &FieldError{Source: u.Source, Subject: "unit " + quote(c), Field: "parent",
				Err: fmt.Errorf("%w %q", ErrUnknownUnit, u.Parent)})
			continue
		}
		d.children[u.Parent] = append(d.children[u.Parent], c)
		for _, a := range u.Areas {
			if !p.Covers(a) {
				errs = append(errs, &FieldError{Source: u.Source, Subject: "unit " + quote(c), Field: "areas",
					Err: fmt.Errorf("%w: area %s is not inside parent %q's areas %v", ErrJurisdiction, a, p.Code, p.Areas)})
			}
		}
	}
	errs = append(errs, d.cycles()...)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return d, nil
}

func orCode(s Source) string {
	if s == (Source{}) {
		return "another unit"
	}
	return s.String()
}

// cycles reports each parent cycle once, naming its units.
func (d *Directory) cycles() []error {
	var errs []error
	state := map[string]int{} // 0 unvisited, 1 on the current path, 2 done
	for _, start := range d.codes {
		var path []string
		c := start
		for c != "" && state[c] == 0 {
			state[c] = 1
			path = append(path, c)
			c = d.units[c].Parent
		}
		if c != "" && state[c] == 1 {
			i := slices.Index(path, c)
			u := d.units[c]
			errs = append(errs, &FieldError{Source: u.Source, Subject: "unit " + quote(c), Field: "parent",
				Err: fmt.Errorf("%w: %v", ErrCycle, append(path[i:], c))})
		}
		for _, p := range path {
			state[p] = 2
		}
	}
	return errs
}

// Len is the number of units.
func (d *Directory) Len() int { return len(d.codes) }

// Unit returns the unit with the code, or an error wrapping ErrUnknownUnit.
func (d *Directory) Unit(code string) (Unit, error) {
	u, ok := d.units[code]
	if !ok {
		return Unit{}, fmt.Errorf("%w %q", ErrUnknownUnit, code)
	}
	return u.clone(), nil
}

// Has reports whether the code names a unit.
func (d *Directory) Has(code string) bool {
	_, ok := d.units[code]
	return ok
}

// Name returns the unit's name, or "" for an unknown code.
func (d *Directory) Name(code string) string { return d.units[code].Name }

// Units returns all units sorted by code.
func (d *Directory) Units() []Unit {
	out := make([]Unit, len(d.codes))
	for i, c := range d.codes {
		out[i] = d.units[c].clone()
	}
	return out
}

// Children returns the units whose parent is code, sorted by code.
func (d *Directory) Children(code string) ([]Unit, error) {
	if !d.Has(code) {
		return nil, fmt.Errorf("%w %q", ErrUnknownUnit, code)
	}
	kids := d.children[code]
	out := make([]Unit, len(kids))
	for i, c := range kids {
		out[i] = d.units[c].clone()
	}
	return out, nil
}

// Ancestors returns the escalation chain of a unit: its parent, the
// parent's parent, and so on up to a root. A root has an empty chain.
func (d *Directory) Ancestors(code string) ([]Unit, error) {
	u, ok := d.units[code]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownUnit, code)
	}
	var out []Unit
	for u.Parent != "" {
		u = d.units[u.Parent]
		out = append(out, u.clone())
	}
	return out, nil
}
