package sense

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"yiwang/internal/sense/alarm"
	"yiwang/internal/sense/registry"
	"yiwang/internal/sense/tsdb"
)

// Handler serves the pipeline's HTTP routes, relative to where it is mounted:
//
//	POST /write                     readings (line protocol or JSON; see Ingester.ServeHTTP)
//	GET  /stats                     ingest counters, quarantine, store size, alarm counters
//	GET  /alarms                    open and recently cleared alarms
//	POST /alarms/{id}/ack?by=NAME   acknowledge an alarm
//	GET  /sensors/{id}/readings?from=RFC3339&to=RFC3339[&rollup=1m|1h]
//	GET  /latest?area=CODE          newest reading of every sensor in an area
//	GET  /sensors[?format=geojson]  the sensor registry (ETag the version)
//	PUT  /sensors?actor=NAME        replace it (text/csv, application/geo+json or
//	                                application/json, If-Match the version; 422
//	                                {"errors": [...]} when invalid or when a rule in
//	                                force names a removed sensor, 409 when stale)
//	POST /sensors?actor=NAME        add or replace one sensor (a JSON object)
//	GET|DELETE /sensors/{id}        one sensor; remove it (422 while rules name it)
//	GET  /rules                     the alarm rules in force (YAML, version; ETag the version)
//	PUT  /rules?actor=NAME          replace them (application/yaml, If-Match the version;
//	                                422 {"errors": [...]} when invalid, 409 when stale)
//	GET  /indices                   the vital-sign index definitions (ETag the version)
//	PUT  /indices?actor=NAME        replace them (YAML or JSON, If-Match; 422 / 409 as /rules)
//	GET  /indices/values[?index=ID&area=CODE]  the last computation of every index
//	GET  /indices/stream            each computation as server-sent events
func (p *Pipeline) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /write", p.Ingester)
	mux.HandleFunc("GET /stats", p.stats)
	mux.HandleFunc("GET /alarms", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string][]alarm.Alarm{"open": p.Alarms.Open(), "recent": p.Alarms.Recent()})
	})
	mux.HandleFunc("POST /alarms/{id}/ack", p.ack)
	mux.HandleFunc("GET /sensors/{id}/readings", p.readings)
	mux.HandleFunc("GET /sensors", p.getSensors)
	mux.HandleFunc("PUT /sensors", p.putSensors)
	mux.HandleFunc("POST /sensors", p.postSensor)
	mux.HandleFunc("GET /sensors/{id}", p.getSensor)
	mux.HandleFunc("DELETE /sensors/{id}", p.deleteSensor)
	mux.HandleFunc("GET /rules", p.getRules)
	mux.HandleFunc("PUT /rules", p.putRules)
	mux.HandleFunc("GET /indices", p.getIndices)
	mux.HandleFunc("PUT /indices", p.putIndices)
	mux.HandleFunc("GET /indices/values", p.getIndexValues)
	mux.HandleFunc("GET /indices/stream", p.streamIndices)
	mux.HandleFunc("GET /latest", func(w http.ResponseWriter, r *http.Request) {
		area := r.URL.Query().Get("area")
		if area == "" {
			writeErr(w, http.StatusBadRequest, "area is required (a district, street, community or grid code)")
			return
		}
		writeJSON(w, http.StatusOK, p.LatestInArea(area))
	})
	return mux
}

func (p *Pipeline) stats(w http.ResponseWriter, _ *http.Request) {
	d, l := p.DB.Counts()
	writeJSON(w, http.StatusOK, map[string]any{"ingest": p.Ingester.Stats(), "store": p.DB.Size(), "disk": p.DB.Disk(),
		"store_dropped": map[string]int64{"duplicate": d, "too_late": l}, "alarms": p.Alarms.Stats()})
}

func (p *Pipeline) ack(w http.ResponseWriter, r *http.Request) {
	by := p.actorOf(r, "by")
	if by == "" {
		writeErr(w, http.StatusBadRequest, "by is required (who acknowledges)")
		return
	}
	a, err := p.Alarms.Ack(r.PathValue("id"), by, p.o.Now())
	switch {
	case errors.Is(err, alarm.ErrNotFound):
		writeErr(w, http.StatusNotFound, err.Error())
	case err != nil:
		writeErr(w, http.StatusConflict, err.Error())
	default:
		// An acknowledgement is kept at once, not at the next tick.
		if err := p.Alarms.Save(r.Context()); err != nil {
			p.o.Logger.ErrorContext(r.Context(), "saving alarm state failed", "err", err)
		}
		writeJSON(w, http.StatusOK, a)
	}
}

func (p *Pipeline) readings(w http.ResponseWriter, r *http.Request) {
	s, err := p.Registry.Get(r.PathValue("id"))
	if errors.Is(err, registry.ErrUnknownSensor) {
		writeErr(w, http.StatusNotFound, err.Error())
		return
	}
	q := r.URL.Query()
	now := p.o.Now()
	from, to := now.Add(-time.Hour), now.Add(time.Minute)
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"from", &from}, {"to", &to}} {
		if v := q.Get(f.name); v != "" {
			if *f.dst, err = time.Parse(time.RFC3339Nano, v); err != nil {
				writeErr(w, http.StatusBadRequest, f.name+": "+err.Error())
				return
			}
		}
	}
	switch q.Get("rollup") {
	case "":
		out, _ := p.DB.Range(s.Index, from.UnixNano(), to.UnixNano())
		writeJSON(w, http.StatusOK, out)
	case "1m", "1h":
		res := tsdb.Minute
		if q.Get("rollup") == "1h" {
			res = tsdb.Hour
		}
		out, _ := p.DB.Rollup(s.Index, res, from.UnixNano(), to.UnixNano())
		writeJSON(w, http.StatusOK, out)
	default:
		writeErr(w, http.StatusBadRequest, "rollup must be 1m or 1h")
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, code int, msg string) {
	writeJSON(w, code, map[string]string{"error": msg})
}

// actorOf is who makes request r: the signed-in user when Options.Actor
// knows one, else the query parameter param.
func (p *Pipeline) actorOf(r *http.Request, param string) string {
	if p.o.Actor != nil {
		if name, ok := p.o.Actor(r.Context()); ok && name != "" {
			return name
		}
	}
	return strings.TrimSpace(r.URL.Query().Get(param))
}
