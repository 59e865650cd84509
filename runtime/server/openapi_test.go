package server_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// apiDoc is the OpenAPI document as the server serves it, loaded and
// checked once, with a router over its paths.
var apiDoc struct {
	once   sync.Once
	doc    *openapi3.T
	router routers.Router
	err    error
}

func loadAPIDoc(t testing.TB, h http.Handler) (*openapi3.T, routers.Router) {
	t.Helper()
	apiDoc.once.Do(func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/v1/openapi.json", nil))
		if rec.Code != 200 {
			apiDoc.err = errors.New("GET /v1/openapi.json: " + rec.Body.String())
			return
		}
		loader := openapi3.NewLoader()
		apiDoc.doc, apiDoc.err = loader.LoadFromData(rec.Body.Bytes())
		if apiDoc.err != nil {
			return
		}
		if apiDoc.err = apiDoc.doc.Validate(loader.Context, openapi3.IsOpenAPI31OrLater()); apiDoc.err != nil {
			return
		}
		apiDoc.router, apiDoc.err = legacy.NewRouter(apiDoc.doc)
	})
	require.NoError(t, apiDoc.err)
	return apiDoc.doc, apiDoc.router
}

// checkResponse validates a response against the OpenAPI document: its
// status is one the operation lists (or the default, the error shape) and
// its body the schema of that status. A path the document does not know is
// checked to be a 404 or 405 error of the API.
func checkResponse(t testing.TB, h http.Handler, req *http.Request, status int, header http.Header, body []byte) {
	t.Helper()
	if req.Method == "HEAD" {
		return // no body to check
	}
	_, router := loadAPIDoc(t, h)
	if req.URL.RawPath != "" {
		// An escaped slash (a tracking link's offer spa%2Fweekend) is
		// in one segment: route the path as escaped, as the server does.
		req = req.Clone(req.Context())
		req.URL.Path = req.URL.RawPath
	}
	if _, _, err := router.FindRoute(req); err != nil {
		assert.Contains(t, []int{404, 405}, status, "%s %s: not in the OpenAPI document", req.Method, req.URL.Path)
		return
	}
	assert.NoError(t, validateResponse(t, h, req, status, header, body), "%s %s %d: %s", req.Method, req.URL, status, body)
}

func validateResponse(t testing.TB, h http.Handler, req *http.Request, status int, header http.Header, body []byte) error {
	_, router := loadAPIDoc(t, h)
	route, params, err := router.FindRoute(req)
	if err != nil {
		return err
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
		Status: status,
		Header: header,
		Body:   io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.EnableJSONSchema2020()}},
	}
	return openapi3filter.ValidateResponse(context.Background(), in)
}

// TestOpenAPIRefuses: the validation of responses is not vacuous: bodies
// that break the document are caught.
func TestOpenAPIRefuses(t *testing.T) {
	h := newHarness(t)
	hdr := http.Header{"Content-Type": []string{"application/json"}}
	tests := []struct {
		method, path string
		status       int
		body         string
	}{
		{"GET", "/v1/outcomes", 200, `{"outcomes": []}`},
		{"GET", "/v1/outcomes", 200, `{"outcomes": [], "next": 0, "more": true}`},
		{"GET", "/v1/outcomes", 200, `{"outcomes": [{"seq": 1}], "next": 1}`},
		{"GET", "/v1/campaigns/x", 200, `{"campaign": "x", "status": "paused", "budgets": []}`},
		{"GET", "/v1/campaigns/x", 200, `{"campaign": "x", "status": "active", "budgets": [{"currency": "EUR", "limit": 5, "posted": "0", "reserved": "0", "left": "5"}]}`},
		{"GET", "/v1/outcomes", 400, `{"code": "bad", "message": "x"}`},
		{"GET", "/v1/outcomes", 400, `{"message": "x"}`},
		{"POST", "/v1/eval", 200, `{"reward": "x", "outcome": "calculated"}`},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, nil)
			assert.Error(t, validateResponse(t, h.h, req, tt.status, hdr, []byte(tt.body)))
		})
	}
}

// TestOpenAPIRoutes: the document has every route of the server, and
// nothing else.
func TestOpenAPIRoutes(t *testing.T) {
	h := newHarness(t)
	doc, _ := loadAPIDoc(t, h.h)
	var inDoc, routes []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			inDoc = append(inDoc, method+" "+path)
		}
	}
	for _, rt := range h.srv.Routes() {
		routes = append(routes, rt.Method+" "+rt.Path)
		op := doc.Paths.Find(rt.Path).GetOperation(rt.Method)
		require.NotNil(t, op, rt.Path)
		public := op.Security != nil && len(*op.Security) == 0
		assert.Equal(t, rt.Roles == nil, public, "%s %s: needs a key in the document as in the server", rt.Method, rt.Path)
		var idem string
		for _, p := range op.Parameters {
			if p.Value.In == "header" && p.Value.Name == "Idempotency-Key" {
				idem = map[bool]string{true: "required", false: "optional"}[p.Value.Required]
			}
		}
		assert.Equal(t, rt.Idempotency(), idem, "%s %s: the Idempotency-Key", rt.Method, rt.Path)
	}
	sort.Strings(inDoc)
	sort.Strings(routes)
	assert.Equal(t, routes, inDoc)
}

// TestOpenAPIErrorCodes: the document's error codes are the package's.
func TestOpenAPIErrorCodes(t *testing.T) {
	h := newHarness(t)
	doc, _ := loadAPIDoc(t, h.h)
	var codes []string
	for _, c := range doc.Components.Schemas["Error"].Value.Properties["code"].Value.Enum {
		codes = append(codes, c.(string))
	}
	src, err := readFile("errors.go")
	require.NoError(t, err)
	var inGo []string
	for _, line := range strings.Split(src, "\n") {
		if f := strings.Fields(line); len(f) >= 3 && strings.HasPrefix(f[0], "Code") && f[1] == "=" {
			inGo = append(inGo, strings.Trim(f[2], `"`))
		}
	}
	require.NotEmpty(t, inGo)
	assert.ElementsMatch(t, inGo, codes)
}
