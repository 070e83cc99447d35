package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
)

// linSession is one session of the linearizability test.
type linSession struct {
	acct, idx int
	id        string
	api       *api
	window    []string // the create answer's window: restore targets

	mu     sync.Mutex
	metric string // the metric id of a play that has started
}

func (s *linSession) setMetric(r *reply) {
	if _, m := r.first(); m != "" && r.Status == 200 {
		s.mu.Lock()
		s.metric = m
		s.mu.Unlock()
	}
}

func (s *linSession) getMetric() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.metric
}

// recorder collects the history: every answered request as a porcupine
// operation, with call and return times on one monotonic clock.
type recorder struct {
	t0 time.Time

	mu         sync.Mutex
	ops        []porcupine.Operation
	unexpected []string
	counts     map[string]int
}

func (r *recorder) now() int64 { return time.Since(r.t0).Nanoseconds() }

func (r *recorder) add(client int, call, ret int64, in linInput, out linOutput) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ops = append(r.ops, porcupine.Operation{ClientId: client, Input: in, Call: call, Output: out, Return: ret})
	key := in.Kind.String() + " " + strconv.Itoa(out.Status) + " " + out.Code
	if in.Kind == kEvent && out.Status == 200 && in.TakeOver != "AUTO" && (in.Event == "start" || in.Event == "resume") {
		key = "event claim " + in.TakeOver + " 200"
	}
	r.counts[key]++
}

// fail records an answer that is neither in the contract nor checkable.
func (r *recorder) fail(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.unexpected = append(r.unexpected, fmt.Sprintf(format, args...))
}

// TestLinearizable runs three servers on one PostgreSQL database and
// concurrent clients on several devices of several accounts, each request
// to a server picked at random; then it checks that the history is
// linearizable against the specification in model_test.go.
func TestLinearizable(t *testing.T) {
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(uint64(seed), 1))
	store := postgresStore(t)
	setupStart := time.Now()
	key := newAPIKey(t, store)
	perAccount := []int{3, 2, 3} // sessions (devices) per account
	accts := make([]account, len(perAccount))
	for a := range accts {
		accts[a] = newAccount(t, store, key, fmt.Sprintf("lin%d-%s", a, randHex(3)), 1)
	}

	// Three instances started together on the empty database.
	servers := make([]*server, 3)
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i := range servers {
		wg.Go(func() { servers[i], errs[i] = launch(t, fmt.Sprintf("lin-server%d", i), store) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("server %d: %v", i, err)
		}
	}
	t.Logf("setup (admin commands, 3 servers) took %v", time.Since(setupStart).Round(time.Millisecond))

	const clients = 7
	hc := newHTTPClient()
	defer hc.CloseIdleConnections()
	rec := &recorder{t0: time.Now(), counts: map[string]int{}}
	ctx := context.Background()

	// Create the sessions, as client `clients` (recorded: the model
	// starts from no session).
	var sessions []*linSession
	byID := make([]map[string]int, len(accts))
	for a, n := range perAccount {
		byID[a] = map[string]int{}
		for j := range n {
			s := &linSession{acct: a, idx: j, api: &api{hc: hc, acct: accts[a], device: deviceOf(a, j)}}
			tracks := make([]string, 12)
			first := 1 + rng.IntN(3400)
			for k := range tracks {
				tracks[k] = trackID(first + k)
			}
			call := rec.now()
			r := s.api.call(ctx, servers[rng.IntN(3)].URL, "POST", "/v1/playback/sessions", createBody(tracks, "LOOP_OFF"), nil)
			ret := rec.now()
			if r.Err != nil || r.Status != 200 || len(r.Body.Data.Entities) != 3 {
				t.Fatalf("create session: %s", r)
			}
			s.id = r.Body.Data.Entities[0].SessionID
			for _, e := range r.Body.Data.Entities {
				s.window = append(s.window, e.EntityReferenceID)
			}
			s.setMetric(r)
			byID[a][s.id] = j
			ref, _ := r.first()
			rec.add(clients, call, ret, linInput{Acct: a, Sess: j, Kind: kCreate, Loop: "LOOP_OFF"},
				linOutput{Status: 200, Version: r.ETag, Ref: ref, Holder: -1})
			sessions = append(sessions, s)
		}
	}

	load := pick(5*time.Second, 30*time.Second)
	maxOps := pick(20000, 200000) // per client, a bound on top of the time
	var eventClock atomic.Int64
	eventClock.Store(time.Now().UnixMilli())
	deadline := time.Now().Add(load)
	for c := range clients {
		crng := rand.New(rand.NewPCG(uint64(seed), uint64(100+c)))
		wg.Go(func() {
			lin := &linClient{id: c, rng: crng, rec: rec, servers: servers, byID: byID,
				lastSeen: map[*linSession]int64{}, eventClock: &eventClock}
			for n := 0; n < maxOps && time.Now().Before(deadline); n++ {
				lin.do(ctx, sessions[crng.IntN(len(sessions))])
			}
		})
	}
	wg.Wait()

	rec.mu.Lock()
	history, unexpected := rec.ops, rec.unexpected
	keys := make([]string, 0, len(rec.counts))
	for k := range rec.counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("%6d × %s", rec.counts[k], k)
	}
	counts := rec.counts
	rec.mu.Unlock()
	t.Logf("%d operations in %v from %d clients over 3 servers", len(history), load, clients)
	for i, u := range unexpected {
		if i == 20 {
			t.Errorf("… and %d more", len(unexpected)-20)
			break
		}
		t.Errorf("unexpected answer: %s", u)
	}
	if len(unexpected) > 0 {
		t.Fatalf("%d answers outside the contract: the history is incomplete, so it is not checked", len(unexpected))
	}
	// The run must have exercised what it claims to check.
	for _, k := range []string{"next 200 ", "next 412 PRECONDITION_FAILED", "current 200 ", "event 200 ",
		"event 422 MAX_CONCURRENCY_REACHED", "event 409 STREAM_TAKEN_OVER", "shuffle 200 ", "queue/next 200 "} {
		if counts[k] == 0 {
			t.Errorf("the run never saw %q", k)
		}
	}

	var noActive []porcupine.Operation
	for _, op := range history {
		if op.Input.(linInput).Kind != kActive {
			noActive = append(noActive, op)
		}
	}
	checkTimeout := pick(2*time.Minute, 5*time.Minute)
	t.Run("sessions and streams", func(t *testing.T) {
		// Versions, current entries, If-Match, loop and shuffle, events
		// and stream claims over current, next, previous, restore, the
		// inserts, loop, shuffle and POST /event.
		if res := checkHistory(t, noActive, checkTimeout); res != porcupine.Ok {
			t.Errorf("the history is not linearizable: %s", res)
		}
	})
	t.Run("active sessions list", func(t *testing.T) {
		// The same, with the reads of GET /sessions/active: each session's
		// current entry, modes and playbackState must be one state of the
		// account.
		if res := checkHistory(t, history, checkTimeout); res != porcupine.Ok {
			t.Errorf("the history with GET /sessions/active is not linearizable: %s", res)
			explainReads(t, noActive, history, kActive)
		}
	})
	t.Run("negative control", func(t *testing.T) {
		negativeControls(t, noActive, checkTimeout)
	})
}

