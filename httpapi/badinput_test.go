package httpapi_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// badCase is a request the server must refuse with status and code.
type badCase struct {
	name   string
	r      req
	status int
	code   string
	allow  string // the Allow header a 405 must carry
	// offDoc: the method or path is not in openapi.yaml, so the response
	// is checked here rather than by the env's validator.
	offDoc bool
}

type bodyMap = map[string]any

const (
	pathSessions = "/v1/playback/sessions"
	pathEvent    = "/v1/playback/event"
	pathEvents   = "/v1/playback/events"
)

func playBody(p bodyMap) bodyMap { return bodyMap{"playParams": p} }

// ev is a well-formed event body for metric id m, changed by edit.
func eventBody(m string, edit func(b, event bodyMap)) bodyMap {
	event := bodyMap{"type": "start", "clientTimestampInMilliseconds": 1000}
	b := bodyMap{"metricId": m, "event": event}
	if edit != nil {
		edit(b, event)
	}
	return b
}

func bad400(name string, r req) badCase {
	return badCase{name: name, r: r, status: http.StatusBadRequest, code: "BAD_REQUEST"}
}

func bad405(name string, r req, allow string) badCase {
	return badCase{name: name, r: r, status: http.StatusMethodNotAllowed, code: "METHOD_NOT_ALLOWED", allow: allow, offDoc: true}
}

func bad404(name string, r req) badCase {
	return badCase{name: name, r: r, status: http.StatusNotFound, code: "RESOURCE_NOT_FOUND"}
}

// malformedBodies are refused the same way by every endpoint that takes a
// body.
func malformedBodies(method, path string, limit int) []badCase {
	r := func(body any, h map[string]string) req { return req{Method: method, Path: path, Body: body, Header: h} }
	big := `{"x":"` + strings.Repeat("a", limit) + `"}` // its size is judged first
	return []badCase{
		bad400("MalformedJSON", r(`{"playParams": {"id": "B0CT000002"`, nil)),
		bad400("BrokenJSON", r(`{"a" 1}`, nil)),
		bad400("EmptyBody", r("", nil)),
		bad400("Array", r(`[]`, nil)),
		bad400("String", r(`"SHUFFLE_ON"`, nil)),
		bad400("Null", r(`null`, nil)),
		bad400("TrailingObject", r(`{}{}`, nil)),
		bad400("TrailingGarbage", r(`{} x`, nil)),
		bad400("UnknownTopField", r(`{"foo": 1}`, nil)),
		{name: "TextPlain", r: r(`{}`, map[string]string{"Content-Type": "text/plain"}), status: 415, code: "UNSUPPORTED_MEDIA_TYPE"},
		{name: "NoContentType", r: r(`{}`, map[string]string{"Content-Type": ""}), status: 415, code: "UNSUPPORTED_MEDIA_TYPE"},
		{name: "JSONLikeType", r: r(`{}`, map[string]string{"Content-Type": "application/json-patch+json"}), status: 415, code: "UNSUPPORTED_MEDIA_TYPE"},
		{name: "TooLarge", r: r(big, nil), status: 413, code: "PAYLOAD_TOO_LARGE"},
	}
}

