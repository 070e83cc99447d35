package httpapi

import "net/http"

type route struct {
	method, path string
	handler      http.Handler
	auth         bool // needs x-api-key and a bearer token
}

// routes is the whole HTTP surface.
func (s *Server) routes() []route {
	return []route{
		{"GET", "/healthz", s.healthz(), false},
		{"GET", "/readyz", s.readyz(), false},
		{"GET", "/openapi.yaml", s.openapi(), false},
		{"GET", "/metrics", s.metrics(), false},
		{"GET", "/v1/media/tracks/{trackId}", s.media(), false},
		{"GET", "/v1/media/albums/{albumId}/cover", s.cover(), false},

		{"POST", "/v1/playback/sessions", s.createSession(), true},
		{"GET", "/v1/playback/sessions/active", s.activeSessions(), true},
		{"GET", "/v1/playback/sessions/{sessionId}/current", s.current(), true},
		{"GET", "/v1/playback/sessions/{sessionId}/next", s.next(), true},
		{"GET", "/v1/playback/sessions/{sessionId}/previous", s.previous(), true},
		{"GET", "/v1/playback/sessions/{sessionId}/queue", s.queue(), true},
		{"GET", "/v1/playback/sessions/{sessionId}/entities/{entityReferenceId}", s.restore(), true},
		{"POST", "/v1/playback/sessions/{sessionId}/queue/next", s.queueNext(), true},
		{"POST", "/v1/playback/sessions/{sessionId}/queue/last", s.queueLast(), true},
		{"PUT", "/v1/playback/sessions/{sessionId}/loop", s.setLoop(), true},
		{"PUT", "/v1/playback/sessions/{sessionId}/shuffle", s.setShuffle(), true},
		{"POST", "/v1/playback/event", s.event(), true},
		{"POST", "/v1/playback/events", s.events(), true},
		{"GET", "/v1/me/history/tracks", s.history(), true},

		{"GET", "/v1/tracks", s.getTracks(), true},
		{"GET", "/v1/tracks/{trackId}", s.getTrack(), true},
		{"GET", "/v1/albums", s.getAlbums(), true},
		{"GET", "/v1/albums/{albumId}", s.getAlbum(), true},
		{"GET", "/v1/albums/{albumId}/tracks", s.albumTracks(), true},
		{"GET", "/v1/artists", s.getArtists(), true},
		{"GET", "/v1/artists/{artistId}", s.getArtist(), true},
		{"GET", "/v1/playlists/{playlistId}", s.getPlaylist(), true},
		{"GET", "/v1/playlists/{playlistId}/tracks", s.playlistTracks(), true},
		{"GET", "/v1/search", s.search(), true},
	}
}

// Routes returns every "METHOD /path" the server answers, for tests that
// compare it with the OpenAPI description.
func (s *Server) Routes() []string {
	var out []string
	for _, r := range s.routes() {
		out = append(out, r.method+" "+r.path)
	}
	return out
}
