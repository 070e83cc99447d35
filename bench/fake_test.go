package bench

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fake is a small in-memory stand-in for the playback API, enough for
// every scenario, with bugs to switch on so that the checks can be seen
// to catch them.
type fake struct {
	mu       sync.Mutex
	bug      string // "", "healthz", "wrong-session", "stuck", "duplicate", "no-refusal"
	stall    func() // called at the start of each request, if set
	sessions map[string]*fakeSession
	holder   map[string]string // user → session holding the user's one stream (solo)
	n        int
}

type fakeSession struct {
	id, user, device string
	refs, tracks     []string
	pos, stack       int // current entry; last insert since the last move (-1: none)
	version          int64
	seq              int
	takenBy          string
	playing          bool
}

func newFake(t *testing.T, bug string) (*fake, *httptest.Server) {
	f := &fake{bug: bug, sessions: map[string]*fakeSession{}, holder: map[string]string{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fake) metric(s *fakeSession, k int) string { return fmt.Sprintf("m-%s-%d", s.id, k) }

func (f *fake) window(w http.ResponseWriter, s *fakeSession, inserted []string) {
	var ents []map[string]any
	for k := range 2 {
		i := (s.pos + k) % len(s.refs)
		sid := s.id
		if f.bug == "wrong-session" && s.version > 1 {
			sid = "someone-else"
		}
		ents = append(ents, map[string]any{
			"sessionId": sid, "entityReferenceId": s.refs[i], "metricId": f.metric(s, s.seq+k),
			"track": map[string]any{"id": s.tracks[i]},
		})
	}
	data := map[string]any{"entities": ents}
	if inserted != nil {
		data["insertedEntityReferenceIds"] = inserted
	}
	w.Header().Set("ETag", fmt.Sprintf(`"%d"`, s.version))
	json.NewEncoder(w).Encode(map[string]any{"data": data})
}

func fakeError(w http.ResponseWriter, status int, code string, payload map[string]any) {
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"status": fmt.Sprint(status), "code": code, "message": code, "payload": payload}})
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.stall != nil {
		f.stall()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var body map[string]any
	json.NewDecoder(r.Body).Decode(&body)
	user := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	path := strings.TrimPrefix(r.URL.Path, "/v1/playback")
	switch {
	case r.URL.Path == "/healthz":
		if f.bug == "healthz" {
			w.Write([]byte(`{"status":"starting"}`))
			return
		}
		w.Write([]byte(`{"status":"ok"}`))
	case path == "/sessions" && r.Method == "POST":
		f.n++
		s := &fakeSession{id: fmt.Sprintf("s%d", f.n), user: user, device: r.Header.Get("X-Amzn-Device-Id"), stack: -1, version: 1}
		pp := body["playParams"].(map[string]any)
		if ids, ok := pp["containerIds"].([]any); ok {
			for _, id := range ids {
				s.tracks = append(s.tracks, id.(string))
			}
		} else {
			s.tracks = []string{pp["id"].(string)}
		}
		for k := range s.tracks {
			s.refs = append(s.refs, fmt.Sprintf("r-%s-%d", s.id, k))
		}
		f.sessions[s.id] = s
		f.window(w, s, nil)
	case path == "/sessions/active":
		var ents []map[string]any
		for _, s := range f.sessions {
			if s.user == user {
				state := "STOPPED"
				if s.playing || f.bug == "no-refusal" {
					state = "PLAYING"
				}
				ents = append(ents, map[string]any{"sessionId": s.id, "playbackState": state})
			}
		}
		json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"entities": ents, "pageInfo": map[string]any{"hasNextPage": false}}})
	case strings.HasPrefix(path, "/sessions/"):
		parts := strings.SplitN(strings.TrimPrefix(path, "/sessions/"), "/", 2)
		s := f.sessions[parts[0]]
		if s == nil || s.user != user {
			fakeError(w, 404, "RESOURCE_NOT_FOUND", nil)
			return
		}
		var inserted []string
		switch parts[1] {
		case "current":
		case "next":
			if f.bug != "stuck" {
				s.pos = (s.pos + 1) % len(s.refs)
			}
			s.version++
			s.seq++
			s.stack = -1
		case "queue/next":
			at := s.pos + 1
			if s.stack >= 0 {
				at = s.stack + 1
			}
			ref := fmt.Sprintf("r-%s-%d", s.id, len(s.refs))
			track := body["playParams"].(map[string]any)["id"].(string)
			s.refs = append(s.refs[:at], append([]string{ref}, s.refs[at:]...)...)
			s.tracks = append(s.tracks[:at], append([]string{track}, s.tracks[at:]...)...)
			s.stack, inserted = at, []string{ref}
			s.version++
		case "shuffle":
			s.version++
		}
		f.window(w, s, inserted)
	case path == "/event":
		f.event(w, r, user, body)
	case path == "/events":
		var results []map[string]any
		for i, e := range body["events"].([]any) {
			m := e.(map[string]any)["metricId"]
			results = append(results, map[string]any{"index": i, "metricId": m, "accepted": true, "duplicate": false})
		}
		json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"results": results}})
	default:
		fakeError(w, 404, "RESOURCE_NOT_FOUND", nil)
	}
}

// event answers one event; the listener "solo" has one stream.
func (f *fake) event(w http.ResponseWriter, r *http.Request, user string, body map[string]any) {
	metric := body["metricId"].(string)
	var s *fakeSession
	for _, x := range f.sessions {
		if strings.HasPrefix(metric, "m-"+x.id+"-") {
			s = x
		}
	}
	if s == nil {
		fakeError(w, 404, "RESOURCE_NOT_FOUND", nil)
		return
	}
	kind := body["event"].(map[string]any)["type"].(string)
	mode := ""
	if o, ok := body["options"].(map[string]any); ok {
		mode, _ = o["takeOverType"].(string)
	}
	if user == "solo" && f.bug != "no-refusal" {
		h := f.sessions[f.holder[user]]
		switch {
		case kind == "start" && h != nil && h != s && mode == "AUTO":
			fakeError(w, 422, "MAX_CONCURRENCY_REACHED", map[string]any{"sessionId": h.id, "deviceId": h.device})
			return
		case kind == "start":
			if h != nil && h != s {
				h.playing, h.takenBy = false, s.id
			}
			f.holder[user], s.playing, s.takenBy = s.id, true, ""
		case s.takenBy != "":
			t := f.sessions[s.takenBy]
			fakeError(w, 409, "STREAM_TAKEN_OVER", map[string]any{"sessionId": t.id, "deviceId": t.device})
			return
		case kind == "pause" && h == s:
			delete(f.holder, user)
			s.playing = false
		}
	}
	json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{
		"metricId": metric, "accepted": true, "duplicate": f.bug == "duplicate"}})
}

// fakeConfig is a config for a fake server.
func fakeConfig(url string) Config {
	return Config{
		URLs:     []string{url},
		Creds:    Credentials{APIKey: "k", Tokens: []string{"u1", "u2", "u3"}, Solo: "solo"},
		TrackIDs: []string{"t1", "t2", "t3", "t4", "t5"},
		Sessions: 12, Queue: 5, Seed: 1,
	}
}

var shortLoad = Load{Concurrency: 4, Duration: 300 * time.Millisecond, Warmup: 50 * time.Millisecond}
