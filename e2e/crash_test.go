package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestCrash kills the server with SIGKILL at random moments while clients
// drive it, restarts it on the same data, and checks that what was
// acknowledged is there: each acknowledged version, each Idempotency-Key's
// answer, each event; and that the queues are whole.
func TestCrash(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { crashTest(t, sqliteStore(t)) })
	t.Run("postgres", func(t *testing.T) { crashTest(t, postgresStore(t)) })
}

// restartable is the one server of a crash test, replaced at each kill.
type restartable struct {
	mu  sync.Mutex
	srv *server
}

func (r *restartable) current() *server {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.srv
}

func (r *restartable) set(s *server) {
	r.mu.Lock()
	r.srv = s
	r.mu.Unlock()
}

// crashAck is an acknowledged (200) request and what it answered.
type crashAck struct {
	sess         *crashSession
	kind         string // create, next, queue/next, queue/last, event
	method, path string
	body         any
	key          string // Idempotency-Key
	session      string // the answer's session id (not for events)
	etag         int64  // 0 for events
	ref, metric  string // the window's first entity (changes); the event's metric id
	inserted     []string
	retried      bool // it was sent again after a transport error
}

// crashSession is one session, driven by one goroutine.
type crashSession struct {
	n       int
	api     *api
	id      string
	version int64  // expected: one per acknowledged change
	playing string // expected playbackState
	current string // the current entry after the last acknowledged move
	metric  string // the metric id of the current play
	acks    []*crashAck
	errs    []string
}

func (s *crashSession) fail(format string, args ...any) {
	s.errs = append(s.errs, fmt.Sprintf("session %d (%s): ", s.n, s.id)+fmt.Sprintf(format, args...))
}

// crashTracks is what each session plays: 8 tracks, looped.
const crashTracks = 8

