package playback

import (
	"context"
	"encoding/json"
	"time"

	"github.com/segue/segue"
)

// Event types and termination reasons (SPEC.md §5).
var (
	eventTypes = map[string]bool{"start": true, "pause": true, "resume": true, "progress": true, "stop": true}
	reasons    = map[string]bool{
		"trackFinished": true, "userNext": true, "userPrev": true, "userStop": true,
		"trackScrub": true, "error": true, "networkError": true, "systemStop": true,
	}
)

// EventInput is a playback event as a client reports it.
type EventInput struct {
	MetricID              string
	Type                  string
	ClientTimestampMs     int64
	EntityProgressSeconds *float64
	DurationSeconds       *float64
	TerminationReason     string
	InitialDelayMs        *int64
	RebufferCount         *int64
	TakeOverType          string
}

// Event is an accepted event, linked to who played what.
type Event struct {
	EventInput
	UserID     string
	SessionID  string
	Ref        string
	TrackID    string
	DeviceID   string
	ReceivedAt time.Time
}

// EventResult is the outcome of one reported event.
type EventResult struct {
	MetricID  string
	Duplicate bool
}

// MaxEventSeconds bounds the seconds fields of an event (one week).
const MaxEventSeconds = 7 * 24 * 3600

// Validate checks an event's values; the error names the field.
func (in EventInput) Validate() error {
	bad := func(format string, args ...any) error { return segue.Errorf(segue.EBadRequest, format, args...) }
	if in.MetricID == "" || len(in.MetricID) > 100 {
		return bad("metricId: required, at most 100 characters")
	}
	if !eventTypes[in.Type] {
		return bad("event.type: %q is not one of start, pause, resume, progress, stop", in.Type)
	}
	if in.ClientTimestampMs < 0 {
		return bad("event.clientTimestampInMilliseconds: must not be negative")
	}
	for name, v := range map[string]*float64{"entityProgressSeconds": in.EntityProgressSeconds, "durationSeconds": in.DurationSeconds} {
		if v != nil && (*v < 0 || *v > MaxEventSeconds) {
			return bad("event.%s: must be between 0 and %d", name, MaxEventSeconds)
		}
	}
	for name, v := range map[string]*int64{"initialPlaybackDelayMilliseconds": in.InitialDelayMs, "rebufferCount": in.RebufferCount} {
		if v != nil && *v < 0 {
			return bad("event.%s: must not be negative", name)
		}
	}
	if in.TerminationReason != "" {
		if !reasons[in.TerminationReason] {
			return bad("event.terminationReason: %q is not a known reason", in.TerminationReason)
		}
		if in.Type != "stop" {
			return bad("event.terminationReason: only a stop event has one")
		}
	}
	switch in.TakeOverType {
	case "", "AUTO", "FORCE":
	default:
		return bad("options.takeOverType: %q is not one of AUTO, FORCE", in.TakeOverType)
	}
	return nil
}

// PlayCountsAfter is how much of a play must be heard for it to count in
// the listener's history (unless it finished sooner).
const PlayCountsAfter = 30.0 // seconds

// ReportEvent validates and stores one playback event of the listener, in
// one transaction on the account: start and resume claim a stream for the
// session, pause and stop free it, and a session whose stream was taken
// over has its other events refused with STREAM_TAKEN_OVER until it claims
// again. A retry of a stored event is answered as a duplicate and changes
// nothing.
func (s *Service) ReportEvent(ctx context.Context, l Listener, in EventInput) (EventResult, error) {
	if err := in.Validate(); err != nil {
		return EventResult{}, err
	}
	if l.DeviceID == "" {
		return EventResult{}, segue.Errorf(segue.EBadRequest, "the X-Amzn-Device-Id header is required to report events")
	}
	res := EventResult{MetricID: in.MetricID}
	tookOver := false
	var replay []byte
	err := s.Store.Account(ctx, l.UserID, func(a AccountTx) error {
		var err error
		if replay, err = replayed(ctx, a); err != nil {
			return err // ErrReplay when answered before
		}
		p, err := a.Play(in.MetricID)
		if segue.ErrorCode(err) == segue.ENotFound {
			return segue.Errorf(segue.ENotFound, "metricId %s names no play of yours", in.MetricID)
		} else if err != nil {
			return err
		}
		if res.Duplicate, err = a.HasEvent(in.MetricID, in.Type, in.ClientTimestampMs); err != nil || res.Duplicate {
			return err
		}
		now := s.Now().UTC()
		took, err := s.stream(a, l, p.SessionID, in, now)
		if err != nil {
			return err
		}
		e := &Event{
			EventInput: in, UserID: l.UserID, SessionID: p.SessionID, Ref: p.Ref,
			TrackID: p.TrackID, DeviceID: l.DeviceID, ReceivedAt: now,
		}
		if err := a.AddEvent(e); err != nil {
			return err
		}
		tookOver = took
		finished := in.Type == "stop" && in.TerminationReason == "trackFinished"
		if finished || in.EntityProgressSeconds != nil && *in.EntityProgressSeconds >= PlayCountsAfter {
			if err := a.CountPlay(in.MetricID, now); err != nil {
				return err
			}
		}
		return remember(ctx, a, res, now)
	})
	if replay != nil {
		err = json.Unmarshal(replay, &res)
		return res, err
	}
	if err == nil && tookOver && s.OnTakeOver != nil {
		s.OnTakeOver()
	}
	return res, err
}

