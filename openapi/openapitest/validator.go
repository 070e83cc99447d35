// Package openapitest checks HTTP responses against Segue's OpenAPI
// document (package openapi). It is meant to be imported by tests only:
//
//	v := openapitest.Load(t)
//	rec := httptest.NewRecorder()
//	handler.ServeHTTP(rec, req)
//	v.Check(t, req, rec.Code, rec.Header(), rec.Body.Bytes())
package openapitest

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"go.yaml.in/yaml/v4"

	"github.com/segue/segue/openapi"
)

// Validator validates responses against the embedded OpenAPI document.
// It is safe for concurrent use.
type Validator struct {
	doc    *openapi3.T
	router routers.Router
}

// Load parses and validates the embedded OpenAPI document and builds a
// router over it. It fails tb (Fatal) when the document is invalid.
func Load(tb testing.TB) *Validator {
	tb.Helper()
	v, err := load()
	if err != nil {
		tb.Fatalf("openapitest: %v", err)
		return nil
	}
	return v
}

func load() (*Validator, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(openapi.YAML())
	if err != nil {
		return nil, fmt.Errorf("loading openapi.yaml: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("openapi.yaml is not a valid OpenAPI document: %w", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("building a router over openapi.yaml: %w", err)
	}
	return &Validator{doc: doc, router: router}, nil
}

// Operations returns every operation of the document as "METHOD /path",
// with path parameters in {name} form, sorted.
func (v *Validator) Operations() []string {
	var ops []string
	for path, item := range v.doc.Paths.Map() {
		for method := range item.Operations() {
			ops = append(ops, strings.ToUpper(method)+" "+path)
		}
	}
	slices.Sort(ops)
	return ops
}

// Check fails tb (Error, not Fatal) unless the response described by
// status, header and body is one the document allows for req: the route and
// method must be in the document, the status must be declared for the
// operation, the declared headers (X-Request-Id on every response) must be
// present and the body must match the schema of its Content-Type.
//
// Request validation is not done: req is only used to find the operation,
// and its body is not read. JSON bodies are validated against their schema;
// YAML bodies must parse as YAML; binary (audio/*, video/*,
// application/octet-stream) bodies are not inspected, but their Content-Type
// must be one the operation declares. A HEAD request is checked as the GET
// operation of its path, without a body.
func (v *Validator) Check(tb testing.TB, req *http.Request, status int, header http.Header, body []byte) {
	tb.Helper()
	if err := v.check(req, status, header, body); err != nil {
		tb.Errorf("openapitest: %s %s answered %d, which does not conform to openapi.yaml:\n%v\nbody: %s",
			req.Method, requestPath(req), status, err, excerpt(header, body))
	}
}

func (v *Validator) check(req *http.Request, status int, header http.Header, body []byte) error {
	req = routable(req)
	head := req.Method == http.MethodHead
	if head {
		// HEAD is answered as GET without a body: validate it as the GET
		// operation, minus the body.
		req = req.Clone(context.Background())
		req.Method = http.MethodGet
	}
	route, pathParams, err := v.router.FindRoute(req)
	if err != nil {
		return fmt.Errorf("no operation in the document: %w", err)
	}
	if header == nil {
		header = http.Header{}
	}
	opts := &openapi3filter.Options{
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
		IncludeResponseStatus: true,
		MultiError:            true,
	}
	// Keep messages short: the reason (which names the JSON pointer) without
	// the schema and value dumps.
	opts.WithCustomSchemaErrorFunc(func(err *openapi3.SchemaError) string { return err.Reason })

	// Bodies that are not JSON: check the media type is declared, then
	// validate everything but the body.
	if head {
		opts.ExcludeResponseBody = true
	}
	ct := header.Get("Content-Type")
	if kind := bodyKind(ct); kind != kindJSON && len(body) > 0 {
		if ref := route.Operation.Responses.Status(status); ref != nil && ref.Value != nil && len(ref.Value.Content) > 0 {
			if ref.Value.Content.Get(ct) == nil {
				return fmt.Errorf("response Content-Type %q is not declared for status %d (declared: %s)",
					ct, status, strings.Join(slices.Sorted(maps.Keys(ref.Value.Content)), ", "))
			}
		}
		if kind == kindYAML {
			var node yaml.Node
			if err := yaml.Unmarshal(body, &node); err != nil {
				return fmt.Errorf("response body is not YAML: %w", err)
			}
		}
		opts.ExcludeResponseBody = true
	}

	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    req,
			PathParams: pathParams,
			Route:      route,
			Options:    opts,
		},
		Status:  status,
		Header:  header,
		Options: opts,
	}
	input.SetBodyBytes(body)
	return openapi3filter.ValidateResponse(context.Background(), input)
}

type kind int

const (
	kindJSON kind = iota
	kindYAML
	kindOther
)

// bodyKind tells how a body of media type ct is validated. An empty or
// JSON media type is validated as JSON (so that a JSON body sent without
// Content-Type fails with a clear error).
func bodyKind(ct string) kind {
	if ct == "" {
		return kindJSON
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return kindJSON
	}
	switch {
	case mt == "application/json", strings.HasSuffix(mt, "+json"):
		return kindJSON
	case mt == "application/yaml", mt == "application/x-yaml", mt == "text/yaml", strings.HasSuffix(mt, "+yaml"):
		return kindYAML
	default:
		return kindOther
	}
}

// routable returns req in a form the router matches: the router matches on
// the URL's path (and the server's host, which is unset here), so a request
// built for a server handler (RequestURI set, URL without host) works as is;
// only a missing URL is replaced.
func routable(req *http.Request) *http.Request {
	if req.URL != nil {
		return req
	}
	r := req.Clone(context.Background())
	u, err := url.ParseRequestURI(req.RequestURI)
	if err != nil {
		u = &url.URL{Path: "/"}
	}
	r.URL = u
	return r
}

func requestPath(req *http.Request) string {
	if req.URL != nil {
		return req.URL.RequestURI()
	}
	return req.RequestURI
}

// excerpt returns the first 500 bytes of a text body, or a summary of a
// binary one.
func excerpt(header http.Header, body []byte) string {
	const limit = 500
	if len(body) == 0 {
		return "(empty)"
	}
	if ct := header.Get("Content-Type"); bodyKind(ct) == kindOther && !strings.HasPrefix(ct, "text/") {
		return fmt.Sprintf("(%d bytes of %s)", len(body), ct)
	}
	if len(body) > limit {
		return string(bytes.ToValidUTF8(body[:limit], []byte("?"))) + "…"
	}
	return string(body)
}
