package httpapi_test

import (
	"net/http"
	"sync"
	"testing"
)

// Concurrent moves on one session are serialised: none is lost and no
// two of them vend the same play.
func TestSessions_ConcurrentNext(t *testing.T) {
	e := newEnv(t)
	id, _ := e.create(map[string]any{"playParams": map[string]any{"id": "B0CP000001"}})
	const n = 40
	metrics := make(chan string, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := e.do(req{Method: "GET", Path: sessionPath(id, "/next")})
			if res.Status != http.StatusOK {
				t.Errorf("next: %d %s", res.Status, res.Body)
				return
			}
			metrics <- entities(res.JSON["data"].(map[string]any))[0]["metricId"].(string)
		}()
	}
	wg.Wait()
	close(metrics)
	seen := map[string]bool{}
	for m := range metrics {
		if seen[m] {
			t.Fatalf("two concurrent nexts vended the same play %s", m)
		}
		seen[m] = true
	}
	q := e.ok(req{Method: "GET", Path: sessionPath(id, "/queue?limit=100")})
	cur := entities(e.ok(req{Method: "GET", Path: sessionPath(id, "/current")}))[0]["entityReferenceId"]
	pos := -1
	for i, en := range entities(q) {
		if en["entityReferenceId"] == cur {
			pos = i
		}
	}
	if len(seen) != n || pos != n {
		t.Fatalf("%d plays and the current entry at position %d after %d nexts, want %d and %d", len(seen), pos, n, n, n)
	}
}
