package geo

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/geojson"
)

// The embedded real data; see data/NOTICE for sources.
var (
	//go:embed data/wuhan_districts_wgs84.geojson
	districtsGeoJSON []byte
	//go:embed data/wuhan_admin_codes_street.csv
	adminCodesCSV []byte
)

// Unit is a real administrative unit from a code list: its code, name and parent's code.
type Unit struct {
	Code       string
	Name       string
	ParentCode string
}

// AdminCodes is the parsed code list: the city and its street-level units.
type AdminCodes struct {
	City    Unit
	Streets []Unit // ParentCode is a district code; sorted by code
}

// ErrBadData is returned when source data cannot be used to build an index.
var ErrBadData = errors.New("bad geo data")

// ParseAdminCodes reads a code list in the format of data/wuhan_admin_codes_street.csv
// (header code,name,parent_code,level): the single row with level "city" and every row
// with level "street". Other levels are ignored.
func ParseAdminCodes(r io.Reader) (AdminCodes, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 4
	head, err := cr.Read()
	if err != nil {
		return AdminCodes{}, fmt.Errorf("read admin codes header: %w", err)
	}
	if head[0] != "code" || head[1] != "name" || head[2] != "parent_code" || head[3] != "level" {
		return AdminCodes{}, fmt.Errorf("admin codes header %q: %w", head, ErrBadData)
	}
	var out AdminCodes
	seen := map[string]bool{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return AdminCodes{}, fmt.Errorf("read admin codes: %w", err)
		}
		u := Unit{Code: rec[0], Name: rec[1], ParentCode: rec[2]}
		if u.Code == "" || u.Name == "" || !allDigits(u.Code) {
			return AdminCodes{}, fmt.Errorf("admin code row %q: %w", rec, ErrBadData)
		}
		if seen[u.Code] {
			return AdminCodes{}, fmt.Errorf("duplicate admin code %s: %w", u.Code, ErrBadData)
		}
		seen[u.Code] = true
		switch rec[3] {
		case "city":
			if out.City.Code != "" {
				return AdminCodes{}, fmt.Errorf("second city row %s: %w", u.Code, ErrBadData)
			}
			out.City = u
		case "street":
			if u.ParentCode == "" {
				return AdminCodes{}, fmt.Errorf("street %s has no parent: %w", u.Code, ErrBadData)
			}
			out.Streets = append(out.Streets, u)
		}
	}
	if out.City.Code == "" {
		return AdminCodes{}, fmt.Errorf("no city row: %w", ErrBadData)
	}
	sort.Slice(out.Streets, func(i, j int) bool { return out.Streets[i].Code < out.Streets[j].Code })
	return out, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// EmbeddedDistricts returns the 13 real district polygons embedded in the package
// (WGS84; see data/NOTICE). The caller owns the returned collection.
func EmbeddedDistricts() (*geojson.FeatureCollection, error) {
	fc, err := geojson.UnmarshalFeatureCollection(districtsGeoJSON)
	if err != nil {
		return nil, fmt.Errorf("parse embedded districts: %w", err)
	}
	return fc, nil
}

// EmbeddedAdminCodes returns the embedded NBS 2023 code list for Wuhan.
func EmbeddedAdminCodes() (AdminCodes, error) {
	return ParseAdminCodes(bytes.NewReader(adminCodesCSV))
}

// district is one source district: a real code, name and MultiPolygon.
type district struct {
	unit Unit
	geom orb.MultiPolygon
}

// districtsFrom reads features with string properties "adcode" and "name" and a Polygon
// or MultiPolygon geometry, sorted by code.
func districtsFrom(fc *geojson.FeatureCollection, cityCode string) ([]district, error) {
	if fc == nil || len(fc.Features) == 0 {
		return nil, fmt.Errorf("no district features: %w", ErrBadData)
	}
	var out []district
	seen := map[string]bool{}
	for i, f := range fc.Features {
		code := f.Properties.MustString("adcode", "")
		name := f.Properties.MustString("name", "")
		if code == "" || name == "" || !allDigits(code) {
			return nil, fmt.Errorf("district feature %d lacks adcode/name: %w", i, ErrBadData)
		}
		if seen[code] {
			return nil, fmt.Errorf("duplicate district %s: %w", code, ErrBadData)
		}
		seen[code] = true
		var mp orb.MultiPolygon
		switch g := f.Geometry.(type) {
		case orb.MultiPolygon:
			mp = g.Clone()
		case orb.Polygon:
			mp = orb.MultiPolygon{g.Clone()}
		default:
			return nil, fmt.Errorf("district %s geometry %T: %w", code, f.Geometry, ErrBadData)
		}
		if len(mp) == 0 {
			return nil, fmt.Errorf("district %s has no polygon: %w", code, ErrBadData)
		}
		out = append(out, district{unit: Unit{Code: code, Name: name, ParentCode: cityCode}, geom: mp})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].unit.Code < out[j].unit.Code })
	return out, nil
}
