package server

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"strings"

	"github.com/promoc/promoc/spec"
)

// openAPITemplate is the OpenAPI 3.1 document of the API, but for the
// result document of POST /v1/eval, which openAPI takes from
// spec/schema/result.schema.json so that there is one source of it. A test
// validates the responses of every endpoint against the document.
//
//go:embed openapi.json
var openAPITemplate []byte

// openAPI builds the document served at /v1/openapi.json: the template
// with the result schema as components.schemas.Result and its $defs as
// Result_NAME beside it.
func openAPI() ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(openAPITemplate, &doc); err != nil {
		return nil, fmt.Errorf("openapi.json: %w", err)
	}
	b, err := fs.ReadFile(spec.Schemas, "schema/result.schema.json")
	if err != nil {
		return nil, err
	}
	var result map[string]any
	if err := json.Unmarshal(b, &result); err != nil {
		return nil, fmt.Errorf("result.schema.json: %w", err)
	}
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	defs, _ := result["$defs"].(map[string]any)
	delete(result, "$defs")
	delete(result, "$schema")
	delete(result, "$id")
	for name, d := range defs {
		schemas["Result_"+name] = rewriteRefs(d)
	}
	schemas["Result"] = rewriteRefs(result)
	return json.MarshalIndent(doc, "", "  ")
}

// rewriteRefs points the result schema's references to its $defs at their
// place in the document's components.
func rewriteRefs(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && k == "$ref" && strings.HasPrefix(s, "#/$defs/") {
				v[k] = "#/components/schemas/Result_" + strings.TrimPrefix(s, "#/$defs/")
			} else {
				v[k] = rewriteRefs(x)
			}
		}
	case []any:
		for i, x := range v {
			v[i] = rewriteRefs(x)
		}
	}
	return v
}

// getOpenAPI serves the document.
func (s *Server) getOpenAPI(ctx context.Context, q *request) (int, any, error) {
	return http.StatusOK, json.RawMessage(s.openapi), nil
}