// linClient is one client goroutine of TestLinearizable.
type linClient struct {
	id         int
	rng        *rand.Rand
	rec        *recorder
	servers    []*server
	byID       []map[string]int
	lastSeen   map[*linSession]int64 // the last version this client saw
	eventClock *atomic.Int64
}

// do sends one random request about s and records it.
func (c *linClient) do(ctx context.Context, s *linSession) {
	base := c.servers[c.rng.IntN(len(c.servers))].URL
	in := linInput{Acct: s.acct, Sess: s.idx}
	var method, path string
	var body any
	hdr := map[string]string{}
	sp := "/v1/playback/sessions/" + s.id
	roll := c.rng.IntN(100)
	switch {
	case roll < 18:
		in.Kind, method, path = kCurrent, "GET", sp+"/current?limit=2"
	case roll < 32:
		in.Kind, method, path = kNext, "GET", sp+"/next"
	case roll < 40:
		in.Kind, method, path = kPrevious, "GET", sp+"/previous"
	case roll < 44:
		in.Kind, method, path = kRestore, "GET", ""
		in.Ref = s.window[c.rng.IntN(len(s.window))]
		path = sp + "/entities/" + in.Ref
	case roll < 49:
		in.Kind, method, path = kQueueNext, "POST", sp+"/queue/next"
		body = map[string]any{"playParams": map[string]any{"id": trackID(1 + c.rng.IntN(3500))}}
	case roll < 53:
		in.Kind, method, path = kQueueLast, "POST", sp+"/queue/last"
		n := 1 + c.rng.IntN(3000)
		body = map[string]any{"playParams": map[string]any{"containerIds": []string{trackID(n), trackID(n + 1)}}}
	case roll < 58:
		in.Kind, method, path = kLoop, "PUT", sp+"/loop"
		in.Loop = []string{"LOOP_OFF", "LOOP_ONE", "LOOP_ALL"}[c.rng.IntN(3)]
		body = map[string]any{"loopMode": in.Loop}
	case roll < 62:
		in.Kind, method, path = kShuffle, "PUT", sp+"/shuffle"
		in.Shuffle = c.rng.IntN(2) == 0
		mode := "SHUFFLE_OFF"
		if in.Shuffle {
			mode = "SHUFFLE_ON"
		}
		body = map[string]any{"shuffleMode": mode}
	case roll < 90:
		in.Kind, method, path = kEvent, "POST", "/v1/playback/event"
		e := c.rng.IntN(100)
		switch {
		case e < 35:
			in.Event = "start"
		case e < 50:
			in.Event = "resume"
		case e < 68:
			in.Event = "pause"
		case e < 75:
			in.Event = "stop"
		default:
			in.Event = "progress"
		}
		if in.Event == "start" || in.Event == "resume" {
			in.TakeOver = []string{"", "AUTO", "AUTO", "FORCE"}[c.rng.IntN(4)]
		}
		body = eventBody(s.getMetric(), in.Event, c.eventClock.Add(1), in.TakeOver)
	default:
		in.Kind, method, path = kActive, "GET", "/v1/playback/sessions/active"
	}
	if in.Kind.changes() && c.rng.IntN(3) == 0 {
		if v := c.lastSeen[s]; v > 0 {
			in.IfMatch = v
			hdr["If-Match"] = fmt.Sprintf(`"%d"`, v)
		}
	}

	call := c.rec.now()
	r := s.api.call(ctx, base, method, path, body, hdr)
	ret := c.rec.now()
	if r.Err != nil || r.Status >= 500 {
		c.rec.fail("%s %s%s: %s", method, base, path, r)
		return
	}
	out := linOutput{Status: r.Status, Code: r.code(), Holder: -1}
	switch {
	case in.Kind == kCurrent || in.Kind.changes():
		if r.Status == 200 || r.Status == 412 {
			out.Version = r.ETag
			c.lastSeen[s] = max(c.lastSeen[s], r.ETag)
		}
		if r.Status == 412 {
			if pv, _ := r.Body.Error.Payload["version"].(float64); int64(pv) != r.ETag {
				c.rec.fail("%s %s: 412 with ETag %d but payload.version %v", method, path, r.ETag, r.Body.Error.Payload["version"])
			}
		}
		out.Ref, _ = r.first()
		s.setMetric(r)
	case in.Kind == kEvent:
		if r.Body.Data.Duplicate != nil {
			out.Duplicate = *r.Body.Data.Duplicate
		}
		if r.Status == 200 && (!r.Body.Data.Accepted || r.Body.Data.Duplicate == nil) {
			c.rec.fail("event: 200 without accepted and duplicate: %s", r)
		}
		if r.Body.Error != nil {
			sid, _ := r.Body.Error.Payload["sessionId"].(string)
			out.HolderDevice, _ = r.Body.Error.Payload["deviceId"].(string)
			if j, ok := c.byID[s.acct][sid]; ok {
				out.Holder = j
			}
		}
	case in.Kind == kActive:
		if r.Body.Data.PageInfo.HasNextPage {
			c.rec.fail("active: a second page with %d sessions", len(r.Body.Data.Entities))
		}
		for _, e := range r.Body.Data.Entities {
			j, ok := c.byID[s.acct][e.SessionID]
			if !ok || out.Active[j].Present {
				c.rec.fail("active: session %s is not one of the account's or is listed twice", e.SessionID)
				return
			}
			row := activeRow{Present: true, Ref: e.EntityReferenceID, Loop: e.LoopMode, Shuffle: e.ShuffleMode,
				State: e.PlaybackState, TakenBy: -1}
			if e.TakenOverBy != nil {
				row.TakenBy = -2 // named but not one of the account's sessions
				if k, ok := c.byID[s.acct][e.TakenOverBy.SessionID]; ok && e.TakenOverBy.DeviceID == deviceOf(s.acct, k) {
					row.TakenBy = k
				}
			}
			out.Active[j] = row
		}
	}
	c.rec.add(c.id, call, ret, in, out)
}

