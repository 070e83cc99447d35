package httpapi_test

import (
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// album1 is Chinook's first album, in order.
var album1 = []string{"B0CT000001", "B0CT000006", "B0CT000007", "B0CT000008", "B0CT000009",
	"B0CT000010", "B0CT000011", "B0CT000012", "B0CT000013", "B0CT000014"}

func TestSessions_Create(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		name string
		body any
		want []string
	}{
		{"Album", map[string]any{"playParams": map[string]any{"id": "B0CA000001"}, "limit": 3}, album1[:3]},
		{"AlbumMRN", map[string]any{"playParams": map[string]any{"id": "mrn:1.0:catalog:album:asin:B0CA000001"}, "limit": 2}, album1[:2]},
		{"TrackAlone", map[string]any{"playParams": map[string]any{"id": "B0CT000007"}, "limit": 5}, []string{"B0CT000007"}},
		{"TrackInAlbum", map[string]any{"playParams": map[string]any{"id": "B0CT000009", "containerIds": []string{"B0CA000001"}}, "limit": 3}, album1[4:7]},
		{"TrackInList", map[string]any{"playParams": map[string]any{"id": "B0CT000003", "containerIds": []string{"B0CT000002", "B0CT000003", "B0CT000002"}}, "limit": 5}, []string{"B0CT000003", "B0CT000002"}},
		{"ContainerOnly", map[string]any{"playParams": map[string]any{"containerIds": []string{"B0CA000003"}}, "limit": 10}, []string{"B0CT000003", "B0CT000004", "B0CT000005"}},
		{"ContainerAsString", map[string]any{"playParams": map[string]any{"containerIds": "B0CA000003"}}, []string{"B0CT000003"}},
		{"Artist", map[string]any{"playParams": map[string]any{"id": "B0CR000001"}, "limit": 2}, album1[:2]},
		{"Playlist", map[string]any{"playParams": map[string]any{"id": "B0CP000018"}}, []string{"B0CT000597"}},
		{"LoopOnWraps", map[string]any{"playParams": map[string]any{"id": "B0CA000003"}, "playbackOptions": map[string]any{"loopMode": "LOOP_ON"}, "limit": 5},
			[]string{"B0CT000003", "B0CT000004", "B0CT000005", "B0CT000003", "B0CT000004"}},
		{"LoopOneRepeats", map[string]any{"playParams": map[string]any{"id": "B0CA000003"}, "playbackOptions": map[string]any{"loopMode": "LOOP_ONE"}, "limit": 3},
			[]string{"B0CT000003", "B0CT000003", "B0CT000003"}},
		{"AutoplayAsBool", map[string]any{"playParams": map[string]any{"id": "B0CT000002"}, "playbackOptions": map[string]any{"playbackContinuationMode": true}}, []string{"B0CT000002"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, data := e.create(c.body)
			if got := trackIDs(data); !reflect.DeepEqual(got, c.want) {
				t.Fatalf("window %v, want %v", got, c.want)
			}
			seen := map[string]bool{}
			for _, en := range entities(data) {
				if seen[en["metricId"].(string)] {
					t.Errorf("metricId %v repeats in one window", en["metricId"])
				}
				seen[en["metricId"].(string)] = true
			}
		})
	}
}

