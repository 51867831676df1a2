package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"unicode/utf8"
)

// decodeJSON reads r's body into v strictly: the media type must be JSON,
// the body at most s.maxBody bytes of valid UTF-8 holding exactly one JSON
// object whose keys are all known to v (exact case, each once) and whose
// values have the right types. Every failure is a *Problem naming what is
// wrong.
func (s *Server) decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if err := checkContentType(r.Header.Get("Content-Type")); err != nil {
		return err
	}
	tooLarge := newProblem(ProblemBodyTooLarge, http.StatusRequestEntityTooLarge, "",
		fmt.Sprintf("the request body is larger than the limit of %d bytes", s.maxBody))
	if r.ContentLength > s.maxBody {
		return tooLarge
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return tooLarge
		}
		return newProblem(ProblemMalformedJSON, http.StatusBadRequest, "", "the request body could not be read: "+err.Error())
	}
	return decodeStrict(body, v, "the request body")
}

func checkContentType(ct string) error {
	unsupported := func(detail string) error {
		return newProblem(ProblemUnsupportedMediaType, http.StatusUnsupportedMediaType, "Content-Type", detail)
	}
	if ct == "" {
		return unsupported("the request has no Content-Type; send application/json")
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return unsupported(fmt.Sprintf("Content-Type %q is not supported; send application/json", ct))
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return unsupported(fmt.Sprintf("charset %q is not supported; send UTF-8", cs))
	}
	return nil
}

func invalidUTF8Offset(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}

// decodeProblem turns an encoding/json error into a problem.
func decodeProblem(err error) *Problem {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off := se.Offset
		p := newProblem(ProblemMalformedJSON, http.StatusBadRequest, "",
			fmt.Sprintf("the request body is not valid JSON at byte offset %d: %s", off, strings.TrimPrefix(se.Error(), "json: ")))
		p.Offset = &off
		return p
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return newProblem(ProblemMalformedJSON, http.StatusBadRequest, "", "the request body ends before the JSON object does")
	case errors.As(err, &te):
		field := jsonPath(te.Field)
		if field == "" {
			return newProblem(ProblemMalformedJSON, http.StatusBadRequest, "",
				fmt.Sprintf("the request body must be a JSON object, not a JSON %s", te.Value))
		}
		return newProblem(ProblemWrongType, http.StatusBadRequest, field,
			fmt.Sprintf("%s must be a JSON %s, not a JSON %s", field, jsonKind(te.Type), te.Value))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// checkKeys catches these first; this is a safety net.
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return newProblem(ProblemUnknownField, http.StatusBadRequest, name, fmt.Sprintf("the field %q is not part of this request", name))
	}
	return newProblem(ProblemMalformedJSON, http.StatusBadRequest, "", "the request body could not be decoded: "+err.Error())
}

// jsonPath drops the Go names of embedded structs ("NewCase.title" →
// "title"): every JSON name in this API is lower case.
func jsonPath(field string) string {
	parts := strings.Split(field, ".")
	for len(parts) > 0 && parts[0] != "" && parts[0][0] >= 'A' && parts[0][0] <= 'Z' {
		parts = parts[1:]
	}
	return strings.Join(parts, ".")
}

// jsonKind names the JSON kind a Go type decodes from.
func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	case reflect.Struct:
		if t.String() == "time.Time" {
			return "string (RFC 3339 time)"
		}
		return "object"
	case reflect.Map:
		return "object"
	}
	return t.String()
}
