package api

import (
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"yiwang/internal/workflow"
)

// TestModelSchemasMatchGoTypes: the model routes' schemas have exactly
// the JSON fields of their Go types (as TestOpenAPISchemasMatchGoTypes
// does for the others), and the enums the domain's values.
func TestModelSchemasMatchGoTypes(t *testing.T) {
	doc := loadOpenAPI(t)
	types := map[string]any{
		"ModelState": modelResponse{}, "ModelInfo": workflow.ModelInfo{}, "TrainingCounts": workflow.TrainingCounts{},
		"RetrainStatus": workflow.RetrainStatus{},
	}
	for name, v := range types {
		schema, ok := doc.Components.Schemas[name]
		if !ok {
			t.Errorf("schema %s missing", name)
			continue
		}
		var want, got []string
		for k := range jsonFields(reflect.TypeOf(v)) {
			want = append(want, k)
		}
		for k := range schema.Properties {
			got = append(got, k)
		}
		sort.Strings(want)
		sort.Strings(got)
		if !slices.Equal(got, want) {
			t.Errorf("schema %s has properties %v, Go type has %v", name, got, want)
		}
	}
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