func TestBadInput(t *testing.T) {
	parent := t
	e := newEnv(t)
	ctx := context.Background()
	id, data := e.create(bodyMap{"playParams": bodyMap{"id": "B0CA000001"}, "limit": 3})
	m := entities(data)[0]["metricId"].(string)
	for range 8 {
		e.ok(req{Method: "GET", Path: sessionPath(id, "/next")})
	}
	sp := func(rest string) string { return sessionPath(id, rest) }
	post := func(path string, body any) req { return req{Method: "POST", Path: path, Body: body} }
	put := func(path string, body any) req { return req{Method: "PUT", Path: path, Body: body} }
	get := func(path string) req { return req{Method: "GET", Path: path} }
	create := func(body any) req { return post(pathSessions, body) }
	album := func(opts bodyMap) bodyMap {
		return bodyMap{"playParams": bodyMap{"id": "B0CA000001"}, "playbackOptions": opts}
	}
	id2, data2 := e.create(playBody(bodyMap{"id": "B0CA000003"}))
	ref2 := entities(data2)[0]["entityReferenceId"].(string)
	tooMany := make([]string, 100_001)
	for i := range tooMany {
		tooMany[i] = "B0CT000001"
	}
	many := make([]any, 101)
	for i := range many {
		many[i] = eventBody(m, nil)
	}

	var cases []badCase
	for _, ep := range []struct {
		name, method, path string
		limit              int
	}{
		{"Create", "POST", pathSessions, 5 << 20},
		{"QueueNext", "POST", sp("/queue/next"), 100 << 10},
		{"QueueLast", "POST", sp("/queue/last"), 100 << 10},
		{"Loop", "PUT", sp("/loop"), 100 << 10},
		{"Shuffle", "PUT", sp("/shuffle"), 100 << 10},
		{"Event", "POST", pathEvent, 100 << 10},
		{"Events", "POST", pathEvents, 2 << 20},
	} {
		for _, c := range malformedBodies(ep.method, ep.path, ep.limit) {
			c.name = ep.name + "/" + c.name
			cases = append(cases, c)
		}
	}
	cases = append(cases,
		// wrong types
		bad400("Create/LimitString", create(bodyMap{"playParams": bodyMap{"id": "B0CA000001"}, "limit": "3"})),
		bad400("Create/LimitFraction", create(bodyMap{"playParams": bodyMap{"id": "B0CA000001"}, "limit": 2.5})),
		bad400("Create/StartAsStationString", create(album(bodyMap{"startAsStation": "yes"}))),
		bad400("Create/ContainerIdsNumber", create(playBody(bodyMap{"containerIds": 5}))),
		bad400("Create/ContainerIdsNumbers", create(playBody(bodyMap{"containerIds": []int{5}}))),
		bad400("Create/ContainerIdsObject", create(playBody(bodyMap{"containerIds": bodyMap{}}))),
		bad400("Create/IDNumber", create(playBody(bodyMap{"id": 5}))),
		bad400("Create/LoopModeNumber", create(album(bodyMap{"loopMode": 1}))),
		bad400("Create/PlayParamsString", create(bodyMap{"playParams": "B0CA000001"})),
		bad400("Loop/LoopModeNumber", put(sp("/loop"), bodyMap{"loopMode": 1})),
		bad400("Shuffle/ShuffleModeBool", put(sp("/shuffle"), bodyMap{"shuffleMode": true})),
		// unknown fields
		bad400("Create/UnknownTopField", create(bodyMap{"playParams": bodyMap{"id": "B0CA000001"}, "foo": 1})),
		bad400("Create/UnknownOption", create(album(bodyMap{"foo": 1}))),
		bad400("Create/UnknownPlayParam", create(playBody(bodyMap{"id": "B0CA000001", "foo": 1}))),
		bad400("QueueNext/UnknownPlayParam", post(sp("/queue/next"), playBody(bodyMap{"id": "B0CT000002", "foo": 1}))),
		bad400("Loop/UnknownField", put(sp("/loop"), bodyMap{"loopMode": "LOOP_ALL", "foo": 1})),
		bad400("Loop/FieldInOtherCase", put(sp("/loop"), bodyMap{"LOOPMODE": "LOOP_ALL"})),
		bad400("Create/FieldInOtherCase", create(bodyMap{"PlayParams": bodyMap{"id": "B0CA000001"}})),
		// out of range
		bad400("Create/Limit0", create(bodyMap{"playParams": bodyMap{"id": "B0CA000001"}, "limit": 0})),
		bad400("Create/Limit11", create(bodyMap{"playParams": bodyMap{"id": "B0CA000001"}, "limit": 11})),
		bad400("Create/LimitHuge", create(bodyMap{"playParams": bodyMap{"id": "B0CA000001"}, "limit": 1e30})),
		bad400("Create/TooManyContainerIds", create(playBody(bodyMap{"id": "B0CT000001", "containerIds": tooMany}))),
		bad400("Create/LimitNegative", create(bodyMap{"playParams": bodyMap{"id": "B0CA000001"}, "limit": -1})),
		bad400("Queue/Limit0", get(sp("/queue?limit=0"))),
		bad400("Queue/Limit101", get(sp("/queue?limit=101"))),
		bad400("Queue/LimitWord", get(sp("/queue?limit=abc"))),
		bad400("Active/Limit101", get(pathSessions+"/active?limit=101")),
		bad400("Active/Limit0", get(pathSessions+"/active?limit=0")),
		bad400("Loop/Limit11", put(sp("/loop?limit=11"), bodyMap{"loopMode": "LOOP_ALL"})),
		bad400("QueueNext/Limit0", post(sp("/queue/next?limit=0"), playBody(bodyMap{"id": "B0CT000002"}))),
		// bad enum values
		bad400("Create/ShuffleON", create(album(bodyMap{"shuffleMode": "ON"}))),
		bad400("Create/LoopSometimes", create(album(bodyMap{"loopMode": "LOOP_SOMETIMES"}))),
		bad400("Create/LoopLowercase", create(album(bodyMap{"loopMode": "loop_all"}))),
		bad400("Create/AutoplayMaybe", create(album(bodyMap{"playbackContinuationMode": "MAYBE"}))),
		bad400("Create/AutoplayNumber", create(album(bodyMap{"playbackContinuationMode": 1}))),
		bad400("Shuffle/ON", put(sp("/shuffle"), bodyMap{"shuffleMode": "ON"})),
		bad400("Loop/Sometimes", put(sp("/loop"), bodyMap{"loopMode": "LOOP_SOMETIMES"})),
		bad400("Loop/LoopOnIsCreateOnly", put(sp("/loop"), bodyMap{"loopMode": "LOOP_ON"})),
		// missing required
		bad400("Create/NoPlayParams", create(bodyMap{"limit": 3})),
		bad400("Create/NullPlayParams", create(bodyMap{"playParams": nil})),
		bad400("Create/EmptyPlayParams", create(playBody(bodyMap{}))),
		bad400("Create/EmptyID", create(playBody(bodyMap{"id": ""}))),
		bad400("Create/EmptyContainerList", create(playBody(bodyMap{"containerIds": []string{}}))),
		bad400("Create/EmptyContainerID", create(playBody(bodyMap{"containerIds": []string{""}}))),
		bad400("QueueNext/NoPlayParams", post(sp("/queue/next"), bodyMap{})),
		bad400("QueueNext/EmptyAnchor", post(sp("/queue/next"), bodyMap{"playParams": bodyMap{"id": "B0CT000002"}, "entityReferenceId": ""})),
		bad400("QueueLast/EmptyPlayParams", post(sp("/queue/last"), playBody(bodyMap{}))),
		bad400("Loop/NoLoopMode", put(sp("/loop"), bodyMap{})),
		bad400("Shuffle/NoShuffleMode", put(sp("/shuffle"), bodyMap{})),
		// ids
		bad404("Create/UnknownTrack", create(playBody(bodyMap{"id": "B0CT999999"}))),
		bad404("Create/UnknownAlbumMRN", create(playBody(bodyMap{"id": "mrn:1.0:catalog:album:asin:B0CA999999"}))),
		bad404("Create/UnknownContainer", create(playBody(bodyMap{"containerIds": []string{"B0CA999999"}}))),
		bad404("Create/UnknownTrackInList", create(playBody(bodyMap{"containerIds": []string{"B0CT000001", "B0CT999999"}}))),
		bad404("Create/TrackMRNOfAlbum", create(playBody(bodyMap{"id": "mrn:1.0:catalog:track:asin:B0CA000001"}))),
		bad400("Create/MalformedMRN", create(playBody(bodyMap{"id": "mrn:1.0:catalog:track:B0CT000001"}))),
		bad400("Create/MRNUnknownKind", create(playBody(bodyMap{"id": "mrn:1.0:catalog:podcast:asin:B0CT000001"}))),
		bad400("Create/IDWithSpace", create(playBody(bodyMap{"id": "B0CT 00001"}))),
		bad400("Create/IDTooLong", create(playBody(bodyMap{"id": strings.Repeat("B", 300)}))),
		bad400("Create/TrackNotInContainer", create(playBody(bodyMap{"id": "B0CT000002", "containerIds": []string{"B0CA000001"}}))),
		bad400("Create/TrackNotInList", create(playBody(bodyMap{"id": "B0CT000002", "containerIds": []string{"B0CT000001", "B0CT000003"}}))),
		bad400("Create/ListMixesAlbumMRN", create(playBody(bodyMap{"containerIds": []string{"B0CT000001", "mrn:1.0:catalog:album:asin:B0CA000001"}}))),
		bad400("Create/ListMixesAlbum", create(playBody(bodyMap{"containerIds": []string{"B0CT000001", "B0CA000001"}}))),
		bad400("Create/AlbumWithOtherContainer", create(playBody(bodyMap{"id": "B0CA000001", "containerIds": []string{"B0CA000003"}}))),
		bad400("Create/EmptyPlaylist", create(playBody(bodyMap{"id": "B0CP000002"}))),
		bad400("Create/StationAsContainer", create(playBody(bodyMap{"containerIds": []string{"mrn:1.0:catalog:station:asin:B0CR000001"}}))),
		bad404("QueueNext/UnknownTrack", post(sp("/queue/next"), playBody(bodyMap{"id": "B0CT999999"}))),
		bad404("QueueNext/UnknownAlbum", post(sp("/queue/next"), playBody(bodyMap{"containerIds": []string{"B0CA999999"}}))),
		bad404("QueueLast/UnknownTrack", post(sp("/queue/last"), playBody(bodyMap{"id": "B0CT999999"}))),
		bad400("QueueNext/MalformedMRN", post(sp("/queue/next"), playBody(bodyMap{"id": "mrn:1.0:track:B0CT000001"}))),
		bad400("QueueNext/EmptyPlaylist", post(sp("/queue/next"), playBody(bodyMap{"id": "B0CP000002"}))),
		bad400("QueueNext/Station", post(sp("/queue/next"), playBody(bodyMap{"id": "mrn:1.0:catalog:station:asin:B0CR000001"}))),
		bad404("QueueNext/UnknownAnchor", post(sp("/queue/next"), bodyMap{"playParams": bodyMap{"id": "B0CT000002"}, "entityReferenceId": "nope"})),
		bad404("QueueNext/AnchorOfOtherSession", post(sp("/queue/next"), bodyMap{"playParams": bodyMap{"id": "B0CT000002"}, "entityReferenceId": ref2})),
		bad404("Restore/UnknownEntity", get(sp("/entities/nope"))),
		bad404("Restore/EntityOfOtherSession", get(sp("/entities/"+ref2))),
		bad404("Restore/OtherUsersSession", req{Method: "GET", Path: sessionPath(id2, "/entities/"+ref2), Token: &e.bob}),
		bad400("Queue/CursorNotBase64", get(sp("/queue?cursor=!!!"))),
		bad400("Queue/CursorUnknownRef", get(sp("/queue?cursor="+base64.RawURLEncoding.EncodeToString([]byte("nope"))))),
		bad400("Active/CursorNotBase64", get(pathSessions+"/active?cursor=!!!")),
		bad400("Active/CursorNoSeparator", get(pathSessions+"/active?cursor="+base64.RawURLEncoding.EncodeToString([]byte("12345")))),
		bad400("Active/CursorNotATime", get(pathSessions+"/active?cursor="+base64.RawURLEncoding.EncodeToString([]byte("soon|x")))),
		bad400("Active/CursorNoID", get(pathSessions+"/active?cursor="+base64.RawURLEncoding.EncodeToString([]byte("12345|")))),
		// device ids
		bad400("Create/NoDevice", req{Method: "POST", Path: pathSessions, Body: playBody(bodyMap{"id": "B0CA000001"}), Device: str("")}),
		bad400("Create/DeviceWithSpace", req{Method: "POST", Path: pathSessions, Body: playBody(bodyMap{"id": "B0CA000001"}), Device: str("dev 1")}),
		bad400("Create/DeviceTooLong", req{Method: "POST", Path: pathSessions, Body: playBody(bodyMap{"id": "B0CA000001"}), Device: str(strings.Repeat("d", 129))}),
		bad400("Current/DeviceTooLong", req{Method: "GET", Path: sp("/current"), Device: str(strings.Repeat("d", 129))}),
		bad400("Next/DeviceWithSpace", req{Method: "GET", Path: sp("/next"), Device: str("dev 1")}),
		// events
		bad400("Event/NoMetricID", post(pathEvent, eventBody(m, func(b, _ bodyMap) { delete(b, "metricId") }))),
		bad400("Event/EmptyMetricID", post(pathEvent, eventBody("", nil))),
		bad400("Event/NoEvent", post(pathEvent, eventBody(m, func(b, _ bodyMap) { delete(b, "event") }))),
		bad400("Event/NoType", post(pathEvent, eventBody(m, func(_, e bodyMap) { delete(e, "type") }))),
		bad400("Event/UnknownType", post(pathEvent, eventBody(m, func(_, e bodyMap) { e["type"] = "play" }))),
		bad400("Event/NoTimestamp", post(pathEvent, eventBody(m, func(_, e bodyMap) { delete(e, "clientTimestampInMilliseconds") }))),
		bad400("Event/NegativeTimestamp", post(pathEvent, eventBody(m, func(_, e bodyMap) { e["clientTimestampInMilliseconds"] = -1 }))),
		bad400("Event/TimestampString", post(pathEvent, eventBody(m, func(_, e bodyMap) { e["clientTimestampInMilliseconds"] = "1000" }))),
		bad400("Event/NegativeProgress", post(pathEvent, eventBody(m, func(_, e bodyMap) { e["entityProgressSeconds"] = -1 }))),
		bad400("Event/ReasonOnStart", post(pathEvent, eventBody(m, func(_, e bodyMap) { e["terminationReason"] = "userStop" }))),
		bad400("Event/UnknownReason", post(pathEvent, eventBody(m, func(_, e bodyMap) { e["type"], e["terminationReason"] = "stop", "bored" }))),
		bad400("Event/TakeOverSometimes", post(pathEvent, eventBody(m, func(b, _ bodyMap) { b["options"] = bodyMap{"takeOverType": "SOMETIMES"} }))),
		bad400("Event/UnknownField", post(pathEvent, eventBody(m, func(b, _ bodyMap) { b["foo"] = 1 }))),
		bad400("Event/UnknownEventField", post(pathEvent, eventBody(m, func(_, e bodyMap) { e["foo"] = 1 }))),
		bad400("Event/NoDevice", req{Method: "POST", Path: pathEvent, Body: eventBody(m, nil), Device: str("")}),
		bad404("Event/UnknownMetricID", post(pathEvent, eventBody("nope", nil))),
		bad404("Event/OtherUsersMetricID", req{Method: "POST", Path: pathEvent, Body: eventBody(m, nil), Token: &e.bob}),
		bad400("Events/NotObjects", post(pathEvents, bodyMap{"events": []int{1}})),
		bad400("Events/None", post(pathEvents, bodyMap{"events": []any{}})),
		bad400("Events/Missing", post(pathEvents, bodyMap{})),
		bad400("Events/TooMany", post(pathEvents, bodyMap{"events": many})),
		bad400("Events/NotAList", post(pathEvents, bodyMap{"events": eventBody(m, nil)})),
		// query parameters
		bad400("Current/LimitTwice", get(sp("/current?limit=1&limit=2"))),
		// methods and paths
		bad405("Method/DeleteSessions", req{Method: "DELETE", Path: pathSessions}, "POST"),
		bad405("Method/GetLoop", get(sp("/loop")), "PUT"),
		bad405("Method/PostCurrent", post(sp("/current"), bodyMap{}), "GET"),
		bad405("Method/PutQueueNext", put(sp("/queue/next"), playBody(bodyMap{"id": "B0CT000002"})), "POST"),
		bad405("Method/GetEvent", get(pathEvent), "POST"),
		bad405("Method/DeleteActive", req{Method: "DELETE", Path: pathSessions + "/active"}, "GET"),
		bad404("Path/Unknown", get("/v1/playback/nope")).offDocument(),
		bad404("Path/UnknownUnderSession", get(sp("/bogus"))).offDocument(),
		bad404("Path/OtherVersion", get("/v2/playback/sessions")).offDocument(),
		bad404("Path/Root", get("/")).offDocument(),
	)
	for _, p := range []string{"/current", "/next", "/previous"} {
		for _, l := range []string{"0", "11", "abc", "-1", "1.5", ""} {
			cases = append(cases, bad400("Window"+p+"/Limit="+l, get(sp(p+"?limit="+l))))
		}
	}
	unknown := "00000000-0000-4000-8000-000000000000"
	for _, c := range []req{
		get("/current"), get("/next"), get("/previous"), get("/queue"), get("/entities/x"),
		put("/loop", bodyMap{"loopMode": "LOOP_ALL"}), put("/shuffle", bodyMap{"shuffleMode": "SHUFFLE_ON"}),
		post("/queue/next", playBody(bodyMap{"id": "B0CT000002"})), post("/queue/last", playBody(bodyMap{"id": "B0CT000002"})),
	} {
		name := "UnknownSession/" + c.Method + strings.ReplaceAll(c.Path, "/", "_")
		c.Path = sessionPath(unknown, c.Path)
		cases = append(cases, bad404(name, c))
	}

	// state is everything a refused request must leave alone: the session
	// (its window, near the end of its album, shows its loop and shuffle
	// modes), and the list of sessions (a refused create makes none). The
	// second session, which a few cases name, is compared at the end.
	state := func() string {
		s := e.snapshot(id)
		for _, en := range entities(e.ok(get(pathSessions + "/active"))) {
			s += "|" + en["sessionId"].(string)
		}
		return s
	}
	before, before2 := state(), e.snapshot(id2)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e.t = t // e fails the subtest, from its own goroutine
			c.r.OffSpec = c.offDoc
			res := e.fail(c.r, c.status, c.code)
			if eb, _ := res.JSON["error"].(map[string]any); eb["message"] == "" || eb["status"] != strconv.Itoa(c.status) {
				t.Errorf("error envelope %v: want status %q and a message", eb, strconv.Itoa(c.status))
			}
			if c.allow != "" && res.Header.Get("Allow") != c.allow {
				t.Errorf("Allow %q, want %q", res.Header.Get("Allow"), c.allow)
			}
		})
		if after := state(); after != before {
			t.Errorf("%s: the refused request changed state:\nbefore %s\nafter  %s", c.name, before, after)
			before = after // judge the next cases on their own
		}
	}
	e.t = parent
	if after := e.snapshot(id2); after != before2 {
		t.Errorf("refused requests changed the second session:\nbefore %s\nafter  %s", before2, after)
	}

	// No refused event was stored.
	alice, err := e.db.UserByName(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if n, err := e.db.CountEvents(ctx, alice.ID, m); err != nil || n != 0 {
		t.Errorf("%d events stored for %s after only refused reports (err %v)", n, m, err)
	}

	// Nothing was a 500 or a panic. Closing the server first orders its
	// last log writes before this read.
	e.srv.Close()
	if logs := e.logs.String(); strings.Contains(logs, "level=ERROR") {
		t.Errorf("the server logged errors:\n%s", linesWith(logs, "level=ERROR"))
	}
}

// linesWith returns the lines of s that contain sub.
func linesWith(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func (c badCase) offDocument() badCase { c.offDoc = true; return c }
