package dispatch

import (
	"slices"
	"testing"
)

func TestDirectoryLookups(t *testing.T) {
	d := testDir(t)
	u, err := d.Unit("cg.wc")
	if err != nil || u.Name != "武昌区城管局" || u.Kind != KindUrbanManagement {
		t.Fatalf("Unit(cg.wc) = %+v, %v", u, err)
	}
	if _, err := d.Unit("nope"); err == nil {
		t.Error("Unit(nope): want ErrUnknownUnit")
	} else {
		wantErr(t, err, ErrUnknownUnit, "nope")
	}
	kids, err := d.Children("cg")
	if err != nil {
		t.Fatal(err)
	}
	if got := codesOf(kids); !slices.Equal(got, []string{"cg.hs", "cg.wc"}) {
		t.Errorf("Children(cg) = %v", got)
	}
	anc, err := d.Ancestors("cg.wc")
	if err != nil {
		t.Fatal(err)
	}
	if got := codesOf(anc); !slices.Equal(got, []string{"cg", "gov"}) {
		t.Errorf("Ancestors(cg.wc) = %v, want [cg gov]", got)
	}
	if anc, _ := d.Ancestors("gov"); len(anc) != 0 {
		t.Errorf("Ancestors(gov) = %v, want none", anc)
	}
	if d.Len() != len(testUnits()) || len(d.Units()) != d.Len() {
		t.Errorf("Len = %d, Units = %d, want %d", d.Len(), len(d.Units()), len(testUnits()))
	}
	// The directory keeps its own copies.
	u.Areas[0] = "420111"
	if again, _ := d.Unit("cg.wc"); again.Areas[0] != "420106" {
		t.Error("mutating a returned unit changed the directory")
	}
}

func codesOf(us []Unit) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.Code
	}
	return out
}

func TestDirectoryValidation(t *testing.T) {
	edit := func(f func([]Unit) []Unit) []Unit { return f(testUnits()) }
	tests := []struct {
		name      string
		units     []Unit
		target    error
		fragments []string
	}{
		{"unknown parent", edit(func(u []Unit) []Unit { u[2].Parent = "cgx"; return u }), ErrUnknownUnit, []string{`unit "cg.wc"`, "field parent", "cgx"}},
		{"duplicate code", edit(func(u []Unit) []Unit { return append(u, u[3]) }), ErrDuplicate, []string{`unit "cg.hs"`, "field code"}},
		{"cycle", edit(func(u []Unit) []Unit { u[0].Parent = "cg"; return u }), ErrCycle, []string{"cg", "gov"}},
		{"self parent", edit(func(u []Unit) []Unit { u[4].Parent = "ga"; return u }), ErrCycle, []string{`"ga"`}},
		{"area outside parent", edit(func(u []Unit) []Unit { u[6].Parent = "cg.hs"; return u }), ErrJurisdiction, []string{"420106002", "cg.hs"}},
		{"malformed area", edit(func(u []Unit) []Unit { u[2].Areas = []string{"4201O6"}; return u }), ErrMalformed, []string{"field areas", "4201O6"}},
		{"unknown kind", edit(func(u []Unit) []Unit { u[2].Kind = "城官"; return u }), ErrMalformed, []string{"field kind", "城官"}},
		{"bad schedule", edit(func(u []Unit) []Unit { u[2].Schedule = "9-5"; return u }), ErrMalformed, []string{"field schedule"}},
		{"no areas", edit(func(u []Unit) []Unit { u[2].Areas = nil; return u }), ErrMalformed, []string{"field areas"}},
		{"bad return window", edit(func(u []Unit) []Unit { u[2].ReturnWindow = 7200; return u }), ErrMalformed, []string{"field return_window"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := NewDirectory(tt.units)
			if d != nil {
				t.Error("got a directory despite the error")
			}
			wantErr(t, err, tt.target, tt.fragments...)
		})
	}
}
