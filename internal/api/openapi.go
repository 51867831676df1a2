package api

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

// openAPISource is the hand-written OpenAPI 3.1 document of this API. The
// tests check that its paths are exactly the served routes and that its
// schemas name exactly the JSON fields of the Go types.
//
//go:embed openapi.json
var openAPISource []byte

// openAPIDocument returns the document with info.version set to version.
func openAPIDocument(version string) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(openAPISource, &doc); err != nil {
		return nil, fmt.Errorf("parsing embedded openapi.json: %w", err)
	}
	if version != "" {
		info, ok := doc["info"].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("embedded openapi.json has no info object")
		}
		info["version"] = version
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding openapi.json: %w", err)
	}
	return append(out, '\n'), nil
}
