package open311

import (
	"encoding/json"
	"encoding/xml"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// format is a response format, chosen by the path's extension.
type format int

const (
	formatJSON format = iota
	formatXML
)

// splitFormat cuts ".json" or ".xml" off the last path segment.
func splitFormat(name string) (base string, f format, ok bool) {
	i := strings.LastIndexByte(name, '.')
	if i < 0 {
		return name, formatJSON, false
	}
	switch name[i+1:] {
	case "json":
		return name[:i], formatJSON, true
	case "xml":
		return name[:i], formatXML, true
	}
	return name, formatJSON, false
}

// formatOf guesses the format of a request's response from its path: XML
// for a path ending .xml, JSON otherwise.
func formatOf(r *http.Request) format {
	if strings.HasSuffix(r.URL.Path, ".xml") {
		return formatXML
	}
	return formatJSON
}

// XML documents: GeoReport v2 names the root and item elements.
type (
	servicesXML struct {
		XMLName  xml.Name  `xml:"services"`
		Services []Service `xml:"service"`
	}
	definitionXML struct {
		XMLName xml.Name `xml:"service_definition"`
		Definition
	}
	requestsXML[T any] struct {
		XMLName  xml.Name `xml:"service_requests"`
		Requests []T      `xml:"request"`
	}
	errorsXML struct {
		XMLName xml.Name `xml:"errors"`
		Errors  []Error  `xml:"error"`
	}
)

const xmlHeader = `<?xml version="1.0" encoding="utf-8"?>` + "\n"

// write encodes v (JSON) or x (XML) with the given status.
func write(w http.ResponseWriter, f format, status int, v, x any) {
	var body []byte
	var err error
	ct := "application/json; charset=utf-8"
	if f == formatXML {
		ct = "text/xml; charset=utf-8"
		body, err = xml.Marshal(x)
		body = append([]byte(xmlHeader), body...)
	} else {
		body, err = json.Marshal(v)
	}
	if err != nil { // cannot happen for these types; still answer something valid
		status, ct = http.StatusInternalServerError, "application/json; charset=utf-8"
		body = []byte(`[{"code":500,"description":"the response could not be encoded"}]`)
	}
	body = append(body, '\n')
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(body)
}

// writeErrors writes an Open311 error list.
func writeErrors(w http.ResponseWriter, f format, e *apiError) {
	write(w, f, e.status, e.errs, errorsXML{Errors: e.errs})
}

// RateLimited answers a request refused by the rate limiter (a
// ratelimit.Deny): 429 with an Open311 error list, XML for a path ending
// .xml and JSON otherwise. The caller sets Retry-After.
func RateLimited(w http.ResponseWriter, r *http.Request, retryAfter time.Duration) {
	secs := int((retryAfter + time.Second - 1) / time.Second)
	writeErrors(w, formatOf(r), fail(http.StatusTooManyRequests,
		"too many requests from this client; retry after %d s", max(secs, 1)))
}

// logFailure logs a server error once.
func logFailure(log *slog.Logger, r *http.Request, e *apiError) {
	if e.status >= 500 {
		log.ErrorContext(r.Context(), "open311 request failed", "method", r.Method, "path", r.URL.Path,
			"status", e.status, "err", e.cause)
	}
}
