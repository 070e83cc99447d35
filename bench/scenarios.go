package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"
)

// worker drives one connection's worth of load. It owns its sessions: no
// other worker touches them during a run, so it knows their state.
type worker struct {
	b        *Bench
	rng      *rand.Rand
	own      []*session
	pos      int
	sent     time.Time // when the op's request was sent
	done     time.Time // when its answer was read
	outcomes map[string]int64
}

// exchange sends the op's one measured request.
func (w *worker) exchange(ctx context.Context, c call) (*answer, error) {
	a, err := w.b.cl.do(ctx, c)
	if err != nil {
		w.sent, w.done = time.Now(), time.Now()
		return nil, err
	}
	w.sent, w.done = a.sent, a.done
	return a, nil
}

// session returns the worker's next session, round-robin.
func (w *worker) session() *session {
	if len(w.own) == 0 {
		return nil
	}
	s := w.own[w.pos%len(w.own)]
	w.pos++
	return s
}

// op is one measured request of a scenario (sent with worker.exchange)
// and its checks.
type op func(ctx context.Context, w *worker, s *session) error

// ops maps each scenario to its request.
var ops = map[string]op{
	Healthz:   opHealthz,
	Current:   opCurrent,
	Next:      opNext,
	QueueNext: opQueueNext,
	Shuffle:   opShuffle,
	Event:     opEvent,
	Events:    opEvents,
	Takeover:  opTakeover,
	Mixed:     opMixed,
}

func opHealthz(ctx context.Context, w *worker, _ *session) error {
	a, err := w.exchange(ctx, call{method: "GET", path: "/healthz"})
	if err != nil {
		return err
	}
	if err := checkHealthz(a); err != nil {
		return fmt.Errorf("GET /healthz: %w", err)
	}
	return nil
}

// windowCall sends a request that answers s's window and checks it.
func (w *worker) windowCall(ctx context.Context, s *session, method, path string, body []byte) (*window, error) {
	a, err := w.exchange(ctx, call{method: method, path: path, token: s.token, device: s.device, body: body})
	if err != nil {
		return nil, err
	}
	win, err := checkWindow(a, s.id)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, trimPath(path), err)
	}
	return win, nil
}

func sessionPath(s *session, rest string) string {
	return "/v1/playback/sessions/" + s.id + rest
}

// opCurrent reads the window: the current entry and its play must be the
// ones the session is known to be at, and the version must not go back.
func opCurrent(ctx context.Context, w *worker, s *session) error {
	path := sessionPath(s, "/current?limit=2")
	win, err := w.windowCall(ctx, s, "GET", path, nil)
	if err != nil {
		return err
	}
	e := win.Entities[0]
	if e.Ref != s.cur || e.MetricID != s.metric || win.Version < s.version {
		return fmt.Errorf("GET %s: at entry %s play %s version %d, want entry %s play %s version >= %d",
			trimPath(path), e.Ref, e.MetricID, win.Version, s.cur, s.metric, s.version)
	}
	s.see(win)
	return nil
}

// opNext moves one entry: to the entry the last window showed next, with
// a new play and a higher version.
func opNext(ctx context.Context, w *worker, s *session) error {
	path := sessionPath(s, "/next?limit=2")
	win, err := w.windowCall(ctx, s, "GET", path, nil)
	if err != nil {
		return err
	}
	e := win.Entities[0]
	if (s.upcoming != "" && e.Ref != s.upcoming) || e.MetricID == s.metric || win.Version <= s.version {
		return fmt.Errorf("GET %s: moved to entry %s play %s version %d, want entry %s, a play other than %s, version > %d",
			trimPath(path), e.Ref, e.MetricID, win.Version, s.upcoming, s.metric, s.version)
	}
	s.see(win)
	s.started, s.events, s.firstInsert = false, 0, ""
	return nil
}

