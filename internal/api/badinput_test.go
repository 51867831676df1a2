package api

import (
	"net/http"
	"strings"
	"testing"

	"yiwang/internal/store"
)

// TestCreateBadInput sends broken create requests and checks each is
// refused with the right problem and that nothing was stored.
func TestCreateBadInput(t *testing.T) {
	valid := caseBody(nil)
	huge := caseBody(func(m map[string]any) { m["description"] = strings.Repeat("很", 10<<20/3) }) // ~10 MB
	tests := []struct {
		name    string
		body    string
		headers []string
		status  int
		typ     string
		field   string
	}{
		{"malformed JSON", `{"channel": "hotline", "title": }`, nil, 400, ProblemMalformedJSON, ""},
		{"truncated JSON", valid[:len(valid)-5], nil, 400, ProblemMalformedJSON, ""},
		{"empty body", " ", nil, 400, ProblemMalformedJSON, ""},
		{"not an object", `["a"]`, nil, 400, ProblemMalformedJSON, ""},
		{"trailing data", valid + ` {"title":"again"}`, nil, 400, ProblemMalformedJSON, ""},
		{"title is a number", caseBody(func(m map[string]any) { m["title"] = 5 }), nil, 400, ProblemWrongType, "title"},
		{"lat is a string", caseBody(func(m map[string]any) { m["location"] = map[string]any{"lat": "30", "lon": 114.0} }), nil, 400, ProblemWrongType, "location.lat"},
		{"tags is a string", caseBody(func(m map[string]any) { m["tags"] = "照明" }), nil, 400, ProblemWrongType, "tags"},
		{"lat out of range", caseBody(func(m map[string]any) { m["location"] = map[string]any{"lat": 91.0, "lon": 114.0} }), nil, 422, ProblemInvalidField, "location.lat"},
		{"lon out of range", caseBody(func(m map[string]any) { m["location"] = map[string]any{"lat": 30.0, "lon": -180.5} }), nil, 422, ProblemInvalidField, "location.lon"},
		{"lat without lon", caseBody(func(m map[string]any) { m["location"] = map[string]any{"lat": 30.0} }), nil, 422, ProblemInvalidField, "location"},
		{"lat beyond float64", strings.Replace(valid, `"lat":30.58`, `"lat":1e400`, 1), nil, 400, ProblemWrongType, "location.lat"},
		{"10 MB description", huge, nil, 413, ProblemBodyTooLarge, ""},
		{"invalid UTF-8", strings.Replace(valid, "路灯不亮", "路灯\xff\xfe不亮", 1), nil, 400, ProblemInvalidUTF8, ""},
		{"unknown category", caseBody(func(m map[string]any) { m["category"] = "999999" }), nil, 422, ProblemUnknownCategory, "category"},
		{"missing category", caseBody(func(m map[string]any) { delete(m, "category") }), nil, 422, ProblemInvalidField, "category"},
		{"missing title", caseBody(func(m map[string]any) { m["title"] = "   " }), nil, 422, ProblemInvalidField, "title"},
		{"unknown channel", caseBody(func(m map[string]any) { m["channel"] = "fax" }), nil, 422, ProblemInvalidField, "channel"},
		{"title too long", caseBody(func(m map[string]any) { m["title"] = strings.Repeat("长", 201) }), nil, 422, ProblemInvalidField, "title"},
		{"NUL in description", caseBody(func(m map[string]any) { m["description"] = "a\x00b" }), nil, 422, ProblemInvalidField, "description"},
		{"control character in actor", caseBody(func(m map[string]any) { m["actor"] = "a\nb" }), nil, 422, ProblemInvalidField, "actor"},
		{"NUL in org code", caseBody(func(m map[string]any) { m["reporter"] = map[string]any{"org_code": "9142\x00"} }), nil, 422, ProblemInvalidField, "reporter.org_code"},
		{"attachment name too long", caseBody(func(m map[string]any) {
			m["attachments"] = []any{map[string]any{"url": "u", "name": strings.Repeat("n", 201)}}
		}), nil, 422, ProblemInvalidField, "attachments[0].name"},
		{"unknown field", caseBody(func(m map[string]any) { m["priority"] = "high" }), nil, 400, ProblemUnknownField, "priority"},
		{"unknown nested field", caseBody(func(m map[string]any) { m["reporter"] = map[string]any{"phone": fullPhone, "idcard": "4201"} }), nil, 400, ProblemUnknownField, "reporter.idcard"},
		{"unknown field in array element", caseBody(func(m map[string]any) { m["attachments"] = []any{map[string]any{"url": "a", "size": 3}} }), nil, 400, ProblemUnknownField, "attachments[0].size"},
		{"field in the wrong case", strings.Replace(valid, `"title"`, `"Title"`, 1), nil, 400, ProblemUnknownField, "Title"},
		{"duplicate field", `{"title":"a",` + valid[1:], nil, 400, ProblemDuplicateField, "title"},
		{"wrong content type", valid, []string{"Content-Type", "text/plain"}, 415, ProblemUnsupportedMediaType, "Content-Type"},
		{"no content type", valid, []string{"Content-Type", ""}, 415, ProblemUnsupportedMediaType, "Content-Type"},
		{"wrong charset", valid, []string{"Content-Type", "application/json; charset=gbk"}, 415, ProblemUnsupportedMediaType, "Content-Type"},
		{"idempotency key too long", valid, []string{"Idempotency-Key", strings.Repeat("k", 201)}, 400, ProblemInvalidParameter, "Idempotency-Key"},
		{"idempotency key with spaces", valid, []string{"Idempotency-Key", "a b"}, 400, ProblemInvalidParameter, "Idempotency-Key"},
	}
	forEachStore(t, func(t *testing.T, st store.Store) {
		h := newHarness(t, st)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				p := wantProblem(t, h.do("POST", "/api/v1/cases", tt.body, tt.headers...), tt.status, tt.typ, tt.field)
				if tt.typ == ProblemMalformedJSON && strings.Contains(tt.name, "JSON") && tt.name != "truncated JSON" && p.Offset == nil {
					t.Errorf("problem %+v has no byte offset", p)
				}
				if n := len(h.all()); n != 0 {
					t.Fatalf("%d cases stored after a refused create", n)
				}
			})
		}
		// The body limit holds without Content-Length too (chunked upload).
		req := strings.NewReader(huge)
		rec := h.doReader("POST", "/api/v1/cases", req)
		wantProblem(t, rec, http.StatusRequestEntityTooLarge, ProblemBodyTooLarge, "")
		if n := len(h.all()); n != 0 {
			t.Fatalf("%d cases stored after a refused create", n)
		}
	})
}

func TestMalformedJSONNamesOffset(t *testing.T) {
	h := newHarness(t, newFakeStore())
	p := wantProblem(t, h.do("POST", "/api/v1/cases", `{"title": "a",, }`), 400, ProblemMalformedJSON, "")
	if p.Offset == nil || *p.Offset != 15 || !strings.Contains(p.Detail, "offset 15") {
		t.Fatalf("problem = %+v, want offset 15 in field and detail", p)
	}
}