func crashTest(t *testing.T, store []string) {
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(uint64(seed), 2))
	key := newAPIKey(t, store)
	accts := []account{
		newAccount(t, store, key, "crash0-"+randHex(3), 3),
		newAccount(t, store, key, "crash1-"+randHex(3), 3),
	}
	rs := &restartable{}
	rs.set(startServer(t, "crash-0", store))
	hc := newHTTPClient()
	defer hc.CloseIdleConnections()
	run := randHex(4)

	var (
		stop     atomic.Bool
		inFlight atomic.Int64
		wg       sync.WaitGroup
		sessions []*crashSession
	)
	maxOps := pick(5000, 50000) // per session, a bound on top of the time
	for n := range 6 {
		a := n % len(accts)
		s := &crashSession{n: n, api: &api{hc: hc, acct: accts[a], device: fmt.Sprintf("crash-device%d", n)}, playing: "STOPPED"}
		sessions = append(sessions, s)
		srng := rand.New(rand.NewPCG(uint64(seed), uint64(200+n)))
		wg.Go(func() { s.drive(rs, srng, run, &stop, &inFlight, maxOps) })
	}

	// Kill and restart at random moments while the sessions are driven.
	kills := pick(3, 10)
	minGap, maxGap := pick(300*time.Millisecond, 500*time.Millisecond), pick(1200*time.Millisecond, 3*time.Second)
	start := time.Now()
	for k := 1; k <= kills; k++ {
		gap := minGap + time.Duration(rng.Int64N(int64(maxGap-minGap)))
		time.Sleep(gap)
		old := rs.current()
		n := inFlight.Load()
		old.kill()
		hc.CloseIdleConnections()
		t0 := time.Now()
		s, err := launch(t, fmt.Sprintf("crash-%d", k), store)
		if err != nil {
			stop.Store(true)
			wg.Wait()
			t.Fatalf("restart %d: %v", k, err)
		}
		rs.set(s)
		t.Logf("kill %d/%d: SIGKILL after %v with %d requests in flight; restarted in %v", k, kills,
			gap.Round(time.Millisecond), n, time.Since(t0).Round(time.Millisecond))
	}
	time.Sleep(minGap)
	stop.Store(true)
	wg.Wait()
	t.Logf("load with %d kills took %v", kills, time.Since(start).Round(time.Millisecond))

	var all []*crashAck
	retried := 0
	for _, s := range sessions {
		for _, e := range s.errs {
			t.Error(e)
		}
		all = append(all, s.acks...)
		for _, a := range s.acks {
			if a.retried {
				retried++
			}
		}
	}
	t.Logf("%d acknowledged requests, %d of them after a transport error and a retry with the same key", len(all), retried)
	if t.Failed() {
		t.FailNow()
	}
	if retried == 0 {
		t.Errorf("no request was in flight at any kill: the test proved nothing about lost answers")
	}

	ctx := context.Background()
	base := rs.current().URL
	checkSessions := func(when string) {
		for _, s := range sessions {
			r := s.api.call(ctx, base, "GET", "/v1/playback/sessions/"+s.id+"/current", nil, nil)
			if r.Err != nil || r.Status != 200 {
				t.Errorf("%s: session %d: current: %s", when, s.n, r)
				continue
			}
			var maxAck int64
			for _, a := range s.acks {
				maxAck = max(maxAck, a.etag)
			}
			if r.ETag < maxAck {
				t.Errorf("%s: session %d is at version %d, below the acknowledged %d: an acknowledged change was lost", when, s.n, r.ETag, maxAck)
			}
			if r.ETag != s.version {
				t.Errorf("%s: session %d is at version %d, want %d (one per acknowledged change, each applied once)", when, s.n, r.ETag, s.version)
			}
			if ref, _ := r.first(); ref != s.current {
				t.Errorf("%s: session %d's current entry is %s, want %s (that of the last acknowledged next)", when, s.n, ref, s.current)
			}
		}
	}
	checkSessions("after the last restart")

	// Every acknowledged request, sent again with its key, replays its
	// answer; every acknowledged event, sent again without one, is a
	// duplicate.
	var mu sync.Mutex
	var replayErrs []string
	jobs := make(chan *crashAck)
	var rw sync.WaitGroup
	for range 6 {
		rw.Go(func() {
			for a := range jobs {
				if msg := a.replay(ctx, base); msg != "" {
					mu.Lock()
					replayErrs = append(replayErrs, msg)
					mu.Unlock()
				}
			}
		})
	}
	for _, a := range all {
		jobs <- a
	}
	close(jobs)
	rw.Wait()
	for i, e := range replayErrs {
		if i == 20 {
			t.Errorf("… and %d more", len(replayErrs)-20)
			break
		}
		t.Error(e)
	}

	// The replays changed nothing; the queues are whole; the active list
	// shows what the events said.
	checkSessions("after the replays")
	for _, s := range sessions {
		refs, etags, err := walkQueue(ctx, s.api, base, s.id, 7)
		if err != nil {
			t.Errorf("session %d: %v", s.n, err)
			continue
		}
		want := crashTracks
		seen := map[string]bool{}
		for _, r := range refs {
			if seen[r] {
				t.Errorf("session %d: the queue lists entry %s twice", s.n, r)
			}
			seen[r] = true
		}
		for _, a := range s.acks {
			want += len(a.inserted)
			for _, r := range a.inserted {
				if !seen[r] {
					t.Errorf("session %d: the acknowledged inserted entry %s is not in the queue", s.n, r)
				}
			}
		}
		if len(refs) != want {
			t.Errorf("session %d: the queue has %d entries, want %d (%d tracks and the acknowledged inserts)", s.n, len(refs), want, crashTracks)
		}
		if !seen[s.current] {
			t.Errorf("session %d: the current entry %s is not in the queue", s.n, s.current)
		}
		for _, e := range etags {
			if e != s.version {
				t.Errorf("session %d: a queue page has ETag %d, want %d", s.n, e, s.version)
				break
			}
		}
	}
	for _, acct := range accts {
		a := &api{hc: hc, acct: acct, device: "crash-checker"}
		r := a.call(ctx, base, "GET", "/v1/playback/sessions/active", nil, nil)
		if r.Err != nil || r.Status != 200 {
			t.Errorf("active: %s", r)
			continue
		}
		states := map[string]string{}
		for _, e := range r.Body.Data.Entities {
			states[e.SessionID] = e.PlaybackState
		}
		for _, s := range sessions {
			if s.api.acct == acct && states[s.id] != s.playing {
				t.Errorf("session %d: active lists it %q, want %q (its last acknowledged event)", s.n, states[s.id], s.playing)
			}
		}
	}
}

// eventCycle is the events each session reports in turn: each start,
// pause, resume and stop changes its stream state, so each is one change
// of the session's version; progress is none.
var eventCycle = []string{"start", "progress", "pause", "resume", "progress", "stop"}