func TestSessions_Walk(t *testing.T) {
	e := newEnv(t)
	id, data := e.create(map[string]any{"playParams": map[string]any{"id": "B0CT000009", "containerIds": []string{"B0CA000001"}}, "limit": 2})
	first := entities(data)[0]
	track := first["track"].(map[string]any)
	if track["title"] != "Snowballed" || track["subtitle"] != "AC/DC - For Those About To Rock We Salute You" || track["durationSeconds"] != 203.0 {
		t.Errorf("track fields: %v", track)
	}

	// next shows, as current, the entry and metric id the window foresaw.
	data = e.ok(req{Method: "GET", Path: sessionPath(id, "/next?limit=3")})
	if got := trackIDs(data); !reflect.DeepEqual(got, album1[5:8]) {
		t.Fatalf("next window %v", got)
	}
	// previous goes back to the fifth track, then the fourth.
	data = e.ok(req{Method: "GET", Path: sessionPath(id, "/previous")})
	data = e.ok(req{Method: "GET", Path: sessionPath(id, "/previous")})
	if got := trackIDs(data); !reflect.DeepEqual(got, album1[3:4]) {
		t.Fatalf("previous twice gives %v, want %v", got, album1[3:4])
	}
	current := e.ok(req{Method: "GET", Path: sessionPath(id, "/current")})
	if !reflect.DeepEqual(trackIDs(current), album1[3:4]) {
		t.Fatalf("current %v", trackIDs(current))
	}

	// queue pages walk the whole queue in play order.
	var all []string
	cursor := ""
	for pages := 0; ; pages++ {
		p := e.ok(req{Method: "GET", Path: sessionPath(id, "/queue?limit=4"+cursor)})
		all = append(all, trackIDs(p)...)
		info := p["pageInfo"].(map[string]any)
		if info["hasNextPage"] != true {
			break
		}
		cursor = "&cursor=" + info["token"].(string)
		if pages > 5 {
			t.Fatal("paging does not end")
		}
	}
	if !reflect.DeepEqual(all, album1) {
		t.Fatalf("queue %v, want %v", all, album1)
	}

	// queue-next stacks, queue-last appends.
	ins := e.ok(req{Method: "POST", Path: sessionPath(id, "/queue/next"), Body: map[string]any{"playParams": map[string]any{"id": "B0CT000002"}}})
	if refs := ins["insertedEntityReferenceIds"].([]any); len(refs) != 1 {
		t.Fatalf("inserted %v", refs)
	}
	e.ok(req{Method: "POST", Path: sessionPath(id, "/queue/next"), Body: map[string]any{"playParams": map[string]any{"id": "B0CA000003"}}})
	e.ok(req{Method: "POST", Path: sessionPath(id, "/queue/last"), Body: map[string]any{"playParams": map[string]any{"id": "B0CT000002"}}})
	data = e.ok(req{Method: "GET", Path: sessionPath(id, "/current?limit=10")})
	want := append([]string{album1[3], "B0CT000002", "B0CT000003", "B0CT000004", "B0CT000005"}, album1[4:9]...)
	if got := trackIDs(data); !reflect.DeepEqual(got, want) {
		t.Fatalf("after inserts %v, want %v", got, want)
	}
	q := e.ok(req{Method: "GET", Path: sessionPath(id, "/queue")})
	ids := trackIDs(q)
	if len(ids) != 15 || ids[14] != "B0CT000002" {
		t.Fatalf("queue after inserts %v", ids)
	}
	refs := map[string]bool{}
	for _, en := range entities(q) {
		refs[en["entityReferenceId"].(string)] = true
	}
	if len(refs) != 15 {
		t.Errorf("%d distinct entityReferenceIds for 15 entries (a track queued twice must get two)", len(refs))
	}

	// shuffle keeps the current entry and the played ones before it; off
	// resumes at the natural successor.
	data = e.ok(req{Method: "PUT", Path: sessionPath(id, "/shuffle?limit=10"), Body: map[string]any{"shuffleMode": "SHUFFLE_ON"}})
	got := trackIDs(data)
	if got[0] != album1[3] || got[1] != "B0CT000002" {
		t.Fatalf("shuffled window %v: current and the queue-next entries must stay first", got)
	}
	sq := trackIDs(e.ok(req{Method: "GET", Path: sessionPath(id, "/queue")}))
	a, b := slices.Clone(sq), slices.Clone(ids)
	sort.Strings(a)
	sort.Strings(b)
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("shuffled queue %v is not a permutation of %v", sq, ids)
	}
	e.ok(req{Method: "PUT", Path: sessionPath(id, "/shuffle"), Body: map[string]any{"shuffleMode": "SHUFFLE_OFF"}})
	data = e.ok(req{Method: "GET", Path: sessionPath(id, "/next")})
	if got := trackIDs(data); got[0] != "B0CT000002" {
		t.Fatalf("after unshuffle next is %v, want the natural successor B0CT000002", got)
	}

	// loop one repeats with a fresh metric id.
	e.ok(req{Method: "PUT", Path: sessionPath(id, "/loop"), Body: map[string]any{"loopMode": "LOOP_ONE"}})
	m1 := entities(e.ok(req{Method: "GET", Path: sessionPath(id, "/current")}))[0]["metricId"]
	n := entities(e.ok(req{Method: "GET", Path: sessionPath(id, "/next")}))[0]
	if n["track"].(map[string]any)["id"] != "B0CT000002" || n["metricId"] == m1 {
		t.Fatalf("LOOP_ONE next: %v (metric %v, before %v)", n["track"].(map[string]any)["id"], n["metricId"], m1)
	}
}

