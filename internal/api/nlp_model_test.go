package api

import (
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"yiwang/internal/workflow"
)

// TestModelEnums: the model routes' enums are the domain's values (their
// schemas' fields are checked with the others' in
// TestOpenAPISchemasMatchGoTypes).
func TestModelEnums(t *testing.T) {
	doc := loadOpenAPI(t)
	enums := []struct {
		schema, prop string
		want         []string
	}{
		{"ModelInfo", "source", []string{workflow.ModelTrained, workflow.ModelUploaded}},
		{"RetrainStatus", "state", []string{workflow.RetrainRunning, workflow.RetrainSucceeded, workflow.RetrainFailed}},
		{"RetrainStatus", "trigger", []string{workflow.TriggerRequest, workflow.TriggerSchedule, workflow.TriggerStart}},
	}
	for _, e := range enums {
		var prop struct {
			Enum []string `json:"enum"`
		}
		if err := json.Unmarshal(doc.Components.Schemas[e.schema].Properties[e.prop], &prop); err != nil {
			t.Fatal(err)
		}
		got, want := slices.Sorted(slices.Values(prop.Enum)), slices.Sorted(slices.Values(e.want))
		if !slices.Equal(got, want) {
			t.Errorf("%s.%s enum %v, the domain has %v", e.schema, e.prop, got, want)
		}
	}
}

// TestModelRoutesWithoutClassifier: a server whose workflow keeps no
// models answers the model routes 404 (the classifier is off).
func TestModelRoutesWithoutClassifier(t *testing.T) {
	h := newHarness(t, newFakeStore())
	for _, tt := range []struct{ method, path, ct string }{
		{"GET", "/api/v1/nlp/model", ""},
		{"PUT", "/api/v1/nlp/model", "application/octet-stream"},
		{"POST", "/api/v1/nlp/retrain", ""},
	} {
		req := httptest.NewRequest(tt.method, tt.path, strings.NewReader("x"))
		if tt.ct != "" {
			req.Header.Set("Content-Type", tt.ct)
		}
		rec := httptest.NewRecorder()
		h.srv.ServeHTTP(rec, req)
		if rec.Code != 404 || !strings.Contains(rec.Body.String(), "classifier is off") {
			t.Errorf("%s %s: %d %s", tt.method, tt.path, rec.Code, rec.Body)
		}
	}
}
