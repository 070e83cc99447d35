package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"
)

// session is what the bench knows of one session it created. Only the
// worker that owns it touches it during a run.
type session struct {
	id, device, token string
	cur, upcoming     string // entityReferenceIds: the current entry, and the one next vends
	metric            string // metricId of the current play
	version           int64  // the last version seen (ETag)
	started           bool   // a start event was reported for the current play
	events            int    // events reported for the current play
	shuffled          bool
	firstInsert       string // the first queue-next insert since the last move
}

// see updates what is known of s from a checked window.
func (s *session) see(w *window) {
	s.cur, s.metric, s.version = w.Entities[0].Ref, w.Entities[0].MetricID, w.Version
	s.upcoming = ""
	if len(w.Entities) > 1 {
		s.upcoming = w.Entities[1].Ref
	}
}

// pool is a set of sessions made alike.
type pool struct {
	name     string
	queue    int  // entries per session
	solo     bool // sessions of the takeover listener
	sessions []*session
}

// The pools.
const (
	mainPool     = "main"
	shufflePool  = "shuffle"
	takeoverPool = "takeover"
)

// poolOf names the pool a scenario plays on ("" for none).
func poolOf(scenario string) string {
	switch scenario {
	case Healthz:
		return ""
	case Shuffle:
		return shufflePool
	case Takeover:
		return takeoverPool
	}
	return mainPool
}

// SetupStep reports the making of a pool's sessions.
type SetupStep struct {
	Pool     string  `json:"pool"`
	Sessions int     `json:"sessions"`
	Queue    int     `json:"queue"`
	Seconds  float64 `json:"seconds"`
}

// ensurePool makes sure the pool holds at least n sessions, creating the
// missing ones with conc requests in flight.
func (b *Bench) ensurePool(ctx context.Context, name string, n, conc int) (*pool, error) {
	p := b.pools[name]
	if p == nil {
		p = &pool{name: name, queue: b.cfg.Queue}
		switch name {
		case shufflePool:
			p.queue = ShuffleQueue
		case takeoverPool:
			p.queue, p.solo = 1, true
		}
		b.pools[name] = p
	}
	have := len(p.sessions)
	if have >= n {
		return p, nil
	}
	fmt.Fprintf(b.cfg.Log, "bench: %screating %d sessions of %d entries (%s)...\n", b.prefix(), n-have, p.queue, name)
	start := time.Now()
	made := make([]*session, n-have)
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	for w := range min(conc, n-have) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(made); i += conc {
				s, err := b.createSession(ctx, p, have+i)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				stop := firstErr != nil
				mu.Unlock()
				if stop {
					return
				}
				made[i] = s
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, fmt.Errorf("bench: creating the %s sessions: %w", name, firstErr)
	}
	p.sessions = append(p.sessions, made...)
	took := time.Since(start)
	b.setup = append(b.setup, SetupStep{Pool: name, Sessions: len(made), Queue: p.queue, Seconds: took.Seconds()})
	fmt.Fprintf(b.cfg.Log, "bench: %s%d sessions created in %.1f s (%.0f/s)\n", b.prefix(), len(made), took.Seconds(), float64(len(made))/took.Seconds())
	return p, nil
}

// createSession creates the i-th session of a pool through the API: a
// queue of p.queue catalog tracks in LOOP_ALL, so that next never runs
// out, and checks the answer starts with the first track.
func (b *Bench) createSession(ctx context.Context, p *pool, i int) (*session, error) {
	s := &session{device: fmt.Sprintf("bench-%s-%d", p.name, i)}
	if p.solo {
		s.token = b.cfg.Creds.Solo
	} else {
		s.token = b.cfg.Creds.Tokens[i%len(b.cfg.Creds.Tokens)]
	}
	rng := rand.New(rand.NewPCG(uint64(b.cfg.Seed), uint64(i)<<8|uint64(len(p.name))))
	ids := make([]string, p.queue)
	for k := range ids {
		ids[k] = b.cfg.TrackIDs[rng.IntN(len(b.cfg.TrackIDs))]
	}
	params := map[string]any{"id": ids[0]}
	if len(ids) > 1 {
		params = map[string]any{"containerIds": ids}
	}
	body, _ := json.Marshal(map[string]any{
		"playParams":      params,
		"playbackOptions": map[string]any{"shuffleMode": "SHUFFLE_OFF", "loopMode": "LOOP_ALL"},
		"limit":           2,
	})
	a, err := b.cl.do(ctx, call{method: "POST", path: "/v1/playback/sessions", token: s.token, device: s.device, body: body})
	if err != nil {
		return nil, err
	}
	var first struct {
		Data struct {
			Entities []entity `json:"entities"`
		} `json:"data"`
	}
	if a.status == 200 && json.Unmarshal(a.body, &first) == nil && len(first.Data.Entities) > 0 {
		s.id = first.Data.Entities[0].SessionID
	}
	w, err := checkWindow(a, s.id)
	if err != nil {
		return nil, fmt.Errorf("POST /v1/playback/sessions: %w", err)
	}
	if got := w.Entities[0].Track.ID; got != ids[0] {
		return nil, fmt.Errorf("POST /v1/playback/sessions: plays %s first, want %s", got, ids[0])
	}
	s.see(w)
	return s, nil
}

// resync reads a session's state again after a failed check, so that one
// error does not make every later check of the session fail.
func (b *Bench) resync(ctx context.Context, s *session) {
	a, err := b.cl.do(ctx, call{method: "GET", path: "/v1/playback/sessions/" + s.id + "/current?limit=2", token: s.token, device: s.device})
	if err != nil {
		return
	}
	if w, err := checkWindow(a, s.id); err == nil {
		s.see(w)
		s.started, s.events, s.firstInsert = false, 0, ""
	}
}

func (b *Bench) prefix() string {
	if b.cfg.Label == "" {
		return ""
	}
	return b.cfg.Label + ": "
}

// trimPath shortens a session path for messages.
func trimPath(p string) string { return strings.TrimPrefix(p, "/v1/playback") }
