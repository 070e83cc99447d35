package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	gojson "github.com/goccy/go-json"

	"github.com/segue/segue"
)

// writeJSON writes v as the JSON body of a response with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	// goccy/go-json writes what encoding/json writes (sorted map keys,
	// the same escaping), in about a third of the time: a window's answer
	// is the biggest part of a read's CPU after HTTP itself.
	enc := gojson.NewEncoder(w)
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
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		return decodeError(err, limit)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
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
	// encoding/json matches keys ignoring case; JSON keys are
	// case-sensitive, so a key in another case is an unknown field.
	return checkKeys(body, reflect.TypeOf(v), "")
}

var rawMessage = reflect.TypeOf(json.RawMessage(nil))

// checkKeys reports the first object key in data that is not exactly the
// json name of a field of the type t decodes it into.
func checkKeys(data []byte, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == rawMessage {
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		var obj map[string]json.RawMessage
		if json.Unmarshal(data, &obj) != nil {
			return nil // not an object: the decoder has judged it
		}
		fields := map[string]reflect.Type{}
		for i := 0; i < t.NumField(); i++ {
			if name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
				fields[name] = t.Field(i).Type
			}
		}
		for k, v := range obj {
			name := k
			if path != "" {
				name = path + "." + k
			}
			ft, ok := fields[k]
			if !ok {
				return segue.Errorf(segue.EBadRequest, "unknown field %q", name)
			}
			if err := checkKeys(v, ft, name); err != nil {
				return err
			}
		}
	case reflect.Slice:
		var items []json.RawMessage
		if json.Unmarshal(data, &items) != nil {
			return nil
		}
		for i, v := range items {
			if err := checkKeys(v, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
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
