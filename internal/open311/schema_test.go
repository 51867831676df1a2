package open311

import (
	"bytes"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

var (
	schemaOnce sync.Once
	schemas    map[string]*jsonschema.Schema
	schemaErr  error
)

// schema returns the compiled Open311 schema of testdata/name (draft-04,
// formats asserted, relative $refs resolved among the copied files).
func schema(t *testing.T, name string) *jsonschema.Schema {
	t.Helper()
	schemaOnce.Do(func() {
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft4)
		c.AssertFormat()
		names := []string{"services.json", "service.json", "service-definition.json", "requests.json", "request.json"}
		for _, n := range names {
			b, err := os.ReadFile(filepath.Join("testdata", n))
			if err != nil {
				schemaErr = err
				return
			}
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
			if err != nil {
				schemaErr = err
				return
			}
			if err := c.AddResource("file:///open311/"+n, doc); err != nil {
				schemaErr = err
				return
			}
		}
		schemas = map[string]*jsonschema.Schema{}
		for _, n := range names {
			if schemas[n], schemaErr = c.Compile("file:///open311/" + n); schemaErr != nil {
				return
			}
		}
	})
	if schemaErr != nil {
		t.Fatal(schemaErr)
	}
	return schemas[name]
}

// validate checks a JSON response body against a schema.
func validate(t *testing.T, name string, body []byte) {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("%s: body is not JSON: %v\n%s", name, err, body)
	}
	if err := schema(t, name).Validate(doc); err != nil {
		t.Fatalf("response does not match %s: %v\n%.2000s", name, err, body)
	}
}

// TestSchemasReject makes sure the validator is not vacuous: documents
// that break the schemas fail.
func TestSchemasReject(t *testing.T) {
	bad := []struct{ schema, doc string }{
		{"requests.json", `[{"service_request_id":"1","status":"pending","service_code":"x","requested_datetime":"2026-03-02T09:30:00+08:00"}]`},
		{"requests.json", `[{"service_request_id":"1","status":"open","service_code":"x","requested_datetime":"yesterday"}]`},
		{"requests.json", `[{"status":"open","service_code":"x","requested_datetime":"2026-03-02T09:30:00+08:00"}]`},
		{"requests.json", `[{"service_request_id":"1","status":"open","service_code":"x","requested_datetime":"2026-03-02T09:30:00+08:00","lat":"30.5"}]`},
		{"services.json", `[{"service_code":"1","service_name":"a","metadata":"yes","type":"realtime"}]`},
		{"services.json", `[{"service_code":"1","service_name":"a","metadata":false,"type":"sometimes"}]`},
		{"service-definition.json", `{"service_code":"1","attributes":[{"variable":true,"code":"a","datatype":"bool","required":false}]}`},
		{"service-definition.json", `{"service_code":"1","attributes":[{"variable":true,"code":"a","datatype":"string","required":false,"order":1.5}]}`},
	}
	for _, b := range bad {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(b.doc)))
		if err != nil {
			t.Fatal(err)
		}
		if err := schema(t, b.schema).Validate(doc); err == nil {
			t.Errorf("%s accepted %s", b.schema, b.doc)
		}
	}
}

func TestResponsesMatchSchemas(t *testing.T) {
	f := newFixture(t, Config{})
	// One request per kind: full, address only, with attributes of every
	// datatype; then one resolved.
	forms := []func() map[string][]string{
		func() map[string][]string { return validForm(t) },
		func() map[string][]string {
			return map[string][]string{"api_key": {testKey}, "service_code": {codeOf(t, pathPlain)}, "address_string": {"江汉路 1 号"}}
		},
		func() map[string][]string {
			lat, lon := pointIn(t, 5)
			return map[string][]string{"api_key": {testKey}, "service_code": {codeOf(t, pathWater)}, "lat": {ftoa(lat)}, "long": {ftoa(lon)},
				"attribute[issue][]": {"outage", "leak"}, "attribute[since]": {"2026-03-01T20:00:00+08:00"}}
		},
	}
	var ids []string
	for _, form := range forms {
		rec := f.post(t, "requests.json", form())
		if rec.Code != 200 {
			t.Fatalf("create: %d %s", rec.Code, rec.Body)
		}
		var out []struct {
			ID string `json:"service_request_id"`
		}
		decodeJSON(t, rec, &out)
		ids = append(ids, out[0].ID)
	}
	resolveCase(t, f, ids[0])

	for _, path := range []string{"services.json", "requests.json", "requests.json?status=closed", "requests/" + ids[0] + ".json",
		"requests.json?service_request_id=" + ids[1] + "," + ids[2]} {
		rec := f.get(t, path)
		if rec.Code != 200 {
			t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
		}
		name := "requests.json"
		if path == "services.json" {
			name = "services.json"
		}
		validate(t, name, rec.Body.Bytes())
	}
	for _, svc := range f.srv.Catalog().Services() {
		if !svc.Metadata && svc.Code != codeOf(t, pathPlain) {
			continue
		}
		rec := f.get(t, "services/"+svc.Code+".json")
		if rec.Code != 200 {
			t.Fatalf("GET services/%s.json: %d %s", svc.Code, rec.Code, rec.Body)
		}
		validate(t, "service-definition.json", rec.Body.Bytes())
	}
	rec := f.get(t, "requests.json")
	var list []map[string]any
	decodeJSON(t, rec, &list)
	if len(list) != 3 {
		t.Fatalf("requests.json lists %d requests, want 3", len(list))
	}
}
