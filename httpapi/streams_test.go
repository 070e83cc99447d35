package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/segue/segue/auth"
)

// strmUser creates an UNLIMITED user who may stream on max devices and
// returns a token for it.
func strmUser(e *env, name string, max int) string {
	e.t.Helper()
	ctx := context.Background()
	if _, err := e.auth.AddUser(ctx, auth.User{Name: name, Tier: auth.TierUnlimited, MaxStreams: max}); err != nil {
		e.t.Fatal(err)
	}
	tok, _, err := e.auth.CreateToken(ctx, name, 24*time.Hour, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// strmSession is a session of one device and the metric of its current
// play.
type strmSession struct {
	tok, dev, id, metric string
}

func strmCreate(e *env, tok, dev string) *strmSession {
	e.t.Helper()
	data := e.ok(req{Method: "POST", Path: "/v1/playback/sessions", Token: &tok, Device: &dev,
		Body: map[string]any{"playParams": map[string]any{"id": "B0CA000001"}}})
	en := entities(data)[0]
	return &strmSession{tok: tok, dev: dev, id: en["sessionId"].(string), metric: en["metricId"].(string)}
}

// strmTS makes client timestamps unique within a test.
var strmTS struct {
	sync.Mutex
	n int
}

func strmNextTS() int {
	strmTS.Lock()
	defer strmTS.Unlock()
	strmTS.n += 1000
	return strmTS.n
}

// body is an event of the session's current play.
func (s *strmSession) body(typ, takeOver string, ts int) map[string]any {
	b := map[string]any{"metricId": s.metric, "event": map[string]any{"type": typ, "clientTimestampInMilliseconds": ts}}
	if takeOver != "" {
		b["options"] = map[string]any{"takeOverType": takeOver}
	}
	return b
}

// ev reports an event with a fresh timestamp.
func (s *strmSession) ev(e *env, typ, takeOver string) resp {
	e.t.Helper()
	return e.do(req{Method: "POST", Path: "/v1/playback/event", Token: &s.tok, Device: &s.dev, Body: s.body(typ, takeOver, strmNextTS())})
}

// must reports an event that must be accepted.
func (s *strmSession) must(e *env, typ, takeOver string) {
	e.t.Helper()
	if r := s.ev(e, typ, takeOver); r.Status != http.StatusOK {
		e.t.Fatalf("%s %s (%s) on %s: %d %s", typ, takeOver, s.dev, s.id, r.Status, r.Body)
	}
}

// mustFail reports an event that must be refused with status and code,
// and returns the error's payload.
func (s *strmSession) mustFail(e *env, typ, takeOver string, status int, code string) map[string]any {
	e.t.Helper()
	res := e.fail(req{Method: "POST", Path: "/v1/playback/event", Token: &s.tok, Device: &s.dev, Body: s.body(typ, takeOver, strmNextTS())}, status, code)
	pl, _ := res.JSON["error"].(map[string]any)["payload"].(map[string]any)
	return pl
}

// strmStates returns, per session id, the playback state the active list
// shows, with "<by session>@<by device>" appended when taken over.
func strmStates(e *env, tok string) map[string]string {
	e.t.Helper()
	out := map[string]string{}
	for _, en := range entities(e.ok(req{Method: "GET", Path: "/v1/playback/sessions/active", Token: &tok})) {
		st := en["playbackState"].(string)
		if by, ok := en["takenOverBy"].(map[string]any); ok {
			st += fmt.Sprintf(" by %v@%v", by["sessionId"], by["deviceId"])
		} else if st == "TAKEN_OVER" {
			st += " by nobody"
		}
		out[en["sessionId"].(string)] = st
	}
	return out
}

// strmWant checks the states of sessions.
func strmWant(e *env, tok string, want map[*strmSession]string) {
	e.t.Helper()
	got := strmStates(e, tok)
	for s, w := range want {
		if got[s.id] != w {
			e.t.Fatalf("session on %s is %q, want %q (all: %v)", s.dev, got[s.id], w, got)
		}
	}
}

func strmTaken(by *strmSession) string { return "TAKEN_OVER by " + by.id + "@" + by.dev }

func TestStreams_TakeOver(t *testing.T) {
	e := newEnv(t)
	u := strmUser(e, "sam", 1)
	a, b := strmCreate(e, u, "dev-a"), strmCreate(e, u, "dev-b")
	strmWant(e, u, map[*strmSession]string{a: "STOPPED", b: "STOPPED"})

	a.must(e, "start", "")
	strmWant(e, u, map[*strmSession]string{a: "PLAYING", b: "STOPPED"})

	// AUTO over the limit is refused, names the holder, changes nothing.
	pl := b.mustFail(e, "start", "AUTO", http.StatusUnprocessableEntity, "MAX_CONCURRENCY_REACHED")
	if pl["sessionId"] != a.id || pl["deviceId"] != a.dev {
		t.Fatalf("MAX_CONCURRENCY_REACHED payload %v, want sessionId %s deviceId %s", pl, a.id, a.dev)
	}
	strmWant(e, u, map[*strmSession]string{a: "PLAYING", b: "STOPPED"})

	// FORCE takes over; the loser's events answer 409 until it claims.
	b.must(e, "start", "FORCE")
	strmWant(e, u, map[*strmSession]string{a: strmTaken(b), b: "PLAYING"})
	for _, typ := range []string{"progress", "pause", "stop"} {
		a.mustFail(e, typ, "", http.StatusConflict, "STREAM_TAKEN_OVER")
	}
	strmWant(e, u, map[*strmSession]string{a: strmTaken(b), b: "PLAYING"})

	// resume with no takeOverType takes the oldest stream back.
	a.must(e, "resume", "")
	strmWant(e, u, map[*strmSession]string{a: "PLAYING", b: strmTaken(a)})
	b.mustFail(e, "progress", "", http.StatusConflict, "STREAM_TAKEN_OVER")

	// pause frees the stream: the other device's AUTO claim succeeds.
	a.must(e, "pause", "")
	strmWant(e, u, map[*strmSession]string{a: "PAUSED", b: strmTaken(a)})
	b.must(e, "start", "AUTO")
	strmWant(e, u, map[*strmSession]string{a: "PAUSED", b: "PLAYING"})
	a.mustFail(e, "resume", "AUTO", http.StatusUnprocessableEntity, "MAX_CONCURRENCY_REACHED")

	// stop frees it too.
	b.must(e, "stop", "")
	a.must(e, "resume", "AUTO")
	strmWant(e, u, map[*strmSession]string{a: "PLAYING", b: "STOPPED"})

	// progress keeps a stream alive; ten minutes without an event free it.
	e.clock.Advance(9 * time.Minute)
	a.must(e, "progress", "")
	e.clock.Advance(9 * time.Minute)
	b.mustFail(e, "start", "AUTO", http.StatusUnprocessableEntity, "MAX_CONCURRENCY_REACHED")
	e.clock.Advance(2 * time.Minute)
	strmWant(e, u, map[*strmSession]string{a: "STOPPED", b: "STOPPED"})
	b.must(e, "start", "AUTO")
	strmWant(e, u, map[*strmSession]string{a: "STOPPED", b: "PLAYING"})
}

func TestStreams_IdleFreed(t *testing.T) {
	e := newEnv(t)
	u := strmUser(e, "ida", 1)
	a, b := strmCreate(e, u, "dev-a"), strmCreate(e, u, "dev-b")
	a.must(e, "start", "")
	e.clock.Advance(11 * time.Minute)
	b.must(e, "start", "AUTO")
	strmWant(e, u, map[*strmSession]string{a: "STOPPED", b: "PLAYING"})
	// The idle session was not taken over: it may report, and claim
	// again by the usual rules.
	a.must(e, "progress", "")
	a.mustFail(e, "resume", "AUTO", http.StatusUnprocessableEntity, "MAX_CONCURRENCY_REACHED")
}

func TestStreams_MaxStreamsTwo(t *testing.T) {
	e := newEnv(t)
	u := strmUser(e, "fam", 2)
	s := []*strmSession{strmCreate(e, u, "dev-1"), strmCreate(e, u, "dev-2"), strmCreate(e, u, "dev-3")}
	s[0].must(e, "start", "AUTO")
	e.clock.Advance(time.Second)
	s[1].must(e, "start", "AUTO")
	e.clock.Advance(time.Second)
	pl := s[2].mustFail(e, "start", "AUTO", http.StatusUnprocessableEntity, "MAX_CONCURRENCY_REACHED")
	if pl["sessionId"] != s[0].id || pl["deviceId"] != s[0].dev {
		t.Fatalf("payload %v, want the oldest stream %s on %s", pl, s[0].id, s[0].dev)
	}
	strmWant(e, u, map[*strmSession]string{s[0]: "PLAYING", s[1]: "PLAYING", s[2]: "STOPPED"})
	s[2].must(e, "start", "FORCE")
	strmWant(e, u, map[*strmSession]string{s[0]: strmTaken(s[2]), s[1]: "PLAYING", s[2]: "PLAYING"})
}

func TestStreams_DuplicateStart(t *testing.T) {
	e := newEnv(t)
	u := strmUser(e, "dan", 1)
	a, b := strmCreate(e, u, "dev-a"), strmCreate(e, u, "dev-b")
	first := a.body("start", "", 1)
	send := func(s *strmSession, body map[string]any) map[string]any {
		return e.ok(req{Method: "POST", Path: "/v1/playback/event", Token: &s.tok, Device: &s.dev, Body: body})
	}
	if d := send(a, first); d["duplicate"] != false {
		t.Fatalf("first start: %v", d)
	}
	b.must(e, "start", "FORCE")
	want := map[*strmSession]string{a: strmTaken(b), b: "PLAYING"}
	strmWant(e, u, want)
	// The retry of a's start is answered as a duplicate and does not
	// claim the stream again.
	if d := send(a, first); d["duplicate"] != true || d["accepted"] != true {
		t.Fatalf("retried start: %v, want accepted duplicate", d)
	}
	strmWant(e, u, want)
	a.mustFail(e, "progress", "", http.StatusConflict, "STREAM_TAKEN_OVER")
}

// strmRace has every session send start with takeOverType AUTO at the
// same instant and returns the statuses and the winners.
func strmRace(e *env, ss []*strmSession) (map[int]int, []*strmSession) {
	e.t.Helper()
	start := make(chan struct{})
	status := make([]int, len(ss))
	var wg sync.WaitGroup
	for i, s := range ss {
		body := s.body("start", "AUTO", strmNextTS())
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			status[i] = e.do(req{Method: "POST", Path: "/v1/playback/event", Token: &s.tok, Device: &s.dev, Body: body}).Status
		}()
	}
	close(start)
	wg.Wait()
	count := map[int]int{}
	var won []*strmSession
	for i, st := range status {
		count[st]++
		if st == http.StatusOK {
			won = append(won, ss[i])
		}
	}
	return count, won
}

func strmPlaying(e *env, tok string) int {
	e.t.Helper()
	n := 0
	for _, st := range strmStates(e, tok) {
		if st == "PLAYING" {
			n++
		}
	}
	return n
}

func TestStreams_RaceTwoDevices(t *testing.T) {
	e := newEnv(t)
	u := strmUser(e, "rae", 1)
	for round := range 20 {
		ss := []*strmSession{strmCreate(e, u, "dev-a"), strmCreate(e, u, "dev-b")}
		count, won := strmRace(e, ss)
		if count[http.StatusOK] != 1 || count[http.StatusUnprocessableEntity] != 1 {
			t.Fatalf("round %d: statuses %v, want one 200 and one 422", round, count)
		}
		if n := strmPlaying(e, u); n != 1 {
			t.Fatalf("round %d: %d sessions PLAYING, want 1: %v", round, n, strmStates(e, u))
		}
		won[0].must(e, "stop", "")
	}
}

func TestStreams_RaceEightDevices(t *testing.T) {
	e := newEnv(t)
	u := strmUser(e, "oct", 1)
	var ss []*strmSession
	for i := range 8 {
		ss = append(ss, strmCreate(e, u, fmt.Sprintf("dev-%d", i)))
	}
	count, won := strmRace(e, ss)
	if count[http.StatusOK] != 1 || count[http.StatusUnprocessableEntity] != 7 {
		t.Fatalf("statuses %v, want one 200 and seven 422", count)
	}
	if n := strmPlaying(e, u); n != 1 {
		t.Fatalf("%d sessions PLAYING, want 1: %v", n, strmStates(e, u))
	}
	// The losers' AUTO claims now name the winner.
	for _, s := range ss {
		if s != won[0] {
			pl := s.mustFail(e, "start", "AUTO", http.StatusUnprocessableEntity, "MAX_CONCURRENCY_REACHED")
			if pl["sessionId"] != won[0].id || pl["deviceId"] != won[0].dev {
				t.Fatalf("payload %v, want the winner %s on %s", pl, won[0].id, won[0].dev)
			}
		}
	}
}
