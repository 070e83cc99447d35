package httpapi

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/segue/segue"
	"github.com/segue/segue/playback"
)

type pageInfoJSON struct {
	HasNextPage bool   `json:"hasNextPage"`
	Token       string `json:"token,omitempty"`
}

// pageRequest reads who asks and the limit of a paged list.
func pageRequest(r *http.Request) (playback.Listener, int, error) {
	l, err := listener(r)
	if err != nil {
		return l, 0, err
	}
	limit, err := queryInt(r, "limit", playback.DefaultPage, 1, playback.MaxPage)
	return l, limit, err
}

func (s *Server) queue() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l, limit, err := pageRequest(r)
		if err != nil {
			writeError(w, r, err)
			return
		}
		cursor := ""
		if c := r.URL.Query().Get("cursor"); c != "" {
			b, err := base64.RawURLEncoding.DecodeString(c)
			if err != nil || len(b) == 0 {
				writeError(w, r, segue.Errorf(segue.EBadRequest, "cursor: not a token this server gave"))
				return
			}
			cursor = string(b)
		}
		v, err := s.Playback.Queue(r.Context(), l, r.PathValue("sessionId"), cursor, limit)
		if err != nil {
			writeError(w, r, err)
			return
		}
		setETag(w, v)
		page := pageInfoJSON{HasNextPage: v.NextToken != ""}
		if page.HasNextPage {
			page.Token = base64.RawURLEncoding.EncodeToString([]byte(v.NextToken))
		}
		writeData(w, map[string]any{"entities": s.entities(v), "pageInfo": page})
	})
}

func (s *Server) activeSessions() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l, limit, err := pageRequest(r)
		if err != nil {
			writeError(w, r, err)
			return
		}
		var after *playback.ActiveCursor
		if c := r.URL.Query().Get("cursor"); c != "" {
			at, id, err := parseCursor(c)
			if err != nil {
				writeError(w, r, err)
				return
			}
			after = &playback.ActiveCursor{UpdatedAt: at, ID: id}
		}
		views, next, err := s.Playback.Active(r.Context(), l, after, limit)
		if err != nil {
			writeError(w, r, err)
			return
		}
		out := make([]activeEntityJSON, len(views))
		for i := range views {
			out[i] = s.activeEntity(&views[i])
		}
		page := pageInfoJSON{HasNextPage: next != nil}
		if next != nil {
			page.Token = cursorToken(next.UpdatedAt, next.ID)
		}
		writeData(w, map[string]any{"entities": out, "pageInfo": page})
	})
}

// cursorToken encodes a position in a list ordered by time, then id.
func cursorToken(at time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(itoa(at.UnixNano()) + "|" + id))
}

// parseCursor decodes a cursorToken.
func parseCursor(c string) (time.Time, string, error) {
	bad := segue.Errorf(segue.EBadRequest, "cursor: not a token this server gave")
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", bad
	}
	ts, id, ok := strings.Cut(string(b), "|")
	n, err := strconv.ParseInt(ts, 10, 64)
	if !ok || err != nil || id == "" {
		return time.Time{}, "", bad
	}
	return time.Unix(0, n).UTC(), id, nil
}

// historyEntityJSON is a recently played track.
type historyEntityJSON struct {
	MetricID  string    `json:"metricId"`
	SessionID string    `json:"sessionId"`
	DeviceID  string    `json:"deviceId"`
	PlayedAt  string    `json:"playedAt"`
	Track     trackJSON `json:"track"`
}

func (s *Server) history() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l, limit, err := pageRequest(r)
		if err != nil {
			writeError(w, r, err)
			return
		}
		var after *playback.HistoryCursor
		if c := r.URL.Query().Get("cursor"); c != "" {
			at, id, err := parseCursor(c)
			if err != nil {
				writeError(w, r, err)
				return
			}
			after = &playback.HistoryCursor{CountedAt: at, MetricID: id}
		}
		items, next, err := s.Playback.History(r.Context(), l, after, limit)
		if err != nil {
			writeError(w, r, err)
			return
		}
		out := make([]historyEntityJSON, len(items))
		for i, it := range items {
			out[i] = historyEntityJSON{
				MetricID: it.Play.MetricID, SessionID: it.Play.SessionID, DeviceID: it.Play.DeviceID,
				PlayedAt: it.Play.StartedAt.Format(time.RFC3339Nano), Track: s.track(it.Track),
			}
		}
		page := pageInfoJSON{HasNextPage: next != nil}
		if next != nil {
			page.Token = cursorToken(next.CountedAt, next.MetricID)
		}
		writeData(w, map[string]any{"entities": out, "pageInfo": page})
	})
}
