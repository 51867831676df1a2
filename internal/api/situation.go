package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"yiwang/internal/cases"
	"yiwang/internal/geo"
	"yiwang/internal/situation"
	"yiwang/internal/stream"
)

// Situation is what the situation routes (GET /api/v1/situation,
// /api/v1/geo/areas and /api/v1/stream) need; without it (Options.Situation
// nil) they answer 404.
type Situation struct {
	Aggregates *situation.Aggregates
	Geo        *geo.Index
	Bus        *stream.Bus
	// UnitName names a unit code (nil: the code itself).
	UnitName func(code string) string
	// Heartbeat is the interval of the stream's heartbeats (default 15 s).
	Heartbeat time.Duration

	once     sync.Once
	children map[string][]geo.Area // heat children: city → districts → streets → grids
	mu       sync.Mutex
	geojson  map[string][]byte
}

func (sv *Situation) init() {
	sv.once.Do(func() {
		sv.children = map[string][]geo.Area{}
		sv.geojson = map[string][]byte{}
		for _, city := range sv.Geo.Areas(geo.LevelCity) {
			sv.children[city.Code] = sv.Geo.Areas(geo.LevelDistrict)
		}
		for _, d := range sv.Geo.Areas(geo.LevelDistrict) {
			sv.children[d.Code] = sv.Geo.Children(d.Code)
		}
		streetOf := map[string]string{}
		for _, c := range sv.Geo.Areas(geo.LevelCommunity) {
			streetOf[c.Code] = c.ParentCode
		}
		for _, g := range sv.Geo.Areas(geo.LevelGrid) {
			st := streetOf[g.ParentCode]
			g.Geometry = nil
			sv.children[st] = append(sv.children[st], g)
		}
	})
}

type areaView struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Level  string `json:"level"`
	Parent string `json:"parent,omitempty"`
}

type situationResponse struct {
	Area          areaView           `json:"area"`
	ChildLevel    string             `json:"child_level,omitempty"`
	Names         map[string]string  `json:"names"`
	Snapshot      situation.Snapshot `json:"situation"`
	GeneratedNote string             `json:"note"`
}

func (s *Server) situationUnavailable(w http.ResponseWriter, r *http.Request) bool {
	if s.sit == nil {
		s.fail(w, r, newProblem(ProblemNotFound, http.StatusNotFound, "", "this node does not serve the situation screen"))
		return true
	}
	s.sit.init()
	return false
}

