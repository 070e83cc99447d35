package httpapi

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/segue/segue"
)

// writeJSON writes v as the JSON body of a response with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// writeData wraps v in the {"data": ...} envelope.
func writeData(w http.ResponseWriter, v any) {
	writeJSON(w, http.StatusOK, map[string]any{"data": v})
}

// decode reads a JSON object body of at most limit bytes into v. Unknown
// fields, wrong types, trailing data, a body that is not JSON and one too
// large are refused with an error that names the problem.
func decode(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	ct := r.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
		return segue.Errorf(segue.EUnsupportedMedia, "the body must be JSON with Content-Type: application/json")
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err, limit)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return decodeError(err, limit)
		}
		return segue.Errorf(segue.EBadRequest, "the body must hold one JSON object and nothing after it")
	}
	return nil
}

func decodeError(err error, limit int64) error {
	var tooBig *http.MaxBytesError
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &tooBig):
		return segue.Errorf(segue.ETooLarge, "the body is larger than %d bytes", limit)
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return segue.Errorf(segue.EBadRequest, "the body must be a JSON object")
		}
		return segue.Errorf(segue.EBadRequest, "%s: must be %s, not %s", field, jsonType(typeErr.Type.Kind().String()), typeErr.Value)
	case errors.As(err, &syntaxErr):
		return segue.Errorf(segue.EBadRequest, "the body is not valid JSON (at byte %d)", syntaxErr.Offset)
	case errors.Is(err, io.EOF):
		return segue.Errorf(segue.EBadRequest, "the body is empty; a JSON object is required")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return segue.Errorf(segue.EBadRequest, "the body is not valid JSON (it ends too early)")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return segue.Errorf(segue.EBadRequest, "unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
	}
	var se *segue.Error
	if errors.As(err, &se) {
		return err
	}
	return segue.Errorf(segue.EBadRequest, "the body could not be read as JSON")
}

func jsonType(kind string) string {
	switch kind {
	case "int", "int64", "int32", "uint64":
		return "an integer"
	case "float64":
		return "a number"
	case "bool":
		return "a boolean"
	case "string":
		return "a string"
	case "slice":
		return "an array"
	}
	return "an object"
}

// queryInt reads an optional integer query parameter within [lo, hi].
func queryInt(r *http.Request, name string, def, lo, hi int) (int, error) {
	v := r.URL.Query()[name]
	if len(v) == 0 {
		return def, nil
	}
	if len(v) > 1 {
		return 0, segue.Errorf(segue.EBadRequest, "%s: give it once", name)
	}
	n, err := strconv.Atoi(v[0])
	if err != nil {
		return 0, segue.Errorf(segue.EBadRequest, "%s: must be an integer, not %q", name, truncate(v[0], 20))
	}
	if n < lo || n > hi {
		return 0, segue.Errorf(segue.EBadRequest, "%s: must be between %d and %d, got %d", name, lo, hi, n)
	}
	return n, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// checkHeaderID validates an id given in a header or path.
func checkHeaderID(name, v string) error {
	if len(v) > 128 {
		return segue.Errorf(segue.EBadRequest, "%s: at most 128 characters", name)
	}
	for _, r := range v {
		if r < 0x21 || r > 0x7e {
			return segue.Errorf(segue.EBadRequest, "%s: printable ASCII without spaces only", name)
		}
	}
	return nil
}