func TestSessions_EndsAndLoopAll(t *testing.T) {
	e := newEnv(t)
	id, _ := e.create(map[string]any{"playParams": map[string]any{"id": "B0CA000003"}})
	e.fail(req{Method: "GET", Path: sessionPath(id, "/previous")}, http.StatusNotFound, "NO_MORE_PREVIOUS_ENTITY")
	e.ok(req{Method: "GET", Path: sessionPath(id, "/next")})
	e.ok(req{Method: "GET", Path: sessionPath(id, "/next")})
	before := e.snapshot(id)
	e.fail(req{Method: "GET", Path: sessionPath(id, "/next")}, http.StatusNotFound, "NO_MORE_NEXT_ENTITY")
	if after := e.snapshot(id); after != before {
		t.Fatalf("a refused next changed the session:\n%s\n%s", before, after)
	}
	e.ok(req{Method: "PUT", Path: sessionPath(id, "/loop"), Body: map[string]any{"loopMode": "LOOP_ALL"}})
	if got := trackIDs(e.ok(req{Method: "GET", Path: sessionPath(id, "/next")})); got[0] != "B0CT000003" {
		t.Fatalf("LOOP_ALL next at the end gives %v, want the first entry", got)
	}
}

func TestSessions_OtherUsersAndActive(t *testing.T) {
	e := newEnv(t)
	id, _ := e.create(map[string]any{"playParams": map[string]any{"id": "B0CA000001"}})
	e.clock.Advance(time.Second)
	id2, _ := e.create(map[string]any{"playParams": map[string]any{"id": "B0CA000003"}})

	for _, path := range []string{"/current", "/next", "/previous", "/queue", "/entities/x"} {
		e.fail(req{Method: "GET", Path: sessionPath(id, path), Token: &e.bob}, http.StatusNotFound, "RESOURCE_NOT_FOUND")
	}
	e.fail(req{Method: "PUT", Path: sessionPath(id, "/loop"), Token: &e.bob, Body: map[string]any{"loopMode": "LOOP_ALL"}}, http.StatusNotFound, "RESOURCE_NOT_FOUND")
	if n := len(entities(e.ok(req{Method: "GET", Path: "/v1/playback/sessions/active", Token: &e.bob}))); n != 0 {
		t.Fatalf("bob sees %d sessions", n)
	}

	act := e.ok(req{Method: "GET", Path: "/v1/playback/sessions/active?limit=1"})
	ents := entities(act)
	if len(ents) != 1 || ents[0]["sessionId"] != id2 || ents[0]["deviceId"] != "dev-1" {
		t.Fatalf("first page %v", ents)
	}
	info := act["pageInfo"].(map[string]any)
	act = e.ok(req{Method: "GET", Path: "/v1/playback/sessions/active?limit=1&cursor=" + info["token"].(string)})
	if ents := entities(act); len(ents) != 1 || ents[0]["sessionId"] != id {
		t.Fatalf("second page %v", ents)
	}
	if act["pageInfo"].(map[string]any)["hasNextPage"] != false {
		t.Fatalf("a third page is announced")
	}
}

func TestSessions_RestoreAndExpiry(t *testing.T) {
	e := newEnv(t)
	id, data := e.create(map[string]any{"playParams": map[string]any{"id": "B0CA000001"}, "limit": 3})
	third := entities(data)[2]["entityReferenceId"].(string)
	url1 := entities(data)[0]["track"].(map[string]any)["playbackInformation"].(map[string]any)["url"]

	e.clock.Advance(29 * 24 * time.Hour)
	got := e.ok(req{Method: "GET", Path: sessionPath(id, "/entities/"+third), Device: str("phone")})
	en := entities(got)[0]
	if en["entityReferenceId"] != third || en["track"].(map[string]any)["id"] != album1[2] {
		t.Fatalf("restore resumed at %v", en)
	}
	if en["track"].(map[string]any)["playbackInformation"].(map[string]any)["url"] == url1 {
		t.Error("restore did not re-sign the media URL")
	}
	if dev := entities(e.ok(req{Method: "GET", Path: "/v1/playback/sessions/active"}))[0]["deviceId"]; dev != "phone" {
		t.Errorf("restored session is on device %v, want phone", dev)
	}
	e.fail(req{Method: "GET", Path: sessionPath(id, "/entities/nope")}, http.StatusNotFound, "RESOURCE_NOT_FOUND")

	e.clock.Advance(30*24*time.Hour + time.Minute)
	e.fail(req{Method: "GET", Path: sessionPath(id, "/entities/"+third)}, http.StatusNotFound, "RESOURCE_NOT_FOUND")
	e.fail(req{Method: "GET", Path: sessionPath(id, "/current")}, http.StatusNotFound, "RESOURCE_NOT_FOUND")
	n, err := e.api.Playback.Purge(t.Context())
	if err != nil || n != 1 {
		t.Fatalf("purge deleted %d sessions (%v), want 1", n, err)
	}
	if n, err := e.api.Playback.Purge(t.Context()); err != nil || n != 0 {
		t.Fatalf("second purge deleted %d (%v)", n, err)
	}
}

