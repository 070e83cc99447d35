package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/segue/segue"
	"github.com/segue/segue/playback"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// playParamsJSON names what to play. containerIds is a list, but a single
// string is accepted too (the seed page calls it a string).
type playParamsJSON struct {
	ID           *string         `json:"id"`
	ContainerIDs json.RawMessage `json:"containerIds"`
}

func (p *playParamsJSON) parse() (id string, containers []string, err error) {
	if p == nil {
		return "", nil, segue.Errorf(segue.EBadRequest, "playParams: required")
	}
	if p.ID != nil {
		if *p.ID == "" {
			return "", nil, segue.Errorf(segue.EBadRequest, "playParams.id: must not be empty")
		}
		id = *p.ID
	}
	raw := strings.TrimSpace(string(p.ContainerIDs))
	switch {
	case raw == "" || raw == "null":
	case strings.HasPrefix(raw, "["):
		if err := json.Unmarshal(p.ContainerIDs, &containers); err != nil {
			return "", nil, segue.Errorf(segue.EBadRequest, "playParams.containerIds: must be an array of strings")
		}
	default:
		var one string
		if err := json.Unmarshal(p.ContainerIDs, &one); err != nil {
			return "", nil, segue.Errorf(segue.EBadRequest, "playParams.containerIds: must be an array of strings")
		}
		containers = []string{one}
	}
	if len(containers) > playback.MaxQueueLength {
		return "", nil, segue.Errorf(segue.EBadRequest, "playParams.containerIds: at most %d ids", playback.MaxQueueLength)
	}
	for i, c := range containers {
		if c == "" {
			return "", nil, segue.Errorf(segue.EBadRequest, "playParams.containerIds[%d]: must not be empty", i)
		}
	}
	return id, containers, nil
}

type createJSON struct {
	PlayParams      *playParamsJSON `json:"playParams"`
	PlaybackOptions *struct {
		ShuffleMode              *string         `json:"shuffleMode"`
		LoopMode                 *string         `json:"loopMode"`
		StartAsStation           *bool           `json:"startAsStation"`
		PlaybackContinuationMode json.RawMessage `json:"playbackContinuationMode"`
	} `json:"playbackOptions"`
	Limit *int `json:"limit"`
}

func (s *Server) createSession() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l, err := listener(r)
		if err != nil {
			writeError(w, r, err)
			return
		}
		var body createJSON
		if err := decode(w, r, maxCreateBody, &body); err != nil {
			writeError(w, r, err)
			return
		}
		req, err := body.request()
		if err != nil {
			writeError(w, r, err)
			return
		}
		v, err := s.Playback.Create(r.Context(), l, req)
		if err != nil {
			writeError(w, r, err)
			return
		}
		setETag(w, v)
		writeData(w, map[string]any{"entities": s.entities(v)})
	})
}

func (b *createJSON) request() (playback.CreateRequest, error) {
	bad := func(format string, args ...any) (playback.CreateRequest, error) {
		return playback.CreateRequest{}, segue.Errorf(segue.EBadRequest, format, args...)
	}
	req := playback.CreateRequest{Loop: playback.LoopOff, Limit: playback.DefaultWindow}
	var err error
	if req.ID, req.ContainerIDs, err = b.PlayParams.parse(); err != nil {
		return req, err
	}
	if b.Limit != nil {
		req.Limit = *b.Limit
	}
	if o := b.PlaybackOptions; o != nil {
		if o.ShuffleMode != nil {
			switch *o.ShuffleMode {
			case playback.ShuffleOn:
				req.Shuffle = true
			case playback.ShuffleOff:
			default:
				return bad("playbackOptions.shuffleMode: %q is not one of SHUFFLE_ON, SHUFFLE_OFF", *o.ShuffleMode)
			}
		}
		if o.LoopMode != nil {
			switch m := playback.LoopMode(*o.LoopMode); m {
			case "LOOP_ON":
				req.Loop = playback.LoopAll
			case playback.LoopOff, playback.LoopOne, playback.LoopAll:
				req.Loop = m
			default:
				return bad("playbackOptions.loopMode: %q is not one of LOOP_ON, LOOP_OFF, LOOP_ONE, LOOP_ALL", *o.LoopMode)
			}
		}
		if o.StartAsStation != nil {
			req.Station = *o.StartAsStation
		}
		switch raw := strings.TrimSpace(string(o.PlaybackContinuationMode)); raw {
		case "", "null", `"AUTOPLAY_OFF"`, "false":
		case `"AUTOPLAY_ON"`, "true":
			req.Autoplay = true
		default:
			return bad("playbackOptions.playbackContinuationMode: must be AUTOPLAY_ON, AUTOPLAY_OFF or a boolean")
		}
	}
	return req, nil
}

// windowHandler serves the GET endpoints that answer a window.
func (s *Server) windowHandler(op func(r *http.Request, l playback.Listener, id string, limit int) (*playback.View, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l, err := listener(r)
		if err != nil {
			writeError(w, r, err)
			return
		}
		limit, err := queryInt(r, "limit", playback.DefaultWindow, 1, playback.MaxWindow)
		if err != nil {
			writeError(w, r, err)
			return
		}
		v, err := op(r, l, r.PathValue("sessionId"), limit)
		if err != nil {
			if e := new(segue.Error); errors.As(err, &e) && e.Code == segue.EPreconditionFailed {
				w.Header().Set("ETag", fmt.Sprintf(`"%v"`, e.Payload.(map[string]any)["version"]))
			}
			writeError(w, r, err)
			return
		}
		setETag(w, v)
		out := map[string]any{"entities": s.entities(v)}
		if v.Inserted != nil {
			out["insertedEntityReferenceIds"] = v.Inserted
		}
		writeData(w, out)
	})
}

func (s *Server) current() http.Handler {
	return s.windowHandler(func(r *http.Request, l playback.Listener, id string, limit int) (*playback.View, error) {
		return s.Playback.Current(r.Context(), l, id, limit)
	})
}

func (s *Server) next() http.Handler {
	return s.windowHandler(func(r *http.Request, l playback.Listener, id string, limit int) (*playback.View, error) {
		return s.Playback.Next(r.Context(), l, id, limit)
	})
}

func (s *Server) previous() http.Handler {
	return s.windowHandler(func(r *http.Request, l playback.Listener, id string, limit int) (*playback.View, error) {
		return s.Playback.Previous(r.Context(), l, id, limit)
	})
}

func (s *Server) restore() http.Handler {
	return s.windowHandler(func(r *http.Request, l playback.Listener, id string, limit int) (*playback.View, error) {
		return s.Playback.Restore(r.Context(), l, id, r.PathValue("entityReferenceId"), limit)
	})
}