// getSituation serves GET /api/v1/situation?area=CODE.
func (s *Server) getSituation(w http.ResponseWriter, r *http.Request) {
	if s.situationUnavailable(w, r) {
		return
	}
	code, err := s.situationArea(r, r.URL.Query().Get("area"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if code == "" {
		code = s.sit.Geo.Areas(geo.LevelCity)[0].Code
	}
	area, ok := s.sit.Geo.Area(code)
	if !ok || area.Level == geo.LevelCommunity {
		s.fail(w, r, newProblem(ProblemInvalidParameter, http.StatusBadRequest, "area",
			fmt.Sprintf("area %q is not a city, district, street or grid code", code)))
		return
	}
	key := code
	if area.Level == geo.LevelCity {
		key = ""
	}
	kids := s.sit.children[code]
	codes := make([]string, len(kids))
	names := map[string]string{}
	for i, k := range kids {
		codes[i] = k.Code
		names[k.Code] = k.Name
	}
	resp := situationResponse{
		Area:          areaView{Code: area.Code, Name: area.Name, Level: area.Level.String(), Parent: area.ParentCode},
		Names:         names,
		Snapshot:      s.sit.Aggregates.Snapshot(key, codes, 10, s.now()),
		GeneratedNote: "district boundaries are real; street boundaries, communities and grids are generated",
	}
	if len(kids) > 0 {
		resp.ChildLevel = kids[0].Level.String()
	}
	for _, c := range resp.Snapshot.Categories {
		if cat, err := s.tax.Get(c.Code); err == nil {
			names[c.Code] = cat.Name
		}
	}
	for _, u := range resp.Snapshot.Units {
		if s.sit.UnitName != nil {
			names[u.Code] = s.sit.UnitName(u.Code)
		}
	}
	s.writeJSON(w, r, http.StatusOK, resp)
}

// getGeoAreas serves GET /api/v1/geo/areas?level=…&parent=… as GeoJSON.
func (s *Server) getGeoAreas(w http.ResponseWriter, r *http.Request) {
	if s.situationUnavailable(w, r) {
		return
	}
	q := r.URL.Query()
	level, err := geo.ParseLevel(q.Get("level"))
	if err != nil {
		s.fail(w, r, newProblem(ProblemInvalidParameter, http.StatusBadRequest, "level",
			"level must be city, district, street, community or grid"))
		return
	}
	parent := q.Get("parent")
	if _, ok := s.sit.Geo.Area(parent); parent != "" && !ok {
		s.fail(w, r, newProblem(ProblemInvalidParameter, http.StatusBadRequest, "parent",
			fmt.Sprintf("parent %q is not an area code", parent)))
		return
	}
	if level == geo.LevelGrid && parent == "" || level == geo.LevelCommunity && parent == "" {
		s.fail(w, r, newProblem(ProblemInvalidParameter, http.StatusBadRequest, "parent",
			"communities and grids are served only within a parent area"))
		return
	}
	key := level.String() + "/" + parent
	s.sit.mu.Lock()
	body, ok := s.sit.geojson[key]
	s.sit.mu.Unlock()
	if !ok {
		body, err = json.Marshal(s.sit.Geo.FeatureCollection(level, parent))
		if err != nil {
			s.fail(w, r, fmt.Errorf("encoding areas: %w", err))
			return
		}
		s.sit.mu.Lock()
		s.sit.geojson[key] = body
		s.sit.mu.Unlock()
	}
	w.Header().Set("Content-Type", "application/geo+json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.Write(body)
}

// streamEvent is one committed event as the stream sends it.
type streamEvent struct {
	ID       string       `json:"id"`
	Action   cases.Action `json:"action"`
	State    cases.State  `json:"state"`
	District string       `json:"district,omitempty"`
	At       time.Time    `json:"at"`
	Pos      int64        `json:"pos"`
}

// streamEvents serves GET /api/v1/stream: Server-Sent Events, one
// `event: case` per committed event, `event: heartbeat` while quiet, and
// `event: reload` (then the end) when the client fell behind.
func (s *Server) streamEvents(w http.ResponseWriter, r *http.Request) {
	if s.situationUnavailable(w, r) {
		return
	}
	rc := http.NewResponseController(w)
	// A caller with a data scope gets only the events of cases it sees
	// (each checked against the case as stored); the city-wide see all.
	var scoped Caller
	if cl, ok := s.caller(r.Context()); ok && cl.Scope() != nil {
		scoped = cl
	}
	sub := s.sit.Bus.Subscribe(1024)
	defer sub.Cancel()
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	beat := s.sit.Heartbeat
	if beat <= 0 {
		beat = 15 * time.Second
	}
	tick := time.NewTicker(beat)
	defer tick.Stop()
	send := func(event string, v any) bool {
		b, err := json.Marshal(v)
		if err != nil {
			return false
		}
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !send("hello", map[string]any{"retry_ms": 3000}) {
		return
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
			if !send("heartbeat", map[string]any{"at": s.now()}) {
				return
			}
		case e, ok := <-sub.C:
			if !ok {
				if errors.Is(sub.Err(), stream.ErrLagged) {
					send("reload", map[string]string{"reason": "fell behind the event stream; reload the figures"})
				}
				return
			}
			if scoped != nil {
				c, err := s.store.Get(r.Context(), e.CaseID)
				if err != nil || !scoped.Sees(&c) {
					continue
				}
			}
			ev := streamEvent{ID: e.CaseID, Action: e.Action, State: e.To, At: e.At, Pos: e.Pos}
			if e.Action == cases.ActionCreate && e.Payload.Case != nil {
				ev.District = e.Payload.Case.Location.District
			} else {
				ev.District = s.sit.Aggregates.District(e.CaseID)
			}
			if !send("case", ev) {
				return
			}
		}
	}
}
