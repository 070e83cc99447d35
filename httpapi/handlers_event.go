package httpapi

import (
	"net/http"

	"github.com/segue/segue"
	"github.com/segue/segue/playback"
)

type eventJSON struct {
	MetricID *string `json:"metricId"`
	Event    *struct {
		Type                  *string  `json:"type"`
		ClientTimestamp       *int64   `json:"clientTimestampInMilliseconds"`
		EntityProgressSeconds *float64 `json:"entityProgressSeconds"`
		DurationSeconds       *float64 `json:"durationSeconds"`
		TerminationReason     *string  `json:"terminationReason"`
		InitialDelayMs        *int64   `json:"initialPlaybackDelayMilliseconds"`
		RebufferCount         *int64   `json:"rebufferCount"`
	} `json:"event"`
	Options *struct {
		TakeOverType *string `json:"takeOverType"`
	} `json:"options"`
}

func (e *eventJSON) input() (playback.EventInput, error) {
	bad := func(field string) (playback.EventInput, error) {
		return playback.EventInput{}, segue.Errorf(segue.EBadRequest, "%s: required", field)
	}
	if e.MetricID == nil {
		return bad("metricId")
	}
	if e.Event == nil {
		return bad("event")
	}
	if e.Event.Type == nil {
		return bad("event.type")
	}
	if e.Event.ClientTimestamp == nil {
		return bad("event.clientTimestampInMilliseconds")
	}
	in := playback.EventInput{
		MetricID: *e.MetricID, Type: *e.Event.Type, ClientTimestampMs: *e.Event.ClientTimestamp,
		EntityProgressSeconds: e.Event.EntityProgressSeconds, DurationSeconds: e.Event.DurationSeconds,
		InitialDelayMs: e.Event.InitialDelayMs, RebufferCount: e.Event.RebufferCount,
	}
	if e.Event.TerminationReason != nil {
		in.TerminationReason = *e.Event.TerminationReason
	}
	if e.Options != nil && e.Options.TakeOverType != nil {
		in.TakeOverType = *e.Options.TakeOverType
	}
	return in, in.Validate()
}

type eventResultJSON struct {
	Index     int        `json:"index"`
	MetricID  string     `json:"metricId"`
	Accepted  bool       `json:"accepted"`
	Duplicate *bool      `json:"duplicate,omitempty"`
	Error     *errorBody `json:"error,omitempty"`
}

func (s *Server) event() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l, err := listener(r)
		if err != nil {
			writeError(w, r, err)
			return
		}
		var body eventJSON
		if err := decode(w, r, maxBody, &body); err != nil {
			writeError(w, r, err)
			return
		}
		in, err := body.input()
		if err != nil {
			writeError(w, r, err)
			return
		}
		res, err := s.Playback.ReportEvent(r.Context(), l, in)
		if err != nil {
			writeError(w, r, err)
			return
		}
		writeData(w, map[string]any{"metricId": res.MetricID, "accepted": true, "duplicate": res.Duplicate})
	})
}

func (s *Server) events() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l, err := listener(r)
		if err != nil {
			writeError(w, r, err)
			return
		}
		var body struct {
			Events []eventJSON `json:"events"`
		}
		if err := decode(w, r, 1<<20, &body); err != nil {
			writeError(w, r, err)
			return
		}
		if len(body.Events) == 0 || len(body.Events) > playback.MaxBatch {
			writeError(w, r, segue.Errorf(segue.EBadRequest, "events: must hold 1 to %d events, got %d", playback.MaxBatch, len(body.Events)))
			return
		}
		results := make([]eventResultJSON, len(body.Events))
		var valid []playback.EventInput
		var where []int
		for i := range body.Events {
			results[i].Index = i
			if body.Events[i].MetricID != nil {
				results[i].MetricID = *body.Events[i].MetricID
			}
			in, err := body.Events[i].input()
			if err != nil {
				_, eb := errorJSON(err, w.Header().Get("X-Request-Id"))
				results[i].Error = &eb
				continue
			}
			valid = append(valid, in)
			where = append(where, i)
		}
		if len(valid) > 0 {
			outcomes, err := s.Playback.ReportEvents(r.Context(), l, valid)
			if err != nil {
				writeError(w, r, err)
				return
			}
			for k, o := range outcomes {
				res := &results[where[k]]
				if o.Err != nil {
					_, eb := errorJSON(o.Err, w.Header().Get("X-Request-Id"))
					res.Error = &eb
					continue
				}
				dup := o.Result.Duplicate
				res.Accepted, res.Duplicate = true, &dup
			}
		}
		writeData(w, map[string]any{"results": results})
	})
}
