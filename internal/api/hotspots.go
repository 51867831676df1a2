package api

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/nlp/hot"
	"yiwang/internal/store"
)

// Hot issues (热点问题): GET /api/v1/hotspots clusters the cases created in
// a recent window (within the caller's data scope) by content, place and
// time with internal/nlp/hot, and ranks them by its heat index.
const (
	// MaxHotspotCases caps how many of the window's newest cases are
	// clustered; the response says when the cap cut the window short.
	MaxHotspotCases = 20000
	// hotspotsTTL is how long a computed answer is served again to the
	// same question (window, area, scope): clustering 20,000 cases takes a
	// second or more, and the situation screen asks every few seconds.
	hotspotsTTL = time.Minute
	// maxHotspotWindow bounds ?window=.
	maxHotspotWindow = 90 * 24 * time.Hour
)

// heatIndexDoc is the heat index as the response documents it.
const heatIndexDoc = "heat = 2·ln(1+reporters) + ln(1+votes) + ln(1+recent) + exp(−days since last case / 14); " +
	"reporters: distinct reporters (by phone, else name; anonymous cases count one each); votes: support + against where known; " +
	"recent: cases in the 7 days before now (growth)"

type hotspotsResponse struct {
	Window    string        `json:"window"`
	From      time.Time     `json:"from"`
	To        time.Time     `json:"to"`
	Area      string        `json:"area,omitempty"`
	Cases     int           `json:"cases"`
	Truncated bool          `json:"truncated"`
	HeatIndex string        `json:"heat_index"`
	Issues    []hotspotView `json:"issues"`
}

type hotspotView struct {
	Name      string          `json:"name"`
	Terms     []string        `json:"terms"`
	Area      string          `json:"area,omitempty"`
	AreaName  string          `json:"area_name,omitempty"`
	Reporters int             `json:"reporters"`
	Votes     int             `json:"votes"`
	Recent    int             `json:"recent"`
	First     time.Time       `json:"first"`
	Last      time.Time       `json:"last"`
	Heat      float64         `json:"heat"`
	Members   []hotspotMember `json:"members"`
}

type hotspotMember struct {
	ID        string      `json:"id"`
	Title     string      `json:"title"`
	State     cases.State `json:"state"`
	CreatedAt time.Time   `json:"created_at"`
}

// hotspotCache keeps recent answers by question; it lives on the Server.
type hotspotCache struct {
	mu      sync.Mutex
	entries map[string]hotspotEntry
}

type hotspotEntry struct {
	at   time.Time
	resp hotspotsResponse
}

func (s *Server) getHotspots(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for name := range q {
		switch name {
		case "window", "area", "limit":
		default:
			s.fail(w, r, badParam(name, fmt.Sprintf("unknown parameter %q; allowed: window, area, limit", name)))
			return
		}
	}
	window := 7 * 24 * time.Hour
	windowText := "7d"
	if v := q.Get("window"); v != "" {
		d, err := parseWindow(v)
		if err != nil {
			s.fail(w, r, badParam("window", err.Error()))
			return
		}
		window, windowText = d, v
	}
	limit := 10
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			s.fail(w, r, badParam("limit", fmt.Sprintf("limit %q must be a whole number from 1 to 100", v)))
			return
		}
		limit = n
	}
	area := strings.TrimSpace(q.Get("area"))
	if area != "" && !isAreaCode(area) {
		s.fail(w, r, badParam("area", fmt.Sprintf("area %q is not an area code (2 to 15 digits, e.g. 420102)", area)))
		return
	}
	f := store.Filter{Limit: MaxListLimit}
	if area != "" {
		f.Areas = []string{area}
	}
	s.restrict(r.Context(), &f)
	now := s.now()
	key := fmt.Sprintf("%d|%s|%d|%v", window, area, limit, f.Scope)
	s.hot.mu.Lock()
	e, ok := s.hot.entries[key]
	s.hot.mu.Unlock()
	if ok && now.Sub(e.at) < hotspotsTTL && now.Sub(e.at) >= 0 {
		s.writeJSON(w, r, http.StatusOK, e.resp)
		return
	}
	resp, err := s.hotspots(r.Context(), f, now, window, limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	resp.Window, resp.Area = windowText, area
	s.hot.mu.Lock()
	if s.hot.entries == nil || len(s.hot.entries) > 256 {
		s.hot.entries = map[string]hotspotEntry{}
	}
	s.hot.entries[key] = hotspotEntry{at: now, resp: resp}
	s.hot.mu.Unlock()
	s.writeJSON(w, r, http.StatusOK, resp)
}

