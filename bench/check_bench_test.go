package bench

import (
	"net/http"
	"os"
	"testing"
)

// BenchmarkCheckWindow measures the bench's own cost of checking a window
// answer, as the server sends one for current?limit=2 (testdata).
func BenchmarkCheckWindow(b *testing.B) {
	body, err := os.ReadFile("testdata/current.json")
	if err != nil {
		b.Fatal(err)
	}
	a := &answer{status: 200, header: http.Header{"Etag": {`"3"`}}, body: body}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := checkWindow(a, "c4605f35-6efc-4a9e-b5c4-d6842053320c"); err != nil {
			b.Fatal(err)
		}
	}
}
