package sense

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// MaxRulesBody bounds a PUT /rules body.
const MaxRulesBody = 16 << 20

// getRules answers the rules in force, with their version as ETag.
func (p *Pipeline) getRules(w http.ResponseWriter, _ *http.Request) {
	rs := p.Rules()
	w.Header().Set("ETag", strconv.Quote(strconv.Itoa(rs.Version)))
	writeJSON(w, http.StatusOK, rs)
}

// putRules replaces the rules: a YAML body, If-Match the version replaced
// ("3" as sent in ETag, or * for whatever is in force), ?actor=NAME.
func (p *Pipeline) putRules(w http.ResponseWriter, r *http.Request) {
	switch ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct {
	case "application/yaml", "application/x-yaml", "text/yaml":
	default:
		writeErr(w, http.StatusUnsupportedMediaType, "send the rules as application/yaml")
		return
	}
	expect, err := ifMatchVersion(r.Header.Values("If-Match"))
	if err != nil {
		code := http.StatusBadRequest
		if errors.Is(err, errNoIfMatch) {
			code = http.StatusPreconditionRequired
		}
		writeErr(w, code, err.Error())
		return
	}
	actor := p.actorOf(r, "actor")
	if actor == "" {
		actor = "api"
	}
	if len(actor) > 100 {
		writeErr(w, http.StatusBadRequest, "actor longer than 100 bytes")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxRulesBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeErr(w, http.StatusRequestEntityTooLarge, err.Error())
			return
		}
		writeErr(w, http.StatusBadRequest, "reading body: "+err.Error())
		return
	}
	rs, err := p.PutRules(r.Context(), body, expect, actor)
	var invalid *RulesError
	switch {
	case errors.As(err, &invalid):
		writeJSON(w, http.StatusUnprocessableEntity, invalid)
	case errors.Is(err, ErrVersionConflict):
		w.Header().Set("ETag", strconv.Quote(strconv.Itoa(p.Rules().Version)))
		writeErr(w, http.StatusConflict, err.Error()+"; read the rules again and retry")
	case err != nil:
		p.o.Logger.ErrorContext(r.Context(), "replacing sensor rules failed", "err", err)
		writeErr(w, http.StatusInternalServerError, err.Error())
	default:
		w.Header().Set("ETag", strconv.Quote(strconv.Itoa(rs.Version)))
		writeJSON(w, http.StatusOK, rs)
	}
}

var errNoIfMatch = errors.New(`If-Match is required: the version replaced, "0" before any was stored, or *`)

// ifMatchVersion reads one If-Match: a version ("3" or 3) or * (-1).
func ifMatchVersion(vals []string) (int, error) {
	switch len(vals) {
	case 0:
		return 0, errNoIfMatch
	case 1:
	default:
		return 0, errors.New("send one If-Match header")
	}
	v := strings.TrimSpace(vals[0])
	if v == "*" {
		return -1, nil
	}
	n, err := strconv.Atoi(strings.Trim(v, `"`))
	if err != nil || n < 0 {
		return 0, fmt.Errorf("If-Match %q is not a rules version such as \"3\"", v)
	}
	return n, nil
}

// SensorInfo is a sensor as GET /sensors lists it (see Info); PUT
// /sensors takes a list of them back as JSON.
type SensorInfo struct {
	ID        string  `json:"id"`
	Kind      string  `json:"kind"`
	Unit      string  `json:"unit"`
	Lat       float64 `json:"lat"`
	Lon       float64 `json:"lon"`
	Owner     string  `json:"owner"`
	IntervalS float64 `json:"interval_s"`
	District  string  `json:"district,omitempty"`
	Grid      string  `json:"grid,omitempty"`
}