// drive creates the session and changes it until stop, each request with
// an Idempotency-Key and sent again with it after a transport error.
func (s *crashSession) drive(rs *restartable, rng *rand.Rand, run string, stop *atomic.Bool, inFlight *atomic.Int64, maxOps int) {
	seq := 0
	send := func(kind, method, path string, body any) *crashAck {
		seq++
		a := &crashAck{sess: s, kind: kind, method: method, path: path, body: body,
			key: fmt.Sprintf("crash-%s-s%d-%d", run, s.n, seq)}
		hdr := map[string]string{"Idempotency-Key": a.key}
		deadline := time.Now().Add(60 * time.Second)
		for {
			srv := rs.current()
			inFlight.Add(1)
			r := s.api.call(context.Background(), srv.URL, method, path, body, hdr)
			inFlight.Add(-1)
			if r.Err == nil {
				if r.Status != 200 {
					s.fail("%s %s (key %s): %s", method, path, a.key, r)
					return nil
				}
				a.etag = r.ETag
				a.ref, a.metric = r.first()
				if len(r.Body.Data.Entities) > 0 {
					a.session = r.Body.Data.Entities[0].SessionID
				}
				a.inserted = r.Body.Data.InsertedEntityReferenceIds
				if kind == "event" {
					a.metric = r.Body.Data.MetricID
					if !r.Body.Data.Accepted || r.Body.Data.Duplicate == nil || *r.Body.Data.Duplicate {
						s.fail("event (key %s) answered %s, want accepted and not a duplicate", a.key, r)
					}
				}
				s.acks = append(s.acks, a)
				return a
			}
			// No answer: the server was killed (or the connection was an
			// old one). The change may or may not have applied; the same
			// key after the restart must answer 200 either way.
			a.retried = true
			if time.Now().After(deadline) {
				s.fail("%s %s (key %s): no answer for 60s: %s", method, path, a.key, r)
				return nil
			}
			for range 100 {
				time.Sleep(20 * time.Millisecond)
				if rs.current() != srv {
					break
				}
			}
		}
	}

	tracks := make([]string, crashTracks)
	first := 1 + rng.IntN(3400)
	for k := range tracks {
		tracks[k] = trackID(first + k)
	}
	c := send("create", "POST", "/v1/playback/sessions", createBody(tracks, "LOOP_ALL"))
	if c == nil {
		return
	}
	s.id, s.current, s.metric, s.version = c.session, c.ref, c.metric, 1
	if c.etag != 1 {
		s.fail("create answered version %d, want 1", c.etag)
	}
	sp := "/v1/playback/sessions/" + s.id
	events, tsBase := 0, time.Now().UnixMilli()
	for n := 0; n < maxOps && !stop.Load(); n++ {
		var a *crashAck
		switch roll := rng.IntN(100); {
		case roll < 40:
			if a = send("next", "GET", sp+"/next?limit=2", nil); a != nil {
				s.current, s.metric = a.ref, a.metric
			}
		case roll < 55:
			a = send("queue/next", "POST", sp+"/queue/next", map[string]any{"playParams": map[string]any{"id": trackID(1 + rng.IntN(3500))}})
		case roll < 70:
			n := 1 + rng.IntN(3000)
			a = send("queue/last", "POST", sp+"/queue/last", map[string]any{"playParams": map[string]any{"containerIds": []string{trackID(n), trackID(n + 1)}}})
		default:
			typ := eventCycle[events%len(eventCycle)]
			events++
			body := eventBody(s.metric, typ, tsBase+int64(events), "")
			if a = send("event", "POST", "/v1/playback/event", body); a == nil {
				return
			}
			if typ != "progress" {
				s.version++
				s.playing = map[string]string{"start": "PLAYING", "resume": "PLAYING", "pause": "PAUSED", "stop": "STOPPED"}[typ]
			}
			continue
		}
		if a == nil {
			return
		}
		s.version++
		if a.etag != s.version {
			s.fail("%s (key %s) answered version %d, want %d", a.kind, a.key, a.etag, s.version)
			s.version = a.etag
		}
		if a.kind != "next" && a.ref != s.current {
			s.fail("%s (key %s) moved the current entry from %s to %s", a.kind, a.key, s.current, a.ref)
		}
		if a.kind != "next" && len(a.inserted) == 0 {
			s.fail("%s (key %s) answered no insertedEntityReferenceIds", a.kind, a.key)
		}
	}
}

// replay sends the acknowledged request again with its key and requires
// the first answer; an event is then sent once more without a key and
// must be a duplicate. It returns what is wrong, or "".
func (a *crashAck) replay(ctx context.Context, base string) string {
	s := a.sess
	what := fmt.Sprintf("session %d: %s %s %s (key %s, retried %v)", s.n, a.kind, a.method, a.path, a.key, a.retried)
	r := s.api.call(ctx, base, a.method, a.path, a.body, map[string]string{"Idempotency-Key": a.key})
	if r.Err != nil || r.Status != 200 {
		return fmt.Sprintf("%s: sent again with its key: %s", what, r)
	}
	if a.kind == "event" {
		d := r.Body.Data
		if d.MetricID != a.metric || !d.Accepted || d.Duplicate == nil || *d.Duplicate {
			return fmt.Sprintf("%s: sent again with its key: %s, want the first answer (metricId %s, accepted, not a duplicate)", what, r, a.metric)
		}
		r = s.api.call(ctx, base, a.method, a.path, a.body, nil)
		if r.Err != nil || r.Status != 200 || r.Body.Data.Duplicate == nil || !*r.Body.Data.Duplicate {
			return fmt.Sprintf("%s: sent again without a key: %s, want a duplicate: the acknowledged event was lost", what, r)
		}
		return ""
	}
	ref, metric := r.first()
	var session string
	if len(r.Body.Data.Entities) > 0 {
		session = r.Body.Data.Entities[0].SessionID
	}
	if r.ETag != a.etag || ref != a.ref || metric != a.metric || session != a.session ||
		!slices.Equal(r.Body.Data.InsertedEntityReferenceIds, a.inserted) {
		return fmt.Sprintf("%s: sent again with its key: %s; the first answer was ETag %d, session %s, entry %s, metric %s, inserted %v",
			what, r, a.etag, a.session, a.ref, a.metric, a.inserted)
	}
	return ""
}
