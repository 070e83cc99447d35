package openapitest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/segue/segue/openapi"
)

// recorder is a testing.TB that records failures instead of failing the
// real test.
type recorder struct {
	testing.TB
	failed bool
	msgs   []string
}

func (r *recorder) Helper() {}

func (r *recorder) Error(args ...any) { r.fail(fmt.Sprint(args...)) }

func (r *recorder) Errorf(format string, args ...any) { r.fail(fmt.Sprintf(format, args...)) }

func (r *recorder) Fatal(args ...any) { r.fail(fmt.Sprint(args...)) }

func (r *recorder) Fatalf(format string, args ...any) { r.fail(fmt.Sprintf(format, args...)) }

func (r *recorder) Fail() { r.failed = true }

func (r *recorder) Failed() bool { return r.failed }

func (r *recorder) fail(msg string) {
	r.failed = true
	r.msgs = append(r.msgs, msg)
}

func jsonHeader() http.Header {
	h := http.Header{}
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("X-Request-Id", "req-1")
	return h
}

const validEntity = `{
  "sessionId": "a133859e-44e6-4917-8893-fe36c8ea312a",
  "entityReferenceId": "526af97e-8396-4b5a-ae26-7ee95999d34c",
  "metricId": "9b2f5c1e-3d4a-4e8b-9c7d-1a2b3c4d5e6f",
  "actions": {
    "next": {"isAllowed": false, "remainingSkips": 0, "disableType": "NO_MORE_SKIPS", "skipsResetAt": "2026-01-01T10:00:00Z"},
    "previous": {"isAllowed": false, "disableType": "FEATURE_NOT_AVAILABLE"},
    "scrubForward": {"isAllowed": true},
    "scrubBackward": {"isAllowed": true},
    "shuffle": {"isAllowed": false},
    "loopOne": {"isAllowed": true},
    "loopAll": {"isAllowed": true},
    "queueNext": {"isAllowed": true},
    "queueLast": {"isAllowed": true}
  },
  "track": {
    "id": "B0CT000001",
    "type": "Track",
    "mediaType": "AUDIO",
    "url": "https://music.example.com/albums/B0CA000001?trackAsin=B0CT000001",
    "playbackInformation": {
      "url": "https://segue.example.com/v1/media/tracks/B0CT000001?exp=1767225600&sig=abc",
      "protocol": "PROGRESSIVE",
      "format": "MP3"
    },
    "title": "For Those About To Rock (We Salute You)",
    "subtitle": "AC/DC - For Those About To Rock We Salute You",
    "durationSeconds": 343,
    "artists": [{"id": "B0CR000001", "name": "AC/DC"}],
    "album": {"id": "B0CA000001", "title": "For Those About To Rock We Salute You"},
    "images": [{"url": "https://segue.example.com/images/B0CA000001.jpg", "width": 500, "height": 500}],
    "serverExtra": "responses are open"
  }
}`

func TestOperations(t *testing.T) {
	v := Load(t)
	want := []string{
		"GET /healthz",
		"GET /readyz",
		"GET /openapi.yaml",
		"GET /v1/media/tracks/{trackId}",
		"GET /v1/media/albums/{albumId}/cover",
		"POST /v1/playback/sessions",
		"GET /v1/playback/sessions/active",
		"GET /v1/playback/sessions/{sessionId}/current",
		"GET /v1/playback/sessions/{sessionId}/next",
		"GET /v1/playback/sessions/{sessionId}/previous",
		"GET /v1/playback/sessions/{sessionId}/queue",
		"GET /v1/playback/sessions/{sessionId}/entities/{entityReferenceId}",
		"POST /v1/playback/sessions/{sessionId}/queue/next",
		"POST /v1/playback/sessions/{sessionId}/queue/last",
		"PUT /v1/playback/sessions/{sessionId}/loop",
		"PUT /v1/playback/sessions/{sessionId}/shuffle",
		"POST /v1/playback/event",
		"POST /v1/playback/events",
		"GET /v1/me/history/tracks",
		"GET /metrics",
		"GET /v1/tracks",
		"GET /v1/tracks/{trackId}",
		"GET /v1/albums",
		"GET /v1/albums/{albumId}",
		"GET /v1/albums/{albumId}/tracks",
		"GET /v1/artists",
		"GET /v1/artists/{artistId}",
		"GET /v1/playlists/{playlistId}",
		"GET /v1/playlists/{playlistId}/tracks",
		"GET /v1/search",
	}
	got := v.Operations()
	if !slices.IsSorted(got) {
		t.Errorf("Operations() is not sorted: %q", got)
	}
	for _, op := range want {
		if !slices.Contains(got, op) {
			t.Errorf("Operations() lacks %q", op)
		}
	}
	if len(got) != len(want) {
		t.Errorf("Operations() has %d operations, want %d: %q", len(got), len(want), got)
	}
}

