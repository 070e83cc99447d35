package playback

import (
	"time"

	"github.com/segue/segue"
)

// StreamState is what a session's stream is doing, as the active-sessions
// list shows it.
type StreamState string

// Stream states.
const (
	StatePlaying   StreamState = "PLAYING"
	StatePaused    StreamState = "PAUSED"
	StateStopped   StreamState = "STOPPED"
	StateTakenOver StreamState = "TAKEN_OVER"
)

// Take-over types of a claim (SPEC.md §5).
const (
	TakeOverDefault = "" // take over the oldest stream
	TakeOverAuto    = "AUTO"
	TakeOverForce   = "FORCE"
)

// DefaultStreamIdle is how long a stream lives without an event.
const DefaultStreamIdle = 10 * time.Minute

// Stream is one stream an account holds: a session playing on a device.
type Stream struct {
	SessionID   string
	DeviceID    string
	ClaimedAt   time.Time
	LastEventAt time.Time
}

// StreamStatus is a session's stream state and, when it was taken over,
// by which session and device.
type StreamStatus struct {
	State          StreamState
	TakenBySession string
	TakenByDevice  string
}

// Live splits an account's streams into those still live and those idle
// longer than idle (freed, so that a crashed device never blocks an
// account).
func Live(streams []Stream, now time.Time, idle time.Duration) (live, stale []Stream) {
	for _, s := range streams {
		if now.Sub(s.LastEventAt) > idle {
			stale = append(stale, s)
		} else {
			live = append(live, s)
		}
	}
	return live, stale
}

// Claim decides a claim of a stream by sessionID over the account's live
// streams, of which it may hold max. Within the limit nothing is taken
// over. Over it: AUTO refuses with MAX_CONCURRENCY_REACHED naming the
// oldest stream's session and device; FORCE and the default take the
// oldest stream over and return it.
func Claim(live []Stream, max int, sessionID, takeOver string) (*Stream, error) {
	var oldest *Stream
	for i := range live {
		if live[i].SessionID == sessionID {
			return nil, nil // it holds one already
		}
		if oldest == nil || live[i].ClaimedAt.Before(oldest.ClaimedAt) {
			oldest = &live[i]
		}
	}
	if len(live) < max || oldest == nil {
		return nil, nil
	}
	if takeOver == TakeOverAuto {
		e := segue.Errorf(segue.EMaxConcurrency, "the account already streams on %d device(s); send takeOverType FORCE to take over", len(live))
		e.Payload = map[string]any{"sessionId": oldest.SessionID, "deviceId": oldest.DeviceID}
		return nil, e
	}
	victim := *oldest
	return &victim, nil
}

// Effective returns the state to show for a session: a PLAYING session
// whose stream has gone idle or is gone shows STOPPED.
func Effective(st StreamStatus, held *Stream, now time.Time, idle time.Duration) StreamStatus {
	if st.State == StatePlaying && (held == nil || now.Sub(held.LastEventAt) > idle) {
		st.State = StateStopped
	}
	if st.State == "" {
		st.State = StateStopped
	}
	return st
}
