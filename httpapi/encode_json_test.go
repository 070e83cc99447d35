package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"reflect"
	"testing"
)

// TestWriteJSONMatchesStdlib checks that writeJSON (goccy/go-json)
// writes byte for byte what encoding/json writes, for every answer type,
// both zero (omitempty, null slices) and with every field set (escaping,
// numbers, embedded structs, pointers, maps in key order).
func TestWriteJSONMatchesStdlib(t *testing.T) {
	values := []any{
		entityJSON{}, activeEntityJSON{}, trackJSON{}, actionsJSON{}, albumEntityJSON{}, artistEntityJSON{},
		playlistEntityJSON{}, eventResultJSON{}, pageInfoJSON{}, historyEntityJSON{}, holderJSON{},
		map[string]any{"data": []entityJSON{{}}, "pageInfo": pageInfoJSON{}},
		map[string]any{"error": map[string]any{"code": "BAD_REQUEST", "message": "a <b> & \"c\"", "payload": nil}},
	}
	n := len(values)
	for _, v := range values[:n] {
		p := reflect.New(reflect.TypeOf(v))
		fill(p.Elem(), 0)
		values = append(values, p.Elem().Interface())
	}
	for _, v := range values {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		writeJSON(rec, 200, v)
		if got := rec.Body.String(); got != want.String() {
			t.Errorf("%T:\n got %s\nwant %s", v, got, want.String())
		}
	}
}

// fill sets every field of v, recursively, to a value that is not zero.
func fill(v reflect.Value, depth int) {
	if depth > 6 {
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString("a<b>&c\"d\\e\u2028f\u00e9g\x01/")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(-1234567890123 % (1 << (v.Type().Bits() - 1)))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(123)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(1.5e-7)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(p.Elem(), depth+1)
		v.Set(p)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 2, 2)
		for i := range 2 {
			fill(s.Index(i), depth+1)
		}
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for _, k := range []string{"zeta", "alpha", "Mid"} {
			e := reflect.New(v.Type().Elem()).Elem()
			fill(e, depth+1)
			m.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), e)
		}
		v.Set(m)
	case reflect.Interface:
		if v.NumMethod() == 0 {
			v.Set(reflect.ValueOf(map[string]any{"b": 2.5, "a": []any{"x", 1e21, nil}}))
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), depth+1)
			}
		}
	}
}
