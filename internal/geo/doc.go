// Package geo owns Wuhan's administrative geography: it answers which district (区),
// street (街道/镇/乡), community (社区) and grid (网格) contain a WGS84 point, with the
// full chain of codes and names, and exports each level as GeoJSON for maps.
//
// Real and generated data. The city's 13 district polygons (DataV.GeoAtlas, converted
// GCJ-02 → WGS84) and the 193 street-level codes and names (National Bureau of
// Statistics 2023) are real and embedded from data/ (sources in data/NOTICE). No real
// boundaries exist below district level, and no community codes, so Build GENERATES
// them deterministically from the district polygons: a lattice of cells (default
// 800 m, about 14,000 grids) is clipped to each district; the cells are grouped into the
// district's real streets and then into generated communities of about ten grids. Street
// boundaries, all communities and all grids are therefore generated: their Area has
// Generated set, their GeoJSON features carry "generated": true, and generated names end
// in "(生成)". Generated codes follow the NBS layout (community = street code + 3 digits,
// grid = community code + 3 digits) but are not official codes and may coincide with real
// ones of other communities; never join them with official community data.
//
// Lookups. Grids are cut from a regular lattice, so Locate first finds the point's
// lattice cell arithmetically and tests only the grids listed for that cell: over the
// city's interior one full-cell grid, decided by its bound without a polygon test; in a
// boundary cell the few grids meeting it, tested exactly with
// github.com/paulmach/orb/planar. Points within about a millionth of a cell of a lattice
// line, and indexes whose table would be too large, use an R-tree
// (github.com/tidwall/rtree) over the grids' bounds instead; both paths apply the same
// test and give the same answer for every point. District uses an R-tree over the
// district polygons. Boundary points count as inside (hole edges as outside the holed
// polygon); where several grids contain a point, the lowest code wins, which is also the
// lowest district code. The index is immutable and safe for concurrent use.
//
// Coordinates are WGS84 throughout (orb.Point is lon, lat; Locate takes lat, lon).
// Converting from GCJ-02 (about 550 m off in Wuhan) is the caller's job.
package geo
