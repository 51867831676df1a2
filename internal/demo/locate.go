package demo

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"

	"yiwang/internal/cases"
	"yiwang/internal/geo"
)

// Locator gives GENERATED positions inside Wuhan: the messages are
// anonymised ("A3区") and carry no coordinates.
type Locator interface {
	// Districts returns the districts to spread cases over, with weights.
	Districts() []District
	// Place returns a random location inside the district: WGS84 point and
	// its district/street/community/grid codes.
	Place(district string, r *rand.Rand) (cases.Location, error)
}

// District is a district code with the weight of its share of the cases.
type District struct {
	Code   string
	Name   string
	Weight float64
}

// anonDistricts maps the anonymised places of the source data ("A1区" …
// "A9市", all in the anonymised city A) to real Wuhan districts so that
// messages about the same place cluster. The mapping is ARBITRARY, made for
// the demo: inner 区 go to inner districts, 县/市 to outer ones.
var anonDistricts = map[int]string{
	1: "420102", // 江岸区
	2: "420103", // 江汉区
	3: "420111", // 洪山区
	4: "420104", // 硚口区
	5: "420106", // 武昌区
	6: "420105", // 汉阳区
	7: "420116", // 黄陂区
	8: "420117", // 新洲区
	9: "420115", // 江夏区
}

var anonPlace = regexp.MustCompile(`A([1-9])[区县市]`)

// districtFor picks the district of a message: the mapped one when the
// message names an "A<n>" place the locator knows, otherwise one drawn by
// weight.
func districtFor(m Message, ds []District, total float64, r *rand.Rand) string {
	known := func(code string) bool {
		for _, d := range ds {
			if d.Code == code {
				return true
			}
		}
		return false
	}
	for _, s := range []string{m.Title, m.Body} {
		if sub := anonPlace.FindStringSubmatch(s); sub != nil {
			n, _ := strconv.Atoi(sub[1])
			if code := anonDistricts[n]; known(code) {
				return code
			}
		}
	}
	x := r.Float64() * total
	for _, d := range ds {
		if x < d.Weight {
			return d.Code
		}
		x -= d.Weight
	}
	return ds[len(ds)-1].Code
}

// geoLocator places points with the geo index.
type geoLocator struct {
	x  *geo.Index
	ds []District
}

// GeoLocator returns a Locator over the geo index. Districts are weighted by
// the number of street-level units (街道/镇/乡) each has, a rough proxy for
// population and case volume. Points are uniform within the district
// (geo.Index.RandomPointIn) and located to the generated grid.
func GeoLocator(x *geo.Index) Locator {
	g := &geoLocator{x: x}
	for _, a := range x.Areas(geo.LevelDistrict) {
		g.ds = append(g.ds, District{Code: a.Code, Name: a.Name, Weight: float64(max(1, len(x.Children(a.Code))))})
	}
	return g
}

func (g *geoLocator) Districts() []District { return g.ds }

func (g *geoLocator) Place(district string, r *rand.Rand) (cases.Location, error) {
	for range 20 {
		p := g.x.RandomPointIn(district, r)
		chain, err := g.x.Locate(p.Lat(), p.Lon())
		if err != nil || chain.District.Code != district {
			continue // on a shared border another district may win; draw again
		}
		lat, lon := p.Lat(), p.Lon()
		return cases.Location{
			Lat: &lat, Lon: &lon,
			Address:  chain.District.Name + chain.Street.Name + chain.Community.Name + "（演示生成位置）",
			District: chain.District.Code, Street: chain.Street.Code,
			Community: chain.Community.Code, Grid: chain.Grid.Code,
		}, nil
	}
	return cases.Location{}, fmt.Errorf("no point found inside district %q", district)
}
