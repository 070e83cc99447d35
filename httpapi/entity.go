package httpapi

import (
	"net/url"
	"time"

	"github.com/segue/segue/catalog"
	"github.com/segue/segue/playback"
)

type actionJSON struct {
	IsAllowed      bool   `json:"isAllowed"`
	DisableType    string `json:"disableType,omitempty"`
	RemainingSkips *int   `json:"remainingSkips,omitempty"`
	SkipsResetAt   string `json:"skipsResetAt,omitempty"`
}

type actionsJSON struct {
	Next          actionJSON `json:"next"`
	Previous      actionJSON `json:"previous"`
	ScrubForward  actionJSON `json:"scrubForward"`
	ScrubBackward actionJSON `json:"scrubBackward"`
	Shuffle       actionJSON `json:"shuffle"`
	LoopOne       actionJSON `json:"loopOne"`
	LoopAll       actionJSON `json:"loopAll"`
	QueueNext     actionJSON `json:"queueNext"`
	QueueLast     actionJSON `json:"queueLast"`
}

func action(a playback.Action) actionJSON {
	out := actionJSON{IsAllowed: a.IsAllowed, DisableType: a.DisableType, RemainingSkips: a.RemainingSkips}
	if a.SkipsResetAt != nil {
		out.SkipsResetAt = a.SkipsResetAt.UTC().Format(time.RFC3339)
	}
	return out
}

func actions(a playback.Actions) actionsJSON {
	return actionsJSON{
		Next: action(a.Next), Previous: action(a.Previous),
		ScrubForward: action(a.ScrubForward), ScrubBackward: action(a.ScrubBackward),
		Shuffle: action(a.Shuffle), LoopOne: action(a.LoopOne), LoopAll: action(a.LoopAll),
		QueueNext: action(a.QueueNext), QueueLast: action(a.QueueLast),
	}
}

type playbackInfoJSON struct {
	URL      string `json:"url"`
	Protocol string `json:"protocol"`
	Format   string `json:"format"`
}

type namedJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type albumJSON struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

type imageJSON struct {
	URL string `json:"url"`
}

type trackJSON struct {
	ID                  string           `json:"id"`
	Type                string           `json:"type"`
	MediaType           string           `json:"mediaType"`
	URL                 string           `json:"url"`
	PlaybackInformation playbackInfoJSON `json:"playbackInformation"`
	Title               string           `json:"title"`
	Subtitle            string           `json:"subtitle"`
	ISRC                string           `json:"isrc,omitempty"`
	DurationSeconds     int64            `json:"durationSeconds"`
	Artists             []namedJSON      `json:"artists"`
	Album               albumJSON        `json:"album"`
	Images              []imageJSON      `json:"images"`
}

type entityJSON struct {
	SessionID         string      `json:"sessionId"`
	EntityReferenceID string      `json:"entityReferenceId"`
	MetricID          string      `json:"metricId"`
	Actions           actionsJSON `json:"actions"`
	Track             trackJSON   `json:"track"`
}

// activeEntityJSON is an entity of the active-sessions list: the current
// entry of a session, with the session's device, modes and stream state.
type activeEntityJSON struct {
	entityJSON
	DeviceID      string      `json:"deviceId"`
	LastActiveAt  string      `json:"lastActiveAt"`
	LoopMode      string      `json:"loopMode"`
	ShuffleMode   string      `json:"shuffleMode"`
	Station       bool        `json:"station"`
	PlaybackState string      `json:"playbackState"`
	TakenOverBy   *holderJSON `json:"takenOverBy,omitempty"`
}

// holderJSON names the session and device that hold a stream.
type holderJSON struct {
	SessionID string `json:"sessionId"`
	DeviceID  string `json:"deviceId"`
}

func (s *Server) track(t catalog.Track) trackJSON {
	exp, sig := s.Signer.Sign(t.ID)
	q := url.Values{"exp": {itoa(exp)}, "sig": {sig}}
	return trackJSON{
		ID: t.ID, Type: "Track", MediaType: t.MediaType,
		URL: s.BaseURL + "/v1/tracks/" + url.PathEscape(t.ID),
		PlaybackInformation: playbackInfoJSON{
			URL:      s.BaseURL + "/v1/media/tracks/" + url.PathEscape(t.ID) + "?" + q.Encode(),
			Protocol: "PROGRESSIVE", Format: t.Format,
		},
		Title: t.Title, Subtitle: t.ArtistName + " - " + t.AlbumTitle, ISRC: t.ISRC,
		DurationSeconds: (t.DurationMs + 500) / 1000,
		Artists:         []namedJSON{{ID: t.ArtistID, Name: t.ArtistName}},
		Album:           albumJSON{ID: t.AlbumID, Title: t.AlbumTitle},
		Images:          s.images(t.AlbumID, t.HasCover),
	}
}

func (s *Server) entities(v *playback.View) []entityJSON {
	acts := actions(v.Actions)
	out := make([]entityJSON, len(v.Entries))
	for i, e := range v.Entries {
		out[i] = entityJSON{
			SessionID: v.Session.ID, EntityReferenceID: e.Ref, MetricID: e.MetricID,
			Actions: acts, Track: s.track(trackOf(v, e.TrackID)),
		}
	}
	return out
}

// trackOf returns a view's track, or a bare one naming the id if the
// catalog no longer has it.
func trackOf(v *playback.View, id string) catalog.Track {
	if t, ok := v.Tracks[id]; ok {
		return t
	}
	return catalog.Track{ID: id, MediaType: "AUDIO", Format: "UNKNOWN"}
}

func (s *Server) activeEntity(v *playback.View) activeEntityJSON {
	st := v.Session.Status
	out := activeEntityJSON{
		entityJSON: s.entities(v)[0], DeviceID: v.Session.DeviceID,
		LastActiveAt: v.Session.UpdatedAt.UTC().Format(time.RFC3339Nano),
		LoopMode:     string(v.Session.Loop), ShuffleMode: v.Session.ShuffleMode(), Station: v.Session.Station,
		PlaybackState: string(st.State),
	}
	if st.State == playback.StateTakenOver {
		out.TakenOverBy = &holderJSON{SessionID: st.TakenBySession, DeviceID: st.TakenByDevice}
	}
	return out
}