func TestSessions_Station(t *testing.T) {
	e := newEnv(t)
	id, data := e.create(map[string]any{"playParams": map[string]any{"id": "B0CT000001"}, "playbackOptions": map[string]any{"startAsStation": true, "shuffleMode": "SHUFFLE_ON"}, "limit": 10})
	if got := trackIDs(data); len(got) != 10 || got[0] != "B0CT000001" {
		t.Fatalf("station window %v", got)
	}
	acts := entities(data)[0]["actions"].(map[string]any)
	if p := acts["previous"].(map[string]any); p["isAllowed"] != false || p["disableType"] != "FEATURE_NOT_AVAILABLE" {
		t.Errorf("station previous action %v", p)
	}
	e.fail(req{Method: "GET", Path: sessionPath(id, "/previous")}, http.StatusForbidden, "FEATURE_NOT_AVAILABLE")
	e.fail(req{Method: "PUT", Path: sessionPath(id, "/shuffle"), Body: map[string]any{"shuffleMode": "SHUFFLE_ON"}}, http.StatusForbidden, "FEATURE_NOT_AVAILABLE")
	seen := map[string]bool{"B0CT000001": true}
	lastArtist := "B0CR000001"
	for i := 0; i < 60; i++ {
		en := entities(e.ok(req{Method: "GET", Path: sessionPath(id, "/next")}))[0]["track"].(map[string]any)
		tr, artist := en["id"].(string), en["artists"].([]any)[0].(map[string]any)["id"].(string)
		if seen[tr] {
			t.Fatalf("station repeated %s after %d tracks", tr, i+1)
		}
		if artist == lastArtist {
			t.Errorf("station played %s twice in a row at track %d", artist, i+1)
		}
		seen[tr], lastArtist = true, artist
	}
}

func TestSessions_Autoplay(t *testing.T) {
	e := newEnv(t)
	id, _ := e.create(map[string]any{"playParams": map[string]any{"id": "B0CA000003"}, "playbackOptions": map[string]any{"playbackContinuationMode": "AUTOPLAY_ON"}})
	e.ok(req{Method: "GET", Path: sessionPath(id, "/next")})
	e.ok(req{Method: "GET", Path: sessionPath(id, "/next")})
	got := trackIDs(e.ok(req{Method: "GET", Path: sessionPath(id, "/next")}))[0]
	if got == "B0CT000003" || got == "B0CT000004" || got == "B0CT000005" {
		t.Fatalf("autoplay continued with %s, a track of the queue", got)
	}
}

func TestEvents(t *testing.T) {
	e := newEnv(t)
	_, data := e.create(map[string]any{"playParams": map[string]any{"id": "B0CA000001"}, "limit": 2})
	metric := entities(data)[0]["metricId"].(string)
	ev := func(typ string, ts int) map[string]any {
		return map[string]any{"metricId": metric, "event": map[string]any{"type": typ, "clientTimestampInMilliseconds": ts, "entityProgressSeconds": 1.5}}
	}
	got := e.ok(req{Method: "POST", Path: "/v1/playback/event", Body: ev("start", 1000)})
	if got["accepted"] != true || got["duplicate"] != false {
		t.Fatalf("event: %v", got)
	}
	if got := e.ok(req{Method: "POST", Path: "/v1/playback/event", Body: ev("start", 1000)}); got["duplicate"] != true {
		t.Fatalf("a retried event is not reported as duplicate: %v", got)
	}
	e.fail(req{Method: "POST", Path: "/v1/playback/event", Body: ev("start", 1000), Token: &e.bob}, http.StatusNotFound, "RESOURCE_NOT_FOUND")
	e.fail(req{Method: "POST", Path: "/v1/playback/event", Body: ev("start", 2000), Device: str("")}, http.StatusBadRequest, "BAD_REQUEST")

	batch := map[string]any{"events": []any{
		ev("pause", 2000),
		map[string]any{"metricId": "unknown", "event": map[string]any{"type": "start", "clientTimestampInMilliseconds": 1}},
		map[string]any{"metricId": metric, "event": map[string]any{"type": "bogus", "clientTimestampInMilliseconds": 1}},
		map[string]any{"metricId": metric, "event": map[string]any{"type": "stop", "clientTimestampInMilliseconds": 3000, "terminationReason": "trackFinished"}},
		ev("pause", 2000),
	}}
	res := e.ok(req{Method: "POST", Path: "/v1/playback/events", Body: batch})["results"].([]any)
	want := []string{"accepted", "RESOURCE_NOT_FOUND", "BAD_REQUEST", "accepted", "duplicate"}
	for i, r := range res {
		r := r.(map[string]any)
		got := "accepted"
		if r["accepted"] != true {
			got = r["error"].(map[string]any)["code"].(string)
		} else if r["duplicate"] == true {
			got = "duplicate"
		}
		if got != want[i] || r["index"] != float64(i) {
			t.Errorf("result %d: %v, want %s", i, r, want[i])
		}
	}
	if n, err := e.db.CountEvents(t.Context(), userID(t, e, "alice"), metric); err != nil || n != 3 {
		t.Fatalf("%d events stored (%v), want 3 (start, pause, stop)", n, err)
	}
}