func TestCheck(t *testing.T) {
	v := Load(t)
	noTrack := strings.Replace(validEntity, `"track": {`, `"notTrack": {`, 1)
	tests := []struct {
		name   string
		method string
		target string
		status int
		header http.Header
		body   string
		ok     bool
	}{
		{"valid window", "GET", "/v1/playback/sessions/s1/current?limit=1", 200, jsonHeader(),
			`{"data": {"entities": [` + validEntity + `]}}`, true},
		{"window without track", "GET", "/v1/playback/sessions/s1/current", 200, jsonHeader(),
			`{"data": {"entities": [` + noTrack + `]}}`, false},
		{"window without X-Request-Id", "GET", "/v1/playback/sessions/s1/next", 200,
			http.Header{"Content-Type": {"application/json"}},
			`{"data": {"entities": [` + validEntity + `]}}`, false},
		{"window with a bad disableType", "GET", "/v1/playback/sessions/s1/next", 200, jsonHeader(),
			`{"data": {"entities": [` + strings.Replace(validEntity, `"NO_MORE_SKIPS"`, `"NOPE"`, 1) + `]}}`, false},
		{"window as text", "GET", "/v1/playback/sessions/s1/next", 200,
			http.Header{"Content-Type": {"text/plain"}, "X-Request-Id": {"r"}}, `hello`, false},
		{"active page", "GET", "/v1/playback/sessions/active", 200, jsonHeader(),
			`{"data": {"entities": [` + strings.TrimSuffix(strings.TrimSpace(validEntity), "}") +
				`, "deviceId": "d1", "lastActiveAt": "2026-01-01T10:00:00Z", "loopMode": "LOOP_OFF", "shuffleMode": "SHUFFLE_OFF", "station": false, "playbackState": "PLAYING"}],
			  "pageInfo": {"hasNextPage": true, "token": "t2"}}}`, true},
		{"active page missing station", "GET", "/v1/playback/sessions/active", 200, jsonHeader(),
			`{"data": {"entities": [` + strings.TrimSuffix(strings.TrimSpace(validEntity), "}") +
				`, "deviceId": "d1", "lastActiveAt": "2026-01-01T10:00:00Z", "loopMode": "LOOP_OFF", "shuffleMode": "SHUFFLE_OFF"}],
			  "pageInfo": {"hasNextPage": false}}}`, false},
		{"queue page with next page but no token", "GET", "/v1/playback/sessions/s1/queue", 200, jsonHeader(),
			`{"data": {"entities": [], "pageInfo": {"hasNextPage": true}}}`, false},
		{"queue page, last", "GET", "/v1/playback/sessions/s1/queue?cursor=t", 200, jsonHeader(),
			`{"data": {"entities": [], "pageInfo": {"hasNextPage": false}}}`, true},
		{"not found", "GET", "/v1/playback/sessions/s1/next", 404, jsonHeader(),
			`{"error": {"status": "404", "code": "NO_MORE_NEXT_ENTITY", "message": "no next", "reference": "req-1"}}`, true},
		{"error status mismatch", "GET", "/v1/playback/sessions/s1/next", 404, jsonHeader(),
			`{"error": {"status": "400", "code": "BAD_REQUEST", "message": "x", "reference": "req-1"}}`, false},
		{"error without reference", "POST", "/v1/playback/sessions", 400, jsonHeader(),
			`{"error": {"status": "400", "code": "BAD_REQUEST", "message": "x"}}`, false},
		{"undeclared status", "GET", "/v1/playback/sessions/active", 404, jsonHeader(),
			`{"error": {"status": "404", "code": "RESOURCE_NOT_FOUND", "message": "x", "reference": "r"}}`, false},
		{"unknown route", "GET", "/v1/nope", 200, jsonHeader(), `{}`, false},
		{"wrong method", "DELETE", "/v1/playback/sessions/s1/current", 200, jsonHeader(), `{}`, false},
		{"throttled", "POST", "/v1/playback/event", 429,
			http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"r"}, "Retry-After": {"3"}},
			`{"error": {"status": "429", "code": "THROTTLED", "message": "slow down", "reference": "r"}}`, true},
		{"max concurrency", "POST", "/v1/playback/event", 422, jsonHeader(),
			`{"error": {"status": "422", "code": "MAX_CONCURRENCY_REACHED", "message": "m", "reference": "r",
			  "payload": {"sessionId": "s0", "deviceId": "d0"}}}`, true},
		{"event accepted", "POST", "/v1/playback/event", 200, jsonHeader(),
			`{"data": {"metricId": "m1", "accepted": true, "duplicate": false}}`, true},
		{"batch", "POST", "/v1/playback/events", 200, jsonHeader(),
			`{"data": {"results": [{"index": 0, "metricId": "m1", "accepted": true, "duplicate": true},
			  {"index": 1, "metricId": "m2", "accepted": false,
			   "error": {"status": "404", "code": "RESOURCE_NOT_FOUND", "message": "x", "reference": "r"}}]}}`, true},
		{"batch refusal without error", "POST", "/v1/playback/events", 200, jsonHeader(),
			`{"data": {"results": [{"index": 0, "metricId": "m1", "accepted": false}]}}`, false},
		{"insert result", "POST", "/v1/playback/sessions/s1/queue/next?limit=2", 200, jsonHeader(),
			`{"data": {"entities": [` + validEntity + `], "insertedEntityReferenceIds": ["e9"]}}`, true},
		{"healthz", "GET", "/healthz", 200, jsonHeader(), `{"status": "ok"}`, true},
		{"healthz not ok", "GET", "/healthz", 200, jsonHeader(), `{"status": "fine"}`, false},
		{"healthz HEAD", "HEAD", "/healthz", 200, jsonHeader(), ``, true},
		{"healthz HEAD without X-Request-Id", "HEAD", "/healthz", 200,
			http.Header{"Content-Type": {"application/json"}}, ``, false},
		{"readyz not ready", "GET", "/readyz", 503, jsonHeader(),
			`{"error": {"status": "503", "code": "INTERNAL", "message": "store unavailable", "reference": "r"}}`, true},
		{"openapi.yaml", "GET", "/openapi.yaml", 200,
			http.Header{"Content-Type": {"application/yaml"}, "X-Request-Id": {"r"}}, string(openapi.YAML()), true},
		{"openapi.yaml as json", "GET", "/openapi.yaml", 200, jsonHeader(), `{"openapi": "3.1.0"}`, false},
		{"media forbidden", "GET", "/v1/media/tracks/B0CT000001?exp=1&sig=x", 403, jsonHeader(),
			`{"error": {"status": "403", "code": "ACCESS_DENIED", "message": "bad signature", "reference": "r"}}`, true},
		{"media audio", "GET", "/v1/media/tracks/B0CT000001?exp=1&sig=x", 206,
			http.Header{"Content-Type": {"audio/mpeg"}, "X-Request-Id": {"r"}, "Content-Range": {"bytes 0-3/10"}},
			"\xff\xfb\x90\x00", true},
		{"media with undeclared type", "GET", "/v1/media/tracks/B0CT000001?exp=1&sig=x", 200,
			http.Header{"Content-Type": {"image/png"}, "X-Request-Id": {"r"}}, "\x89PNG", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.target, nil)
			rec := &recorder{TB: t}
			v.Check(rec, req, tc.status, tc.header, []byte(tc.body))
			if tc.ok && rec.failed {
				t.Errorf("Check failed a conforming response:\n%s", strings.Join(rec.msgs, "\n"))
			}
			if !tc.ok && !rec.failed {
				t.Errorf("Check passed a response that does not conform")
			}
			if !tc.ok && rec.failed {
				t.Logf("rejected as expected: %s", strings.Join(rec.msgs, "\n"))
			}
		})
	}
}
