package sense

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"

	"yiwang/internal/sense/registry"
)

// MaxSensorsBody bounds a PUT /sensors body.
const MaxSensorsBody = 64 << 20

// sensorFormats are the media types PUT /sensors takes.
var sensorFormats = map[string]registry.Format{
	"text/csv":             registry.CSV,
	"application/geo+json": registry.GeoJSON,
	"application/json":     registry.JSON,
}

// getSensors lists the sensors in force (JSON, or a GeoJSON
// FeatureCollection with ?format=geojson), with the version as ETag.
func (p *Pipeline) getSensors(w http.ResponseWriter, r *http.Request) {
	p.putMu.Lock() // the list and its version together
	set, all := p.Sensors(), p.Registry.All()
	p.putMu.Unlock()
	w.Header().Set("ETag", strconv.Quote(strconv.Itoa(set.Version)))
	switch r.URL.Query().Get("format") {
	case "", "json":
		out := make([]SensorInfo, len(all))
		for i, s := range all {
			out[i] = Info(s)
		}
		writeJSON(w, http.StatusOK, out)
	case "geojson":
		type feature struct {
			Type     string         `json:"type"`
			ID       string         `json:"id"`
			Geometry map[string]any `json:"geometry"`
			Props    SensorInfo     `json:"properties"`
		}
		fc := struct {
			Type     string    `json:"type"`
			Features []feature `json:"features"`
		}{Type: "FeatureCollection", Features: make([]feature, len(all))}
		for i, s := range all {
			fc.Features[i] = feature{Type: "Feature", ID: s.ID, Props: Info(s),
				Geometry: map[string]any{"type": "Point", "coordinates": []float64{s.Lon, s.Lat}}}
		}
		w.Header().Set("Content-Type", "application/geo+json")
		w.WriteHeader(http.StatusOK)
		json.NewEncoder(w).Encode(fc)
	default:
		writeErr(w, http.StatusBadRequest, "format must be json or geojson")
	}
}

func (p *Pipeline) getSensor(w http.ResponseWriter, r *http.Request) {
	s, err := p.Registry.Get(r.PathValue("id"))
	if err != nil {
		writeErr(w, http.StatusNotFound, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, Info(s))
}

// putSensors replaces the registry: CSV (text/csv), GeoJSON
// (application/geo+json) or JSON (application/json), If-Match the version
// replaced, ?actor=NAME.
func (p *Pipeline) putSensors(w http.ResponseWriter, r *http.Request) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	format, ok := sensorFormats[ct]
	if !ok {
		writeErr(w, http.StatusUnsupportedMediaType, "send the sensors as text/csv, application/geo+json or application/json")
		return
	}
	expect, ok := ifMatch(w, r, true)
	if !ok {
		return
	}
	actor, ok := p.checkedActor(w, r)
	if !ok {
		return
	}
	body, ok := readBody(w, r, MaxSensorsBody)
	if !ok {
		return
	}
	ss, err := registry.Parse(bytes.NewReader(body), format)
	if err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, &SensorsError{Errors: messages(err)})
		return
	}
	u, err := p.PutSensors(r.Context(), ss, expect, actor)
	p.answerSensors(w, r, u, err, http.StatusOK)
}

// postSensor adds one sensor, or replaces the one with its id: a JSON
// object as GET /sensors/{id} answers; If-Match optional.
func (p *Pipeline) postSensor(w http.ResponseWriter, r *http.Request) {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct != "application/json" {
		writeErr(w, http.StatusUnsupportedMediaType, "send the sensor as an application/json object")
		return
	}
	expect, ok := ifMatch(w, r, false)
	if !ok {
		return
	}
	actor, ok := p.checkedActor(w, r)
	if !ok {
		return
	}
	body, ok := readBody(w, r, 1<<20)
	if !ok {
		return
	}
	if t := bytes.TrimSpace(body); len(t) == 0 || t[0] != '{' {
		writeErr(w, http.StatusBadRequest, "send one sensor as a JSON object (PUT /sensors replaces them all)")
		return
	}
	one, err := registry.ParseJSON(append(append([]byte("["), body...), ']'))
	if err != nil {
		writeJSON(w, http.StatusUnprocessableEntity, &SensorsError{Errors: messages(err)})
		return
	}
	code := http.StatusCreated
	u, err := p.EditSensors(r.Context(), func(all []registry.Sensor) ([]registry.Sensor, error) {
		for i := range all {
			if all[i].ID == one[0].ID {
				all[i], code = one[0], http.StatusOK
				return all, nil
			}
		}
		return append(all, one[0]), nil
	}, expect, actor)
	p.answerSensors(w, r, u, err, code)
}

// deleteSensor removes one sensor; If-Match optional.
func (p *Pipeline) deleteSensor(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	expect, ok := ifMatch(w, r, false)
	if !ok {
		return
	}
	actor, ok := p.checkedActor(w, r)
	if !ok {
		return
	}
	u, err := p.EditSensors(r.Context(), func(all []registry.Sensor) ([]registry.Sensor, error) {
		for i, s := range all {
			if s.ID == id {
				return slices.Delete(all, i, i+1), nil
			}
		}
		return nil, fmt.Errorf("%w %q", registry.ErrUnknownSensor, id)
	}, expect, actor)
	p.answerSensors(w, r, u, err, http.StatusOK)
}

func (p *Pipeline) answerSensors(w http.ResponseWriter, r *http.Request, u SensorsUpdate, err error, code int) {
	var invalid *SensorsError
	switch {
	case errors.Is(err, registry.ErrUnknownSensor):
		writeErr(w, http.StatusNotFound, err.Error())
	case errors.As(err, &invalid):
		writeJSON(w, http.StatusUnprocessableEntity, invalid)
	case errors.Is(err, ErrSensorsConflict), errors.Is(err, registry.ErrStale):
		w.Header().Set("ETag", strconv.Quote(strconv.Itoa(p.Sensors().Version)))
		writeErr(w, http.StatusConflict, err.Error()+"; read the sensors again and retry")
	case err != nil:
		p.o.Logger.ErrorContext(r.Context(), "replacing the sensor registry failed", "err", err)
		writeErr(w, http.StatusInternalServerError, err.Error())
	default:
		w.Header().Set("ETag", strconv.Quote(strconv.Itoa(u.Version)))
		writeJSON(w, code, u)
	}
}

// ifMatch reads If-Match (see ifMatchVersion); when it is not required
// and absent, the version is whatever is in force (-1).
func ifMatch(w http.ResponseWriter, r *http.Request, required bool) (int, bool) {
	vals := r.Header.Values("If-Match")
	if len(vals) == 0 && !required {
		return -1, true
	}
	v, err := ifMatchVersion(vals)
	if err != nil {
		code := http.StatusBadRequest
		if errors.Is(err, errNoIfMatch) {
			code = http.StatusPreconditionRequired
		}
		writeErr(w, code, err.Error())
		return 0, false
	}
	return v, true
}

func (p *Pipeline) checkedActor(w http.ResponseWriter, r *http.Request) (string, bool) {
	actor := p.actorOf(r, "actor")
	if actor == "" {
		actor = "api"
	}
	if len(actor) > 100 {
		writeErr(w, http.StatusBadRequest, "actor longer than 100 bytes")
		return "", false
	}
	return actor, true
}

func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeErr(w, http.StatusRequestEntityTooLarge, err.Error())
			return nil, false
		}
		writeErr(w, http.StatusBadRequest, "reading body: "+err.Error())
		return nil, false
	}
	return body, true
}