// negativeControls corrupts the recorded history in ways no server may
// answer and requires the checker to refuse each: the proof that the
// check above can fail.
func negativeControls(t *testing.T, h []porcupine.Operation, timeout time.Duration) {
	type sk struct{ acct, sess int }
	key := func(op porcupine.Operation) sk {
		in := op.Input.(linInput)
		return sk{in.Acct, in.Sess}
	}
	changed := func(op porcupine.Operation) bool {
		return op.Input.(linInput).Kind.changes() && op.Output.(linOutput).Status == 200
	}
	corruptions := map[string]func() []porcupine.Operation{
		// A read that returns the version before a change that had
		// already returned when the read was sent: a stale read.
		"stale read": func() []porcupine.Operation {
			for _, c := range h {
				if !changed(c) {
					continue
				}
				for i, r := range h {
					if key(r) == key(c) && r.Input.(linInput).Kind == kCurrent && r.Call > c.Return {
						out := r.Output.(linOutput)
						out.Version = c.Output.(linOutput).Version - 1
						return with(h, i, out)
					}
				}
			}
			return nil
		},
		// Two changes of one session, one after the other, with their
		// answers swapped: the later change answers the older version.
		"swapped answers": func() []porcupine.Operation {
			for i, a := range h {
				if !changed(a) {
					continue
				}
				for j, b := range h {
					if changed(b) && key(a) == key(b) && b.Call > a.Return {
						return with(with(h, i, b.Output.(linOutput)), j, a.Output.(linOutput))
					}
				}
			}
			return nil
		},
		// A 412 that reports the very version its If-Match named.
		"412 at the matching version": func() []porcupine.Operation {
			for i, op := range h {
				if out := op.Output.(linOutput); out.Status == 412 {
					out.Version = op.Input.(linInput).IfMatch
					return with(h, i, out)
				}
			}
			return nil
		},
		// A 422 MAX_CONCURRENCY_REACHED that names the claiming session
		// itself as the holder.
		"422 naming the claimant": func() []porcupine.Operation {
			for i, op := range h {
				if out := op.Output.(linOutput); out.Status == 422 {
					in := op.Input.(linInput)
					out.Holder, out.HolderDevice = in.Sess, deviceOf(in.Acct, in.Sess)
					return with(h, i, out)
				}
			}
			return nil
		},
	}
	names := make([]string, 0, len(corruptions))
	for name := range corruptions {
		names = append(names, name)
	}
	sort.Strings(names)
	quietIllegal = true
	defer func() { quietIllegal = false }()
	for _, name := range names {
		bad := corruptions[name]()
		if bad == nil {
			t.Errorf("%s: the history holds nothing to corrupt", name)
			continue
		}
		if res := checkHistory(t, bad, timeout); res != porcupine.Illegal {
			t.Errorf("%s: the checker says %s of a corrupted history, want Illegal", name, res)
		}
	}
}