func userID(t *testing.T, e *env, name string) string {
	u, err := e.db.UserByName(t.Context(), name)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

func TestMedia(t *testing.T) {
	e := newEnv(t)
	_, data := e.create(map[string]any{"playParams": map[string]any{"id": "B0CT000001"}})
	u := entities(data)[0]["track"].(map[string]any)["playbackInformation"].(map[string]any)["url"].(string)
	path := u[len(e.srv.URL):]
	e.fail(req{Method: "GET", Path: path, Key: str(""), Token: str("")}, http.StatusNotFound, "RESOURCE_NOT_FOUND")
	e.fail(req{Method: "GET", Path: path + "0", Key: str(""), Token: str("")}, http.StatusForbidden, "ACCESS_DENIED")
	e.fail(req{Method: "GET", Path: "/v1/media/tracks/B0CT000002" + path[len("/v1/media/tracks/B0CT000001"):]}, http.StatusForbidden, "ACCESS_DENIED")
	e.fail(req{Method: "GET", Path: "/v1/media/tracks/B0CT000001"}, http.StatusForbidden, "ACCESS_DENIED")
	e.clock.Advance(time.Hour + time.Second)
	e.fail(req{Method: "GET", Path: path}, http.StatusForbidden, "ACCESS_DENIED")
}

func TestOps(t *testing.T) {
	e := newEnv(t)
	if got := e.do(req{Method: "GET", Path: "/healthz"}); got.Status != 200 || got.JSON["status"] != "ok" {
		t.Fatalf("healthz %d %s", got.Status, got.Body)
	}
	if got := e.do(req{Method: "GET", Path: "/readyz"}); got.Status != 200 {
		t.Fatalf("readyz %d %s", got.Status, got.Body)
	}
	if got := e.do(req{Method: "GET", Path: "/openapi.yaml"}); got.Status != 200 || len(got.Body) < 1000 {
		t.Fatalf("openapi.yaml %d, %d bytes", got.Status, len(got.Body))
	}
	e.create(map[string]any{"playParams": map[string]any{"id": "B0CT000001"}})
	e.fail(req{Method: "GET", Path: sessionPath("nope", "/current")}, http.StatusNotFound, "RESOURCE_NOT_FOUND")
	m := string(e.do(req{Method: "GET", Path: "/metrics"}).Body)
	for _, want := range []string{
		`segue_http_requests_total{code="200",method="GET",route="GET /healthz"} 1`,
		`segue_http_requests_total{code="200",method="POST",route="POST /v1/playback/sessions"} 1`,
		`segue_http_requests_total{code="404",method="GET",route="GET /v1/playback/sessions/{sessionId}/current"} 1`,
		`segue_http_request_duration_seconds_count{method="POST",route="POST /v1/playback/sessions"} 1`,
		`segue_store_transaction_duration_seconds_count{kind="write"}`,
		"segue_active_sessions 1",
		"segue_streams 0",
		"segue_stream_takeovers_total 0",
	} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	e.db.Close()
	if got := e.do(req{Method: "GET", Path: "/readyz"}); got.Status != http.StatusServiceUnavailable {
		t.Fatalf("readyz with a closed store: %d %s", got.Status, got.Body)
	}
}

func TestRoutesMatchOpenAPI(t *testing.T) {
	e := newEnv(t)
	routes := e.api.Routes()
	sort.Strings(routes)
	if ops := validator.v.Operations(); !reflect.DeepEqual(routes, ops) {
		t.Fatalf("routes.go and openapi.yaml differ:\nroutes:  %v\nopenapi: %v", routes, ops)
	}
}
