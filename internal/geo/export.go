package geo

import (
	"github.com/paulmach/orb/geojson"
)

// FeatureCollection exports the areas of one level as GeoJSON (WGS84), sorted by code.
// If parent is not empty only areas within that area (at any depth) are included.
// Each feature has the properties code, name, level (its String form), parent_code and
// generated (true for generated boundaries: streets, communities and grids).
func (x *Index) FeatureCollection(level Level, parent string) *geojson.FeatureCollection {
	fc := geojson.NewFeatureCollection()
	if level < LevelCity || level > LevelGrid {
		return fc
	}
	for _, k := range x.byLevel[level] {
		a := &x.areas[k]
		if parent != "" && !x.isWithin(a, parent) {
			continue
		}
		f := geojson.NewFeature(a.Geometry)
		f.ID = a.Code
		f.Properties["code"] = a.Code
		f.Properties["name"] = a.Name
		f.Properties["level"] = a.Level.String()
		f.Properties["parent_code"] = a.ParentCode
		f.Properties["generated"] = a.Generated
		fc.Append(f)
	}
	return fc
}
