package sense

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
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
	expect, actor, body, ok := p.readPut(w, r, "the rules", MaxRulesBody, "application/yaml", "application/x-yaml", "text/yaml")
	if !ok {
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

// readPut reads what every whole-document PUT of this API needs: a body of
// one of types (415 otherwise), one If-Match version (428 without, 400
// when unreadable), who makes the change, and the body within limit
// (413 beyond). It answers the problem itself and returns ok false.
func (p *Pipeline) readPut(w http.ResponseWriter, r *http.Request, what string, limit int64, types ...string) (expect int, actor string, body []byte, ok bool) {
	if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); !slices.Contains(types, ct) {
		writeErr(w, http.StatusUnsupportedMediaType, "send "+what+" as "+strings.Join(types, " or "))
		return 0, "", nil, false
	}
	expect, err := ifMatchVersion(r.Header.Values("If-Match"))
	switch {
	case errors.Is(err, errNoIfMatch):
		writeErr(w, http.StatusPreconditionRequired, err.Error())
		return 0, "", nil, false
	case err != nil:
		writeErr(w, http.StatusBadRequest, err.Error()+" of "+what)
		return 0, "", nil, false
	}
	if actor, ok = p.checkedActor(w, r); !ok {
		return 0, "", nil, false
	}
	if body, ok = readBody(w, r, limit); !ok {
		return 0, "", nil, false
	}
	return expect, actor, body, true
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
		return 0, fmt.Errorf("If-Match %q is not a version such as \"3\" (as in ETag) or *; send one version", v)
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
