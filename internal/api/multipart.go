package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"unicode/utf8"
)

var (
	errEOF          = io.EOF
	errPartTooLarge = errors.New("part too large")
)

func parseMediaType(ct string) (string, map[string]string, error) { return mime.ParseMediaType(ct) }

// readLimited reads r to the end, failing with errPartTooLarge past limit bytes.
func readLimited(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, errPartTooLarge
	}
	return b, nil
}

// multipartProblem explains a multipart body that cannot be read.
func multipartProblem(err error, limit int64) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return newProblem(ProblemBodyTooLarge, http.StatusRequestEntityTooLarge, "",
			fmt.Sprintf("the request body is larger than the limit of %d bytes", limit))
	}
	return newProblem(ProblemMalformedJSON, http.StatusBadRequest, "", "the multipart body cannot be read: "+err.Error())
}

// decodeJSONBytes decodes one JSON object strictly, as decodeJSON does for
// a request body.
func decodeJSONBytes(body []byte, v any) error { return decodeStrict(body, v, "the JSON") }

// decodeStrict decodes body (what names it in errors) into v: valid UTF-8,
// not empty, known keys each once (checked first, so that unknown and
// duplicate fields are named by their full path; syntax errors are left
// to the decoder, which reports them), right types, nothing after.
func decodeStrict(body []byte, v any, what string) error {
	if !utf8.Valid(body) {
		return newProblem(ProblemInvalidUTF8, http.StatusBadRequest, "",
			fmt.Sprintf("%s is not valid UTF-8 (first bad byte at offset %d)", what, invalidUTF8Offset(body)))
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return newProblem(ProblemMalformedJSON, http.StatusBadRequest, "", what+" is empty; send a JSON object")
	}
	if err := checkKeys(body, reflect.TypeOf(v)); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeProblem(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		off := dec.InputOffset()
		return &Problem{Type: ProblemMalformedJSON, Title: problemTitles[ProblemMalformedJSON], Status: http.StatusBadRequest,
			Detail: fmt.Sprintf("unexpected data after the JSON object at byte offset %d; send exactly one object", off), Offset: &off}
	}
	return nil
}
