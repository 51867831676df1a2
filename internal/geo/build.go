package geo

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
	"github.com/paulmach/orb/planar"
)

// Defaults of Options.
const (
	// DefaultCellSizeM gives about 14,000 grids over Wuhan's 8,569 km².
	DefaultCellSizeM = 800.0
	// DefaultMinCellFraction: a clipped cell smaller than this fraction of a full cell is
	// merged into a neighbouring grid of the same district.
	DefaultMinCellFraction = 0.2
	// CommunityCells is the target number of grids per generated community.
	CommunityCells = 10
)

// Options configure Build. The zero value builds Wuhan from the embedded data with the
// defaults.
type Options struct {
	// CellSizeM is the side of a lattice cell (one grid) in metres, 100 to 20,000;
	// 0 means DefaultCellSizeM.
	CellSizeM float64
	// MinCellFraction is the merge threshold for small boundary cells, 0 to 1;
	// 0 means DefaultMinCellFraction.
	MinCellFraction float64
	// Districts replaces the embedded district polygons: features with string properties
	// "adcode" and "name" and a Polygon or MultiPolygon geometry in WGS84. When set,
	// Streets must be set too.
	Districts *geojson.FeatureCollection
	// Streets replaces the embedded street-level units; every ParentCode must be the code
	// of a district, and every district needs at least one street.
	Streets []Unit
	// City replaces the root area's code and name (default 420100 武汉市).
	City Unit
}

func (o Options) withDefaults() (Options, error) {
	if o.CellSizeM == 0 {
		o.CellSizeM = DefaultCellSizeM
	}
	if o.MinCellFraction == 0 {
		o.MinCellFraction = DefaultMinCellFraction
	}
	if math.IsNaN(o.CellSizeM) || o.CellSizeM < 100 || o.CellSizeM > 20_000 {
		return o, fmt.Errorf("cell size %v m not in [100, 20000]: %w", o.CellSizeM, ErrBadOptions)
	}
	if math.IsNaN(o.MinCellFraction) || o.MinCellFraction < 0 || o.MinCellFraction > 1 {
		return o, fmt.Errorf("min cell fraction %v not in [0, 1]: %w", o.MinCellFraction, ErrBadOptions)
	}
	if o.Districts != nil && o.Streets == nil {
		return o, fmt.Errorf("custom districts need custom streets: %w", ErrBadOptions)
	}
	return o, nil
}

// Load builds the index of Wuhan from the embedded data with default options.
func Load() (*Index, error) { return Build(Options{}) }

// Build generates the street, community and grid levels from the district polygons and
// indexes them. The output depends only on the options and the data: the same options
// give the same codes, names and geometries on every run.
//
// Generation: a lattice of CellSizeM cells anchored at the south-west corner of all
// districts is clipped to each district (github.com/paulmach/orb/clip); cells below
// MinCellFraction of a full cell are merged into their largest neighbour in the same
// district. A district's cells are split into as many groups as it has streets by
// recursive coordinate bisection of the cell centroids and given to the streets in code
// order; each street's cells are split the same way into communities of about
// CommunityCells grids. Codes: community = street code + 3 digits (001…), grid =
// community code + 3 digits (001…, in reading order north-west to south-east).
// A street that receives no cell (only possible with very large cells) is left out.
func Build(opts Options) (*Index, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	src, err := loadSource(o)
	if err != nil {
		return nil, err
	}
	var all orb.Bound
	for k, d := range src.districts {
		if k == 0 {
			all = d.geom.Bound()
		} else {
			all = all.Union(d.geom.Bound())
		}
	}
	lat := newLattice(all, o.CellSizeM)
	kx := math.Cos((all.Min[1] + all.Max[1]) / 2 * math.Pi / 180)
	minArea := o.MinCellFraction * lat.dLon * lat.dLat

	b := newBuilder()
	city := Area{Code: src.city.Code, Name: src.city.Name, Level: LevelCity}
	for _, d := range src.districts {
		city.Geometry = append(city.Geometry, d.geom...)
	}
	b.add(city, nil)
	for _, d := range src.districts {
		b.add(Area{Code: d.unit.Code, Name: d.unit.Name, Level: LevelDistrict, ParentCode: city.Code, Geometry: d.geom}, nil)
		cells := mergeSmall(lat.cut(d.geom), minArea)
		if err := b.addDistrictCells(d, src.streets[d.unit.Code], cells, kx); err != nil {
			return nil, err
		}
	}
	return newIndex(b.areas, b.parts, lat, o)
}

