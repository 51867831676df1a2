package geo

import (
	"errors"

	"github.com/paulmach/orb"
)

var (
	// ErrOutside is returned by Locate when no area of the index contains the point.
	ErrOutside = errors.New("point is outside Wuhan")
	// ErrInvalidPoint is returned for NaN, infinite or out-of-range coordinates.
	ErrInvalidPoint = errors.New("invalid point")
	// ErrUnknownLevel is returned by ParseLevel for a name that is not a Level.
	ErrUnknownLevel = errors.New("unknown level")
	// ErrBadOptions is returned by Build for invalid Options.
	ErrBadOptions = errors.New("bad geo options")
)

// Area is one administrative area: the city, a district, a street, a community or a grid.
//
// Generated is false only for the city and the 13 districts, whose boundaries are real.
// For streets the code and name are real (NBS 2023) but the boundary is generated, so
// Generated is true; communities and grids are generated entirely.
type Area struct {
	Code       string
	Name       string
	Level      Level
	ParentCode string // "" for the city
	Generated  bool
	// Geometry is in WGS84 (lon, lat). Generated areas are unions of lattice cells and
	// are not dissolved: adjacent polygons of one area may share edges.
	Geometry orb.MultiPolygon
	Bound    orb.Bound
	// Centroid is the area-weighted centroid; for concave or multi-part areas it may lie
	// outside the area. Use RandomPointIn for a point guaranteed to be inside.
	Centroid orb.Point
}

// Ref returns the area's code and name.
func (a Area) Ref() AreaRef { return AreaRef{Code: a.Code, Name: a.Name} }

// AreaRef names an area by code and name.
type AreaRef struct {
	Code string
	Name string
}

// Chain is the full chain of areas containing a point, from district down to grid.
type Chain struct {
	District  AreaRef
	Street    AreaRef
	Community AreaRef
	Grid      AreaRef
}
