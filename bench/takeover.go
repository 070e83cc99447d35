package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
)

// opTakeover is one device of the takeover listener, which may stream on
// one device, reporting an event of its play: 40% start (with no
// takeOverType, AUTO or FORCE, equally), 40% progress, 20% pause. Every
// answer must be one of the documented ones:
//   - start without takeOverType or with FORCE: 200 (it takes the stream
//     over if another device holds it);
//   - start with AUTO: 200, or 422 MAX_CONCURRENCY_REACHED naming another
//     of the listener's sessions and its device;
//   - progress and pause: 200, or 409 STREAM_TAKEN_OVER naming the
//     session and device that took the stream.
func opTakeover(ctx context.Context, w *worker, s *session) error {
	kind, mode := "progress", ""
	switch r := w.rng.IntN(10); {
	case r < 4:
		kind, mode = "start", []string{"", "AUTO", "FORCE"}[w.rng.IntN(3)]
	case r >= 8:
		kind = "pause"
	}
	ev := w.eventJSON(s, kind)
	if mode != "" {
		ev["options"] = map[string]any{"takeOverType": mode}
	}
	body, _ := json.Marshal(ev)
	a, err := w.exchange(ctx, call{method: "POST", path: "/v1/playback/event", token: s.token, device: s.device, body: body})
	if err != nil {
		return err
	}
	label := kind
	if mode != "" {
		label += " " + mode
	}
	fail := func(err error) error { return fmt.Errorf("POST /event (%s): %w", label, err) }
	var outcome string
	switch {
	case a.status == 200:
		if err := checkEvent(a, s.metric); err != nil {
			return fail(err)
		}
		outcome = "200"
	case a.status == 422 && mode == "AUTO":
		e, err := checkError(a, 422, "MAX_CONCURRENCY_REACHED")
		if err != nil {
			return fail(err)
		}
		if err := w.b.otherDevice(s, e.Payload); err != nil {
			return fail(err)
		}
		outcome = "422 MAX_CONCURRENCY_REACHED"
	case a.status == 409 && kind != "start":
		e, err := checkError(a, 409, "STREAM_TAKEN_OVER")
		if err != nil {
			return fail(err)
		}
		if err := w.b.otherDevice(s, e.Payload); err != nil {
			return fail(err)
		}
		outcome = "409 STREAM_TAKEN_OVER"
	default:
		return fail(fmt.Errorf("status %d is not a documented answer: %s", a.status, snippet(a.body)))
	}
	w.outcomes[label+": "+outcome]++
	return nil
}

// otherDevice checks that an error payload names another session of the
// takeover listener, with that session's device.
func (b *Bench) otherDevice(s *session, payload map[string]any) error {
	sid, _ := payload["sessionId"].(string)
	dev, _ := payload["deviceId"].(string)
	if sid == s.id {
		return fmt.Errorf("payload %v names the session itself", payload)
	}
	for _, o := range b.pools[takeoverPool].sessions {
		if o.id == sid {
			if o.device != dev {
				return fmt.Errorf("payload %v: session %s is on device %s", payload, sid, o.device)
			}
			return nil
		}
	}
	return fmt.Errorf("payload %v names no session of the listener", payload)
}

// checkStreams checks, after the takeover scenario, that the listener's
// sessions hold at most one stream between them: at most one of them is
// PLAYING in GET /sessions/active.
func (b *Bench) checkStreams(ctx context.Context) error {
	p := b.pools[takeoverPool]
	playing, cursor := 0, ""
	for page := 0; page < 1000; page++ {
		path := "/v1/playback/sessions/active?limit=100"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		a, err := b.cl.do(ctx, call{method: "GET", path: path, token: b.cfg.Creds.Solo, device: p.sessions[0].device})
		if err != nil {
			return err
		}
		var d struct {
			Entities []struct {
				PlaybackState string `json:"playbackState"`
			} `json:"entities"`
			PageInfo struct {
				HasNextPage bool   `json:"hasNextPage"`
				Token       string `json:"token"`
			} `json:"pageInfo"`
		}
		if err := decodeData(a, &d); err != nil {
			return fmt.Errorf("GET /sessions/active: %w", err)
		}
		for _, e := range d.Entities {
			if e.PlaybackState == "PLAYING" {
				playing++
			}
		}
		if !d.PageInfo.HasNextPage {
			break
		}
		cursor = d.PageInfo.Token
	}
	if playing > 1 {
		return fmt.Errorf("GET /sessions/active: %d sessions PLAYING for a listener with one stream", playing)
	}
	return nil
}
