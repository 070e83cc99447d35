// Package openapi holds the OpenAPI 3.1 description of Segue's HTTP API
// (openapi.yaml), embedded in the binary so that the server can serve it at
// GET /openapi.yaml and tests can validate responses against it (see the
// openapitest package).
package openapi

import _ "embed"

//go:embed openapi.yaml
var document []byte

// YAML returns the OpenAPI document as YAML. The caller must not modify the
// returned slice.
func YAML() []byte { return document }
