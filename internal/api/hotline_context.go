package api

import (
	"cmp"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/store"
)

// NearbyMetres is how close an open case must be to a caller's place to be
// offered to the agent (or be in the same grid, or have the same address).
const NearbyMetres = 300

// phoneHistoryWindow is how far back a caller's earlier cases are looked for.
const phoneHistoryWindow = 365 * 24 * time.Hour

// hotlineContext is the body of GET /api/v1/hotline/context: what the
// agent should see before creating a case, so that a repeated call joins
// the case it is about instead of starting a new one.
type hotlineContext struct {
	// PhoneCases are the caller's cases of the last year, newest first.
	PhoneCases []caseView `json:"phone_cases"`
	// Nearby are open cases at or near the place, nearest first.
	Nearby []nearbyCase `json:"nearby"`
	// Location is the place's administrative chain (with lat/lon).
	Location *cases.Location `json:"location,omitempty"`
	// Scanned counts the cases read; Truncated says the search stopped at
	// its bound (the store cannot filter by phone or address yet).
	Scanned   int  `json:"scanned"`
	Truncated bool `json:"truncated"`
}

// nearbyCase is an open case near the caller's place, and why it matched.
type nearbyCase struct {
	Case        caseView `json:"case"`
	DistanceM   *float64 `json:"distance_m,omitempty"`
	SameGrid    bool     `json:"same_grid"`
	SameAddress bool     `json:"same_address"`
}

var contextParams = []string{"phone", "lat", "lon", "address"}

func (s *Server) hotlineContext(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for name, vals := range q {
		if !slices.Contains(contextParams, name) {
			s.fail(w, r, badParam(name, "unknown query parameter "+strconv.Quote(name)+"; known: phone, lat, lon, address"))
			return
		}
		if len(vals) > 1 {
			s.fail(w, r, badParam(name, name+" is given more than once"))
			return
		}
	}
	phone, address := q.Get("phone"), normAddress(q.Get("address"))
	if q.Has("phone") && normPhone(phone) == "" {
		s.fail(w, r, badParam("phone", "phone must be 5 to 20 digits, optionally with a leading +, spaces or dashes"))
		return
	}
	if len([]rune(address)) > 500 {
		s.fail(w, r, badParam("address", "address is longer than 500 characters"))
		return
	}
	loc, err := parsePoint(q.Get("lat"), q.Get("lon"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if phone == "" && loc == nil && address == "" {
		s.fail(w, r, badParam("phone", "give phone, lat and lon, or address"))
		return
	}
	out := hotlineContext{PhoneCases: []caseView{}, Nearby: []nearbyCase{}}
	ctx, reveal, now := r.Context(), s.mayReveal(r), s.now()
	if phone != "" {
		found, n, trunc, err := s.scanCases(ctx, store.Filter{CreatedFrom: now.Add(-phoneHistoryWindow)},
			func(c *cases.Case) bool { return samePhone(c.Reporter.Phone, phone) })
		if err != nil {
			s.fail(w, r, err)
			return
		}
		out.Scanned, out.Truncated = out.Scanned+n, out.Truncated || trunc
		for _, c := range found {
			out.PhoneCases = append(out.PhoneCases, s.viewCaseAt(c, reveal, now))
		}
	}
	if loc == nil && address == "" {
		s.writeJSON(w, r, http.StatusOK, out)
		return
	}
	f := store.Filter{States: openStates}
	if loc != nil {
		if err := s.fillChain(r, loc); err != nil {
			s.fail(w, r, err)
			return
		}
		out.Location = loc
		// The street around the point holds every case within 300 m
		// except near its edge; a case across the edge is found only by
		// address.
		if loc.Street != "" && address == "" {
			f.Areas = []string{loc.Street}
		}
	}
	var matches []nearbyCase
	_, n, trunc, err := s.scanCases(ctx, f, func(c *cases.Case) bool {
		m, ok := nearMatch(c, loc, address)
		if ok {
			m.Case = s.viewCaseAt(*c, reveal, now)
			matches = append(matches, m)
		}
		return ok
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	out.Scanned, out.Truncated = out.Scanned+n, out.Truncated || trunc
	slices.SortStableFunc(matches, func(a, b nearbyCase) int {
		switch {
		case a.DistanceM == nil && b.DistanceM == nil:
			return 0
		case a.DistanceM == nil:
			return 1
		case b.DistanceM == nil:
			return -1
		}
		return cmp.Compare(*a.DistanceM, *b.DistanceM)
	})
	out.Nearby = append(out.Nearby, matches[:min(len(matches), maxMatches)]...)
	s.writeJSON(w, r, http.StatusOK, out)
}

// nearMatch says whether case c is at the place: within NearbyMetres of
// the point, in the same grid, or at the same address.
func nearMatch(c *cases.Case, loc *cases.Location, address string) (nearbyCase, bool) {
	var m nearbyCase
	if loc != nil && c.Location.Lat != nil && c.Location.Lon != nil {
		d := distanceM(*loc.Lat, *loc.Lon, *c.Location.Lat, *c.Location.Lon)
		d = math.Round(d*10) / 10
		m.DistanceM = &d
	}
	m.SameGrid = loc != nil && loc.Grid != "" && loc.Grid == c.Location.Grid
	m.SameAddress = address != "" && normAddress(c.Location.Address) == address
	return m, m.SameGrid || m.SameAddress || (m.DistanceM != nil && *m.DistanceM <= NearbyMetres)
}

// normAddress drops white space so "江汉区 中山大道 1号" matches "江汉区中山大道1号".
func normAddress(s string) string {
	return strings.Join(strings.Fields(s), "")
}

// distanceM is the great-circle distance in metres (haversine, mean Earth radius).
func distanceM(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371008.8
	rad := math.Pi / 180
	dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(a)))
}

// parsePoint reads lat and lon query parameters (both or neither).
func parsePoint(lat, lon string) (*cases.Location, error) {
	if lat == "" && lon == "" {
		return nil, nil
	}
	if lat == "" || lon == "" {
		return nil, badParam("lat", "lat and lon must be given together")
	}
	la, err1 := strconv.ParseFloat(lat, 64)
	lo, err2 := strconv.ParseFloat(lon, 64)
	if err1 != nil || math.IsNaN(la) || la < -90 || la > 90 {
		return nil, badParam("lat", "lat must be a WGS84 latitude between -90 and 90")
	}
	if err2 != nil || math.IsNaN(lo) || lo < -180 || lo > 180 {
		return nil, badParam("lon", "lon must be a WGS84 longitude between -180 and 180")
	}
	return &cases.Location{Lat: &la, Lon: &lo}, nil
}
