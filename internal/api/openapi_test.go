package api

import (
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"yiwang/internal/cases"
	"yiwang/internal/category"
	"yiwang/internal/enterprise"
	"yiwang/internal/nlp/review"
	"yiwang/internal/workflow"
)

type openAPIDoc struct {
	Paths      map[string]map[string]json.RawMessage `json:"paths"`
	Components struct {
		Schemas map[string]struct {
			Properties map[string]json.RawMessage `json:"properties"`
			Enum       []string                   `json:"enum"`
		} `json:"schemas"`
	} `json:"components"`
}

func loadOpenAPI(t *testing.T) openAPIDoc {
	t.Helper()
	var doc openAPIDoc
	if err := json.Unmarshal(openAPISource, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return doc
}

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// TestRoutesMatchOpenAPI checks that the route table, the mux and the
// OpenAPI document agree: every served route is documented, every
// documented operation is served by the pattern the table registered.
func TestRoutesMatchOpenAPI(t *testing.T) {
	doc := loadOpenAPI(t)
	h := newHarness(t, newFakeStore())
	served := map[string]bool{}
	for _, rt := range h.srv.routes() {
		served[strings.ToLower(rt.method)+" "+rt.path] = true
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			documented[method+" "+path] = true
		}
	}
	for k := range served {
		if !documented[k] {
			t.Errorf("route %s is served but not in openapi.json", k)
		}
	}
	for k := range documented {
		if !served[k] {
			t.Errorf("openapi.json documents %s, which the route table does not serve", k)
		}
	}
	// Ask the mux itself which pattern each documented operation reaches.
	for k := range documented {
		method, path, _ := strings.Cut(k, " ")
		concrete := pathParam.ReplaceAllString(path, "WH-1")
		req := httptest.NewRequest(strings.ToUpper(method), concrete, nil)
		_, pattern := h.srv.mux.Handler(req)
		if want := strings.ToUpper(method) + " " + path; pattern != want {
			t.Errorf("%s %s reaches mux pattern %q, want %q", strings.ToUpper(method), concrete, pattern, want)
		}
	}
}

// TestOpenAPISchemasMatchGoTypes checks that each schema's properties are
// exactly the JSON fields of the Go type it describes, and the enums are
// exactly the domain's values, so the hand-written document cannot drift.
func TestOpenAPISchemasMatchGoTypes(t *testing.T) {
	doc := loadOpenAPI(t)
	types := map[string]any{
		"Case": caseView{}, "Location": cases.Location{}, "Reporter": cases.Reporter{},
		"Attachment": cases.Attachment{}, "Deadlines": cases.Deadlines{}, "NewCase": cases.NewCase{},
		"CreateCaseRequest": createRequest{}, "Payload": cases.Payload{}, "TransitionRequest": transitionRequest{},
		"Event": cases.Event{}, "CaseList": listResponse{}, "TransitionResult": transitionResponse{},
		"History": historyResponse{}, "AllowedActions": actionsResponse{}, "Category": category.Category{},
		"CategoryList": categoriesResponse{}, "Health": healthResponse{}, "Problem": Problem{},
		"Clock": clockView{}, "RuleProblem": workflow.RuleProblem{}, "DispatchDecision": workflow.Decided{},
		"NearMiss": workflow.NearMiss{}, "DispatchExplanation": workflow.Explanation{}, "Rule": ruleView{},
		"RuleList": rulesResponse{}, "Unit": unitView{}, "UnitList": unitsResponse{},
		"ReturnStat": workflow.ReturnStat{}, "ReturnStats": returnsResponse{},
		"HotlineCaseRequest": hotlineRequest{}, "HotlineContext": hotlineContext{}, "NearbyCase": nearbyCase{},
		"CallRequest": callRequest{}, "GridReport": gridReport{}, "GridReportResult": gridReportResponse{},
		"EnterpriseRequest": enterpriseRequest{}, "EnterpriseCases": enterpriseCases{}, "PublicCase": publicCase{},
		"PublicEvent": publicEvent{}, "RatingRequest": ratingRequest{}, "RatingResult": ratingResponse{},
		"SuggestRequest": suggestRequest{}, "SuggestResponse": suggestResponse{}, "SuggestedCategory": suggestedCategory{}, "SuggestedUnit": workflow.UnitSuggestion{},
		"Suggestion": workflow.Suggestion{}, "DuplicateCase": duplicateCase{}, "Correction": workflow.Correction{},
		"SuggestionRecord": workflow.SuggestionRecord{}, "CorrectionList": correctionsResponse{},
		"ReviewRequest": reviewRequest{}, "Review": review.Review{},
		"HotspotList": hotspotsResponse{}, "Hotspot": hotspotView{}, "HotspotMember": hotspotMember{},
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
	enums := map[string][]string{
		"State":       strs(cases.States),
		"Channel":     strs(cases.Channels),
		"Severity":    strs(cases.Severities),
		"Action":      strs(cases.Actions()),
		"RequestType": strs(enterprise.RequestTypes),
	}
	for name, want := range enums {
		got := slices.Clone(doc.Components.Schemas[name].Enum)
		sort.Strings(got)
		sort.Strings(want)
		if !slices.Equal(got, want) {
			t.Errorf("enum %s = %v, domain has %v", name, got, want)
		}
	}
}

// TestOpenAPIRefsResolve checks every $ref points at a defined component.
func TestOpenAPIRefsResolve(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(openAPISource, &doc); err != nil {
		t.Fatal(err)
	}
	comps := doc["components"].(map[string]any)
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				parts := strings.Split(strings.TrimPrefix(ref, "#/components/"), "/")
				kind, _ := comps[parts[0]].(map[string]any)
				if len(parts) != 2 || kind == nil || kind[parts[1]] == nil {
					t.Errorf("$ref %s does not resolve", ref)
				}
			}
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(doc)
}

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}
