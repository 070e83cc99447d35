package httpapi

import (
	"net/http"

	"github.com/segue/segue"
	"github.com/segue/segue/playback"
)

// bodyHandler serves the endpoints that take a JSON body and answer a
// window.
func bodyHandler[T any](s *Server, op func(r *http.Request, l playback.Listener, id string, body *T, limit int) (*playback.View, error)) http.Handler {
	return s.windowHandler(func(r *http.Request, l playback.Listener, id string, limit int) (*playback.View, error) {
		var body T
		if err := decode(nil, r, maxBody, &body); err != nil {
			return nil, err
		}
		return op(r, l, id, &body, limit)
	})
}

type insertJSON struct {
	PlayParams        *playParamsJSON `json:"playParams"`
	EntityReferenceID *string         `json:"entityReferenceId"`
}

func (s *Server) queueNext() http.Handler {
	return bodyHandler(s, func(r *http.Request, l playback.Listener, id string, b *insertJSON, limit int) (*playback.View, error) {
		pid, containers, err := b.PlayParams.parse()
		if err != nil {
			return nil, err
		}
		anchor := ""
		if b.EntityReferenceID != nil {
			if anchor = *b.EntityReferenceID; anchor == "" {
				return nil, segue.Errorf(segue.EBadRequest, "entityReferenceId: must not be empty")
			}
		}
		return s.Playback.InsertNext(r.Context(), l, id, pid, containers, anchor, limit)
	})
}

type insertLastJSON struct {
	PlayParams *playParamsJSON `json:"playParams"`
}

func (s *Server) queueLast() http.Handler {
	return bodyHandler(s, func(r *http.Request, l playback.Listener, id string, b *insertLastJSON, limit int) (*playback.View, error) {
		pid, containers, err := b.PlayParams.parse()
		if err != nil {
			return nil, err
		}
		return s.Playback.InsertLast(r.Context(), l, id, pid, containers, limit)
	})
}

type loopJSON struct {
	LoopMode *string `json:"loopMode"`
}

func (s *Server) setLoop() http.Handler {
	return bodyHandler(s, func(r *http.Request, l playback.Listener, id string, b *loopJSON, limit int) (*playback.View, error) {
		if b.LoopMode == nil {
			return nil, segue.Errorf(segue.EBadRequest, "loopMode: required")
		}
		return s.Playback.SetLoop(r.Context(), l, id, playback.LoopMode(*b.LoopMode), limit)
	})
}

type shuffleJSON struct {
	ShuffleMode *string `json:"shuffleMode"`
}

func (s *Server) setShuffle() http.Handler {
	return bodyHandler(s, func(r *http.Request, l playback.Listener, id string, b *shuffleJSON, limit int) (*playback.View, error) {
		if b.ShuffleMode == nil {
			return nil, segue.Errorf(segue.EBadRequest, "shuffleMode: required")
		}
		switch *b.ShuffleMode {
		case playback.ShuffleOn, playback.ShuffleOff:
		default:
			return nil, segue.Errorf(segue.EBadRequest, "shuffleMode: %q is not one of SHUFFLE_ON, SHUFFLE_OFF", *b.ShuffleMode)
		}
		return s.Playback.SetShuffle(r.Context(), l, id, *b.ShuffleMode == playback.ShuffleOn, limit)
	})
}
