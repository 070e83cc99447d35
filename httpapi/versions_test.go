package httpapi_test

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// Responses carry the session version as an ETag; If-Match makes a change
// conditional on it.
func TestVersions_IfMatch(t *testing.T) {
	e := newEnv(t)
	res := e.do(req{Method: "POST", Path: "/v1/playback/sessions", Body: map[string]any{"playParams": map[string]any{"id": "B0CA000001"}}})
	id := entities(res.JSON["data"].(map[string]any))[0]["sessionId"].(string)
	if got := res.Header.Get("ETag"); got != `"1"` {
		t.Fatalf("created session ETag %q, want \"1\"", got)
	}
	loop := func(etag string) resp {
		return e.do(req{Method: "PUT", Path: sessionPath(id, "/loop"), Body: map[string]any{"loopMode": "LOOP_ALL"}, Header: map[string]string{"If-Match": etag}})
	}
	if got := loop(`"1"`); got.Status != 200 || got.Header.Get("ETag") != `"2"` {
		t.Fatalf("If-Match current: %d ETag %q", got.Status, got.Header.Get("ETag"))
	}
	before := e.snapshot(id)
	stale := e.fail(req{Method: "GET", Path: sessionPath(id, "/next"), Header: map[string]string{"If-Match": `"1"`}}, http.StatusPreconditionFailed, "PRECONDITION_FAILED")
	if stale.Header.Get("ETag") != `"2"` || stale.JSON["error"].(map[string]any)["payload"].(map[string]any)["version"] != 2.0 {
		t.Fatalf("412 names %q / %v, want version 2", stale.Header.Get("ETag"), stale.JSON["error"])
	}
	if e.snapshot(id) != before {
		t.Fatal("a stale If-Match changed the session")
	}
	e.fail(req{Method: "PUT", Path: sessionPath(id, "/loop"), Body: map[string]any{"loopMode": "LOOP_ALL"}, Header: map[string]string{"If-Match": "soon"}}, http.StatusBadRequest, "BAD_REQUEST")
	if got := e.do(req{Method: "GET", Path: sessionPath(id, "/current")}); got.Header.Get("ETag") != `"2"` {
		t.Fatalf("current ETag %q, want \"2\"", got.Header.Get("ETag"))
	}
}

// A request retried with the same Idempotency-Key is answered again, not
// applied again.
func TestVersions_IdempotencyKey(t *testing.T) {
	e := newEnv(t)
	key := func(k string) map[string]string { return map[string]string{"Idempotency-Key": k} }
	create := req{Method: "POST", Path: "/v1/playback/sessions", Body: map[string]any{"playParams": map[string]any{"id": "B0CA000001"}}, Header: key("create-1")}
	first, again := e.ok(create), e.ok(create)
	if !reflect.DeepEqual(ids(first), ids(again)) {
		t.Fatalf("replayed create answered %v, first %v", ids(again), ids(first))
	}
	if n := len(entities(e.ok(req{Method: "GET", Path: "/v1/playback/sessions/active"}))); n != 1 {
		t.Fatalf("%d sessions after a retried create, want 1", n)
	}
	id := entities(first)[0]["sessionId"].(string)

	next := req{Method: "GET", Path: sessionPath(id, "/next"), Header: key("next-1")}
	a, b := e.ok(next), e.ok(next)
	if !reflect.DeepEqual(ids(a), ids(b)) || trackIDs(a)[0] != album1[1] {
		t.Fatalf("retried next answered %v then %v", ids(a), ids(b))
	}
	if cur := trackIDs(e.ok(req{Method: "GET", Path: sessionPath(id, "/current")}))[0]; cur != album1[1] {
		t.Fatalf("after a retried next the current track is %s, want %s (one step)", cur, album1[1])
	}
	if got := trackIDs(e.ok(req{Method: "GET", Path: sessionPath(id, "/next"), Header: key("next-2")}))[0]; got != album1[2] {
		t.Fatalf("a new key advances: %s, want %s", got, album1[2])
	}
	e.fail(req{Method: "GET", Path: sessionPath(id, "/previous"), Header: key("next-1")}, http.StatusConflict, "CONFLICT")
	ins := req{Method: "POST", Path: sessionPath(id, "/queue/last"), Body: map[string]any{"playParams": map[string]any{"id": "B0CT000002"}}, Header: key("ins")}
	e.ok(ins)
	e.ok(ins)
	q := trackIDs(e.ok(req{Method: "GET", Path: sessionPath(id, "/queue")}))
	if len(q) != 11 {
		t.Fatalf("queue of %d entries after a retried queue-last, want 11", len(q))
	}

	metric := entities(e.ok(req{Method: "GET", Path: sessionPath(id, "/current")}))[0]["metricId"]
	ev := req{Method: "POST", Path: "/v1/playback/event", Body: map[string]any{"metricId": metric, "event": map[string]any{"type": "start", "clientTimestampInMilliseconds": 7}}, Header: key("ev")}
	if r1, r2 := e.ok(ev), e.ok(ev); r1["duplicate"] != false || r2["duplicate"] != false {
		t.Fatalf("replayed event answered %v then %v, want the first answer twice", r1, r2)
	}
	batch := req{Method: "POST", Path: "/v1/playback/events", Header: key("batch"), Body: map[string]any{"events": []any{
		map[string]any{"metricId": metric, "event": map[string]any{"type": "pause", "clientTimestampInMilliseconds": 8}},
		map[string]any{"metricId": metric, "event": map[string]any{"type": "resume", "clientTimestampInMilliseconds": 9}},
	}}}
	for _, r := range e.ok(batch)["results"].([]any) {
		if r := r.(map[string]any); r["accepted"] != true || r["duplicate"] != false {
			t.Fatalf("batch with a key: %v", r)
		}
	}
	if n, err := e.db.CountEvents(t.Context(), userID(t, e, "alice"), metric.(string)); err != nil || n != 3 {
		t.Fatalf("%d events stored (%v), want 3", n, err)
	}
	// Keys belong to their user.
	if got := e.ok(req{Method: "POST", Path: "/v1/playback/sessions", Body: map[string]any{"playParams": map[string]any{"id": "B0CA000003"}}, Header: key("create-1"), Token: &e.bob}); ids(got)[0] == ids(first)[0] {
		t.Fatal("bob got alice's replayed answer")
	}
	e.fail(req{Method: "GET", Path: sessionPath(id, "/next"), Header: key(strings.Repeat("k", 300))}, http.StatusBadRequest, "BAD_REQUEST")
}

// ids returns the entityReferenceId/metricId pairs of a data object.
func ids(data map[string]any) []string {
	var out []string
	for _, en := range entities(data) {
		out = append(out, en["sessionId"].(string)+"/"+en["entityReferenceId"].(string)+"/"+en["metricId"].(string))
	}
	return out
}