// with returns a copy of h whose i-th operation answers out.
func with(h []porcupine.Operation, i int, out linOutput) []porcupine.Operation {
	c := append([]porcupine.Operation(nil), h...)
	c[i].Output = out
	return c
}

// explainReads finds the reads of the given kind that cannot be placed in
// the otherwise linearizable history base, one at a time, and logs the
// first few with the operations of their account that overlap them.
func explainReads(t *testing.T, base, all []porcupine.Operation, kind opKind) {
	t.Helper()
	found := 0
	for _, r := range all {
		in := r.Input.(linInput)
		if in.Kind != kind {
			continue
		}
		var h []porcupine.Operation // the read's account only: its own partition
		for _, op := range base {
			if op.Input.(linInput).Acct == in.Acct {
				h = append(h, op)
			}
		}
		h = append(h, r)
		if porcupine.CheckOperationsTimeout(segueModel, h, 10*time.Second) != porcupine.Illegal {
			continue
		}
		found++
		t.Logf("this read fits no state of account %d: [%d, %d] client %d: %s", in.Acct, r.Call, r.Return, r.ClientId,
			segueModel.DescribeOperation(r.Input, r.Output))
		for _, op := range base {
			o := op.Input.(linInput)
			if o.Acct == in.Acct && op.Return >= r.Call-20e6 && op.Call <= r.Return+20e6 {
				t.Logf("    nearby [%d, %d] client %d: %s", op.Call, op.Return, op.ClientId, segueModel.DescribeOperation(op.Input, op.Output))
			}
		}
		if found == 3 {
			t.Logf("(only the first 3 are shown)")
			return
		}
	}
	t.Logf("%d %s reads fit no state on their own", found, kind)
}
