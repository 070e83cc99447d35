// Package httpapi is Segue's Amazon-compatible HTTP surface: the routes of
// the Amazon Music Web API, Playback V1.0, and of the catalog browse API
// (all in routes.go), the JSON encoding of entities and errors, and the
// middleware around them (request ids, logs, panics, limits,
// authentication).
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/segue/segue/auth"
	"github.com/segue/segue/catalog"
	"github.com/segue/segue/media"
	"github.com/segue/segue/playback"
)

// TrackReader finds a track of the catalog (for the media endpoint).
type TrackReader interface {
	Tracks(ctx context.Context, ids []string) (map[string]catalog.Track, error)
}

// CatalogReader reads the catalog for the browse API
// (handlers_catalog.go). Unknown ids are left out of the maps.
type CatalogReader interface {
	TrackReader
	Albums(ctx context.Context, ids []string) (map[string]catalog.AlbumInfo, error)
	Artists(ctx context.Context, ids []string) (map[string]catalog.ArtistInfo, error)
	Playlists(ctx context.Context, ids []string) (map[string]catalog.PlaylistInfo, error)
	ContainerTracks(ctx context.Context, kind catalog.Kind, id string, from, limit int) (catalog.TrackPage, error)
	ArtistDetail(ctx context.Context, id string) (catalog.ArtistDetail, error)
	Search(ctx context.Context, kind catalog.Kind, q catalog.Query, offset, limit int) (ids []string, more bool, err error)
	// Cover returns an album's cover image (RESOURCE_NOT_FOUND if none).
	Cover(ctx context.Context, albumID string) (catalog.Cover, error)
}

// Server holds what the handlers need.
type Server struct {
	Auth     *auth.Service
	Playback *playback.Service
	// Catalog serves the browse API (/v1/tracks, /v1/albums, /v1/search,
	// ...) and the media endpoint's track lookups.
	Catalog CatalogReader
	Signer  media.Signer
	// BaseURL is the public URL of the server, without a trailing slash;
	// links and media URLs start with it.
	BaseURL string
	Logger  *slog.Logger
	// Ready reports whether the store answers (for /readyz).
	Ready func(ctx context.Context) error
	// OpenAPI is the API description served at /openapi.yaml.
	OpenAPI []byte
	// Metrics, when set, are served at /metrics.
	Metrics *Metrics
	Now     func() time.Time
}

// Body size limits.
const (
	maxBody       = 64 << 10 // most requests
	maxCreateBody = 4 << 20  // a session may list up to 100,000 track ids
)

// Handler returns the server's root handler.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	allow := map[string][]string{}
	var paths []string
	for _, r := range s.routes() {
		h := r.handler
		if r.auth {
			h = s.authenticate(h)
		}
		mux.Handle(r.method+" "+r.path, h)
		if allow[r.path] == nil {
			paths = append(paths, r.path)
		}
		allow[r.path] = append(allow[r.path], r.method)
	}
	for _, p := range paths {
		mux.Handle(p, methodNotAllowed(allow[p]))
	}
	mux.Handle("/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, errNotFoundPath(r))
	}))
	return s.observe(mux)
}