type source struct {
	city      Unit
	districts []district
	streets   map[string][]Unit // by district code, sorted by code
}

func loadSource(o Options) (source, error) {
	var s source
	codes, err := EmbeddedAdminCodes()
	if err != nil {
		return s, err
	}
	s.city = codes.City
	if o.City.Code != "" {
		s.city = o.City
	}
	fc := o.Districts
	streets := codes.Streets
	if fc == nil {
		if fc, err = EmbeddedDistricts(); err != nil {
			return s, err
		}
	} else {
		streets = slices.Clone(o.Streets)
		slices.SortFunc(streets, func(a, b Unit) int { return strings.Compare(a.Code, b.Code) })
	}
	if s.districts, err = districtsFrom(fc, s.city.Code); err != nil {
		return s, err
	}
	s.streets = map[string][]Unit{}
	known := map[string]bool{}
	for _, d := range s.districts {
		known[d.unit.Code] = true
	}
	for _, u := range streets {
		if !known[u.ParentCode] {
			return s, fmt.Errorf("street %s %s: parent %q is not a district: %w", u.Code, u.Name, u.ParentCode, ErrBadData)
		}
		s.streets[u.ParentCode] = append(s.streets[u.ParentCode], u)
	}
	for _, d := range s.districts {
		if len(s.streets[d.unit.Code]) == 0 {
			return s, fmt.Errorf("district %s %s has no street: %w", d.unit.Code, d.unit.Name, ErrBadData)
		}
	}
	return s, nil
}

// builder collects areas; grids carry their full chain.
type builder struct {
	areas []Area
	parts map[string][]cellPart // grid code → containment parts
}

func newBuilder() *builder { return &builder{parts: map[string][]cellPart{}} }

func (b *builder) add(a Area, geom orb.MultiPolygon) {
	if geom != nil {
		a.Geometry = geom
	}
	a.Bound = a.Geometry.Bound()
	a.Centroid, _ = planar.CentroidArea(a.Geometry)
	b.areas = append(b.areas, a)
}

func (b *builder) addDistrictCells(d district, streets []Unit, cells []cell, kx float64) error {
	pts := make([]orb.Point, len(cells))
	idx := make([]int, len(cells))
	for k, c := range cells {
		pts[k], idx[k] = c.centroid, k
	}
	for s, group := range bisect(pts, idx, len(streets), kx) {
		if len(group) == 0 {
			continue
		}
		st := streets[s]
		street := Area{Code: st.Code, Name: st.Name, Level: LevelStreet, ParentCode: d.unit.Code, Generated: true}
		nc := max(1, int(math.Round(float64(len(group))/CommunityCells)))
		if nc > 999 {
			return fmt.Errorf("street %s would need %d communities: %w", st.Code, nc, ErrBadOptions)
		}
		for n, members := range bisect(pts, slices.Clone(group), nc, kx) {
			cc := fmt.Sprintf("%s%03d", st.Code, n+1)
			cname := fmt.Sprintf("%s第%d社区", st.Name, n+1)
			comm := Area{Code: cc, Name: cname + "(生成)", Level: LevelCommunity, ParentCode: st.Code, Generated: true}
			if len(members) > 999 {
				return fmt.Errorf("community %s would have %d grids: %w", cc, len(members), ErrBadOptions)
			}
			slices.SortFunc(members, func(a, b int) int { // reading order: north to south, west to east
				if cells[a].j != cells[b].j {
					return cells[b].j - cells[a].j
				}
				return cells[a].i - cells[b].i
			})
			for g, m := range members {
				code := fmt.Sprintf("%s%03d", cc, g+1)
				b.parts[code] = cells[m].parts
				b.add(Area{
					Code:       code,
					Name:       fmt.Sprintf("%s第%d网格(生成)", cname, g+1),
					Level:      LevelGrid,
					ParentCode: cc,
					Generated:  true,
				}, cells[m].geom)
				comm.Geometry = append(comm.Geometry, cells[m].geom...)
			}
			street.Geometry = append(street.Geometry, comm.Geometry...)
			b.add(comm, nil)
		}
		b.add(street, nil)
	}
	return nil
}
