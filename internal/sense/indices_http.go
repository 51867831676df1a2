package sense

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// MaxIndicesBody bounds a PUT /indices body.
const MaxIndicesBody = 1 << 20

// getIndices answers the index definitions in force, ETag the version.
func (p *Pipeline) getIndices(w http.ResponseWriter, _ *http.Request) {
	set := p.Indices()
	w.Header().Set("ETag", strconv.Quote(strconv.Itoa(set.Version)))
	writeJSON(w, http.StatusOK, set)
}

// putIndices replaces the index definitions: a YAML or JSON body,
// If-Match the version replaced ("3", or * for whatever is in force),
// ?actor=NAME.
func (p *Pipeline) putIndices(w http.ResponseWriter, r *http.Request) {
	expect, actor, body, ok := p.readPut(w, r, "the index definitions", MaxIndicesBody, "application/yaml", "application/x-yaml", "text/yaml", "application/json")
	if !ok {
		return
	}
	set, err := p.PutIndices(r.Context(), body, expect, actor)
	var invalid *IndicesError
	switch {
	case errors.As(err, &invalid):
		writeJSON(w, http.StatusUnprocessableEntity, invalid)
	case errors.Is(err, ErrIndicesConflict):
		w.Header().Set("ETag", strconv.Quote(strconv.Itoa(p.Indices().Version)))
		writeErr(w, http.StatusConflict, err.Error()+"; read the definitions again and retry")
	case err != nil:
		p.o.Logger.ErrorContext(r.Context(), "replacing index definitions failed", "err", err)
		writeErr(w, http.StatusInternalServerError, err.Error())
	default:
		w.Header().Set("ETag", strconv.Quote(strconv.Itoa(set.Version)))
		writeJSON(w, http.StatusOK, set)
	}
}

// getIndexValues answers the last computation, optionally narrowed to
// one index (?index=ID) and one area (?area=CODE).
func (p *Pipeline) getIndexValues(w http.ResponseWriter, r *http.Request) {
	snap := p.IndexValues()
	if snap == nil {
		writeErr(w, http.StatusServiceUnavailable, "the indices have not been computed yet")
		return
	}
	q := r.URL.Query()
	id, area := q.Get("index"), q.Get("area")
	if id == "" && area == "" {
		writeJSON(w, http.StatusOK, snap)
		return
	}
	out := *snap
	out.Indices = nil
	for _, iv := range snap.Indices {
		if id != "" && iv.Index.ID != id {
			continue
		}
		if area != "" {
			vs := iv.Values
			iv.Values = nil
			for _, v := range vs {
				if v.Area == area {
					iv.Values = append(iv.Values, v)
				}
			}
		}
		out.Indices = append(out.Indices, iv)
	}
	if id != "" && len(out.Indices) == 0 {
		writeErr(w, http.StatusNotFound, fmt.Sprintf("index: no index %q", clip(id)))
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// streamIndices serves the computations as server-sent events: the last
// one at once, then each new one (event "indices", id its Seq, data an
// IndexSnapshot). A slow reader skips to the newest.
func (p *Pipeline) streamIndices(w http.ResponseWriter, r *http.Request) {
	ch, cancel := p.subscribeIndices()
	defer cancel()
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	send := func(s *IndexSnapshot) bool {
		b, err := json.Marshal(s)
		if err == nil {
			_, err = fmt.Fprintf(w, "id: %d\nevent: indices\ndata: %s\n\n", s.Seq, b)
		}
		if err == nil {
			err = rc.Flush()
		}
		return err == nil
	}
	sent := int64(0)
	if s := p.IndexValues(); s != nil {
		if !send(s) {
			return
		}
		sent = s.Seq
	} else {
		if _, err := io.WriteString(w, ": no computation yet\n\n"); err != nil || rc.Flush() != nil {
			return
		}
	}
	keep := time.NewTicker(30 * time.Second)
	defer keep.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case s := <-ch:
			if s.Seq <= sent {
				continue // already sent as the last one
			}
			if !send(s) {
				return
			}
			sent = s.Seq
		case <-keep.C:
			if _, err := io.WriteString(w, ": keep-alive\n\n"); err != nil || rc.Flush() != nil {
				return
			}
		}
	}
}