// opQueueNext inserts a track after the current entry: the current entry
// stays, one new entry is inserted, and inserts stack, so the first
// insert since the last move is the next entry.
func opQueueNext(ctx context.Context, w *worker, s *session) error {
	track := w.b.cfg.TrackIDs[w.rng.IntN(len(w.b.cfg.TrackIDs))]
	body := []byte(`{"playParams":{"id":"` + track + `"}}`)
	path := sessionPath(s, "/queue/next?limit=2")
	win, err := w.windowCall(ctx, s, "POST", path, body)
	if err != nil {
		return err
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("POST %s: %s", trimPath(path), fmt.Sprintf(format, args...))
	}
	if len(win.Inserted) != 1 || win.Inserted[0] == "" {
		return bad("insertedEntityReferenceIds = %v, want one id", win.Inserted)
	}
	if win.Entities[0].Ref != s.cur || win.Version <= s.version || len(win.Entities) < 2 {
		return bad("window at entry %s version %d (%d entities), want entry %s, version > %d, 2 entities",
			win.Entities[0].Ref, win.Version, len(win.Entities), s.cur, s.version)
	}
	first, nextTrack := win.Entities[1].Ref, win.Entities[1].Track.ID
	if s.firstInsert == "" && (first != win.Inserted[0] || nextTrack != track) {
		return bad("next entry is %s (track %s), want the insert %s (track %s)", first, nextTrack, win.Inserted[0], track)
	}
	if s.firstInsert != "" && first != s.firstInsert {
		return bad("next entry is %s, want the first insert %s (inserts stack)", first, s.firstInsert)
	}
	s.see(win)
	s.firstInsert = first
	return nil
}

// opShuffle toggles shuffle: the current entry stays current.
func opShuffle(ctx context.Context, w *worker, s *session) error {
	mode := "SHUFFLE_ON"
	if s.shuffled {
		mode = "SHUFFLE_OFF"
	}
	path := sessionPath(s, "/shuffle?limit=2")
	win, err := w.windowCall(ctx, s, "PUT", path, []byte(`{"shuffleMode":"`+mode+`"}`))
	if err != nil {
		return err
	}
	if win.Entities[0].Ref != s.cur || win.Version <= s.version {
		return fmt.Errorf("PUT %s %s: at entry %s version %d, want entry %s, version > %d",
			trimPath(path), mode, win.Entities[0].Ref, win.Version, s.cur, s.version)
	}
	s.see(win)
	s.shuffled = !s.shuffled
	return nil
}

// eventJSON is one event of the current play of s: start first, then
// progress with a growing position; each has a new client timestamp.
func (w *worker) eventJSON(s *session, kind string) map[string]any {
	e := map[string]any{"type": kind, "clientTimestampInMilliseconds": w.b.timestamp()}
	if kind == "progress" {
		e["entityProgressSeconds"] = float64(s.events%60) * 5
	}
	s.events++
	return map[string]any{"metricId": s.metric, "event": e}
}

func (w *worker) nextEventKind(s *session) string {
	if !s.started {
		s.started = true
		return "start"
	}
	return "progress"
}

func opEvent(ctx context.Context, w *worker, s *session) error {
	body, _ := json.Marshal(w.eventJSON(s, w.nextEventKind(s)))
	a, err := w.exchange(ctx, call{method: "POST", path: "/v1/playback/event", token: s.token, device: s.device, body: body})
	if err != nil {
		return err
	}
	if err := checkEvent(a, s.metric); err != nil {
		return fmt.Errorf("POST /event: %w", err)
	}
	return nil
}

func opEvents(ctx context.Context, w *worker, s *session) error {
	evs := make([]map[string]any, BatchSize)
	for i := range evs {
		evs[i] = w.eventJSON(s, w.nextEventKind(s))
	}
	body, _ := json.Marshal(map[string]any{"events": evs})
	a, err := w.exchange(ctx, call{method: "POST", path: "/v1/playback/events", token: s.token, device: s.device, body: body})
	if err != nil {
		return err
	}
	if err := checkBatch(a, s.metric, BatchSize); err != nil {
		return fmt.Errorf("POST /events: %w", err)
	}
	return nil
}

// opMixed is 70% current, 20% next and 10% event.
func opMixed(ctx context.Context, w *worker, s *session) error {
	switch r := w.rng.IntN(100); {
	case r < 70:
		w.outcomes[Current]++
		return opCurrent(ctx, w, s)
	case r < 90:
		w.outcomes[Next]++
		return opNext(ctx, w, s)
	default:
		w.outcomes[Event]++
		return opEvent(ctx, w, s)
	}
}