// hotspots reads the window's cases (newest first, at most
// MaxHotspotCases) and clusters them.
func (s *Server) hotspots(ctx context.Context, f store.Filter, now time.Time, window time.Duration, limit int) (hotspotsResponse, error) {
	from := now.Add(-window)
	f.CreatedFrom, f.CreatedTo = from, now.Add(time.Second)
	resp := hotspotsResponse{From: from, To: now, HeatIndex: heatIndexDoc, Issues: []hotspotView{}}
	var msgs []hot.Message
	byID := map[string]cases.Case{}
	for {
		page, err := s.store.List(ctx, f)
		if err != nil {
			return resp, fmt.Errorf("hot issues: listing cases: %w", err)
		}
		for _, c := range page.Cases {
			if len(msgs) == MaxHotspotCases {
				resp.Truncated = true
				break
			}
			reporter := c.Reporter.Phone
			if reporter == "" {
				reporter = c.Reporter.Name
			}
			msgs = append(msgs, hot.Message{ID: c.ID, Reporter: reporter, Title: c.Title, Body: c.Description,
				Area: c.Location.District, Time: c.CreatedAt})
			byID[c.ID] = c
		}
		if resp.Truncated || page.Next == "" {
			break
		}
		f.Cursor = page.Next
	}
	resp.Cases = len(msgs)
	issues := hot.Cluster(msgs, now, hot.Options{Lookback: window})
	if len(issues) > limit {
		issues = issues[:limit]
	}
	for _, is := range issues {
		v := hotspotView{Name: is.Name, Terms: is.Terms, Area: is.Area, Reporters: is.Reporters, Votes: is.Votes,
			Recent: is.Recent, First: is.First, Last: is.Last, Heat: is.Heat}
		if s.sit != nil && s.sit.Geo != nil && is.Area != "" {
			if a, ok := s.sit.Geo.Area(is.Area); ok {
				v.AreaName = a.Name
				v.Name = withAreaName(is, a.Name)
			}
		}
		for _, id := range is.Members {
			c := byID[id]
			v.Members = append(v.Members, hotspotMember{ID: id, Title: c.Title, State: c.State, CreatedAt: c.CreatedAt})
		}
		resp.Issues = append(resp.Issues, v)
	}
	return resp, nil
}

// withAreaName is the issue's name with its area code replaced by the
// area's name: "420102 魅力之城小区 烧烤油烟扰民" reads
// "江岸区魅力之城小区 烧烤油烟扰民", "420102 油烟/扰民" reads "江岸区 油烟/扰民".
func withAreaName(is hot.Issue, areaName string) string {
	rest, ok := strings.CutPrefix(is.Name, is.Area)
	if !ok {
		return is.Name
	}
	if is.Place != "" && strings.HasPrefix(rest, " "+is.Place) {
		rest = rest[1:]
	}
	return areaName + rest
}

// parseWindow reads a window as whole days ("7d"), hours ("36h") or a Go
// duration, from one hour to 90 days.
func parseWindow(v string) (time.Duration, error) {
	var d time.Duration
	if n, ok := strings.CutSuffix(v, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 || days > 90 {
			if err == nil {
				return 0, fmt.Errorf("window %q must be from 1h to 90d", v)
			}
			return 0, fmt.Errorf("window %q is not a number of days like 7d", v)
		}
		d = time.Duration(days) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			return 0, fmt.Errorf("window %q is not a window like 7d or 36h", v)
		}
	}
	if d < time.Hour || d > maxHotspotWindow {
		return 0, fmt.Errorf("window %q must be from 1h to 90d", v)
	}
	return d, nil
}

// isAreaCode reports whether v looks like an administrative area code.
func isAreaCode(v string) bool {
	if len(v) < 2 || len(v) > 15 {
		return false
	}
	for _, c := range v {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