func (s *Service) streamIdle() time.Duration {
	if s.StreamIdle > 0 {
		return s.StreamIdle
	}
	return DefaultStreamIdle
}

// stream applies an event to the account's streams (SPEC.md §5) and
// reports whether it took a stream over.
func (s *Service) stream(a AccountTx, l Listener, sessionID string, in EventInput, now time.Time) (tookOver bool, err error) {
	st, ok, err := a.Status(sessionID)
	if err != nil || !ok {
		return false, err // a purged session's late events only go to the ledger
	}
	streams, err := a.Streams()
	if err != nil {
		return false, err
	}
	live, stale := Live(streams, now, s.streamIdle())
	for _, x := range stale {
		if err := a.DeleteStream(x.SessionID); err != nil {
			return false, err
		}
	}
	var mine *Stream
	for i := range live {
		if live[i].SessionID == sessionID {
			mine = &live[i]
		}
	}
	switch in.Type {
	case "start", "resume":
		victim, err := Claim(live, max(1, l.MaxStreams), sessionID, in.TakeOverType)
		if err != nil {
			return false, err
		}
		if victim != nil {
			if err := a.DeleteStream(victim.SessionID); err != nil {
				return false, err
			}
			taken := StreamStatus{State: StateTakenOver, TakenBySession: sessionID, TakenByDevice: l.DeviceID}
			if err := a.SetStatus(victim.SessionID, taken); err != nil {
				return false, err
			}
		}
		claimed := now
		if mine != nil {
			claimed = mine.ClaimedAt
		}
		if err := a.PutStream(Stream{SessionID: sessionID, DeviceID: l.DeviceID, ClaimedAt: claimed, LastEventAt: now}); err != nil {
			return false, err
		}
		return victim != nil, a.SetStatus(sessionID, StreamStatus{State: StatePlaying})
	}
	if st.State == StateTakenOver {
		e := segue.Errorf(segue.EStreamTakenOver, "this session's stream was taken over by another device; report start or resume to claim it again")
		e.Payload = map[string]any{"sessionId": st.TakenBySession, "deviceId": st.TakenByDevice}
		return false, e
	}
	switch in.Type {
	case "pause", "stop":
		if err := a.DeleteStream(sessionID); err != nil {
			return false, err
		}
		state := StatePaused
		if in.Type == "stop" {
			state = StateStopped
		}
		return false, a.SetStatus(sessionID, StreamStatus{State: state})
	default: // progress keeps a held stream alive
		if mine == nil {
			return false, nil
		}
		mine.LastEventAt = now
		return false, a.PutStream(*mine)
	}
}

// MaxBatch is the most events one batch may carry.
const MaxBatch = 100

// EventOutcome is the result of one event of a batch: a result or an error.
type EventOutcome struct {
	Result EventResult
	Err    error
}

// ReportEvents judges each event of a batch on its own.
func (s *Service) ReportEvents(ctx context.Context, l Listener, in []EventInput) ([]EventOutcome, error) {
	if len(in) == 0 || len(in) > MaxBatch {
		return nil, segue.Errorf(segue.EBadRequest, "events: must hold 1 to %d events, got %d", MaxBatch, len(in))
	}
	// Each event is idempotent on its own; a key names the whole batch,
	// not each event in it.
	ctx = context.WithValue(ctx, idempotencyKey, nil)
	out := make([]EventOutcome, len(in))
	for i, e := range in {
		r, err := s.ReportEvent(ctx, l, e)
		if err != nil && segue.ErrorCode(err) == segue.EInternal {
			return nil, err
		}
		out[i] = EventOutcome{Result: r, Err: err}
	}
	return out, nil
}
