package httpapi

import (
	"context"
	"encoding/base64"
	"fmt"
	"hash/fnv"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/segue/segue"
	"github.com/segue/segue/catalog"
	"github.com/segue/segue/playback"
)

// The catalog browse API: tracks, albums, artists and playlists by id, in
// batches, the tracks of an album or playlist page by page, and search.

// Search pages: 1 to maxSearchPage items of each type, 20 by default.
const (
	defaultSearchPage = 20
	maxSearchPage     = 100
)

type albumEntityJSON struct {
	ID              string      `json:"id"`
	Type            string      `json:"type"`
	Title           string      `json:"title"`
	URL             string      `json:"url"`
	Artists         []namedJSON `json:"artists"`
	TrackCount      int         `json:"trackCount"`
	DurationSeconds int64       `json:"durationSeconds"`
	Images          []imageJSON `json:"images"`
}

type artistEntityJSON struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	Name       string `json:"name"`
	URL        string `json:"url"`
	AlbumCount int    `json:"albumCount"`
}

type playlistEntityJSON struct {
	ID              string `json:"id"`
	Type            string `json:"type"`
	Title           string `json:"title"`
	URL             string `json:"url"`
	TrackCount      int    `json:"trackCount"`
	DurationSeconds int64  `json:"durationSeconds"`
}

func seconds(ms int64) int64 { return (ms + 500) / 1000 }

func (s *Server) link(kind, id string) string {
	return s.BaseURL + "/v1/" + kind + "/" + url.PathEscape(id)
}

func (s *Server) album(a catalog.AlbumInfo) any {
	return albumEntityJSON{
		ID: a.ID, Type: "Album", Title: a.Title, URL: s.link("albums", a.ID),
		Artists:    []namedJSON{{ID: a.ArtistID, Name: a.ArtistName}},
		TrackCount: a.TrackCount, DurationSeconds: seconds(a.DurationMs), Images: s.images(a.ID, a.HasCover),
	}
}

func (s *Server) artist(a catalog.ArtistInfo) any {
	return artistEntityJSON{ID: a.ID, Type: "Artist", Name: a.Name, URL: s.link("artists", a.ID), AlbumCount: a.AlbumCount}
}

func (s *Server) playlist(p catalog.PlaylistInfo) any {
	return playlistEntityJSON{ID: p.ID, Type: "Playlist", Title: p.Name, URL: s.link("playlists", p.ID),
		TrackCount: p.TrackCount, DurationSeconds: seconds(p.DurationMs)}
}

func (s *Server) trackEntity(t catalog.Track) any { return s.track(t) }

// queryOnce returns a query parameter given at most once.
func queryOnce(r *http.Request, name string) (v string, given bool, err error) {
	vs := r.URL.Query()[name]
	if len(vs) > 1 {
		return "", true, segue.Errorf(segue.EBadRequest, "%s: give it once", name)
	}
	if len(vs) == 0 {
		return "", false, nil
	}
	return vs[0], true, nil
}

// pathID reads the catalog id of kind in the path parameter name. An MRN
// of another kind names nothing here.
func pathID(r *http.Request, name string, kind catalog.Kind) (string, error) {
	id, k, err := catalog.ParseID(r.PathValue(name))
	if err != nil {
		return "", segue.Errorf(segue.EBadRequest, "%s: %s", name, segue.ErrorMessage(err))
	}
	if k != "" && k != kind {
		return "", segue.Errorf(segue.ENotFound, "no %s %s in the catalog", kind, r.PathValue(name))
	}
	return id, nil
}

// lookup answers the entities of kind the ?ids= batch names, in the order
// asked, leaving out unknown ids; with param set, it answers the one id of
// that path parameter instead, or 404.
func lookup[T any](s *Server, kind catalog.Kind, param string,
	fetch func(CatalogReader, context.Context, []string) (map[string]T, error), render func(T) any) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ids []string
		var err error
		if param != "" {
			var id string
			id, err = pathID(r, param, kind)
			ids = []string{id}
		} else {
			var v string
			if v, _, err = queryOnce(r, "ids"); err == nil {
				ids, err = catalog.ParseIDs(v, kind)
			}
		}
		if err != nil {
			writeError(w, r, err)
			return
		}
		found, err := fetch(s.Catalog, r.Context(), ids)
		if err != nil {
			writeError(w, r, err)
			return
		}
		out := ordered(found, ids, render)
		if param != "" && len(out) == 0 {
			writeError(w, r, segue.Errorf(segue.ENotFound, "no %s %s in the catalog", kind, ids[0]))
			return
		}
		writeData(w, map[string]any{"entities": out})
	})
}

func (s *Server) getTracks() http.Handler {
	return lookup(s, catalog.KindTrack, "", CatalogReader.Tracks, s.trackEntity)
}

func (s *Server) getTrack() http.Handler {
	return lookup(s, catalog.KindTrack, "trackId", CatalogReader.Tracks, s.trackEntity)
}

func (s *Server) getAlbums() http.Handler {
	return lookup(s, catalog.KindAlbum, "", CatalogReader.Albums, s.album)
}

func (s *Server) getAlbum() http.Handler {
	return lookup(s, catalog.KindAlbum, "albumId", CatalogReader.Albums, s.album)
}

func (s *Server) getArtists() http.Handler {
	return lookup(s, catalog.KindArtist, "", CatalogReader.Artists, s.artist)
}

func (s *Server) getPlaylist() http.Handler {
	return lookup(s, catalog.KindPlaylist, "playlistId", CatalogReader.Playlists, s.playlist)
}

// getArtist answers an artist with its albums and top tracks.
func (s *Server) getArtist() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := pathID(r, "artistId", catalog.KindArtist)
		if err != nil {
			writeError(w, r, err)
			return
		}
		d, err := s.Catalog.ArtistDetail(r.Context(), id)
		if err != nil {
			writeError(w, r, err)
			return
		}
		albums := make([]any, len(d.Albums))
		for i, a := range d.Albums {
			albums[i] = s.album(a)
		}
		top := make([]any, len(d.TopTracks))
		for i, t := range d.TopTracks {
			top[i] = s.track(t)
		}
		writeData(w, map[string]any{"entities": []any{s.artist(d.Artist)}, "albums": albums, "topTracks": top})
	})
}

// containerTracks answers a page of an album's or a playlist's tracks.
// Its cursor is the position of the page's first track.
func (s *Server) containerTracks(kind catalog.Kind, param string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit, err := queryInt(r, "limit", playback.DefaultPage, 1, playback.MaxPage)
		if err != nil {
			writeError(w, r, err)
			return
		}
		id, err := pathID(r, param, kind)
		if err != nil {
			writeError(w, r, err)
			return
		}
		from := 0
		if c := r.URL.Query().Get("cursor"); c != "" {
			b, err := base64.RawURLEncoding.DecodeString(c)
			pos, ok := strings.CutPrefix(string(b), "p")
			n, perr := strconv.Atoi(pos)
			if err != nil || !ok || perr != nil || n < 0 {
				writeError(w, r, segue.Errorf(segue.EBadRequest, "cursor: not a token this server gave"))
				return
			}
			from = n
		}
		page, err := s.Catalog.ContainerTracks(r.Context(), kind, id, from, limit)
		if err != nil {
			writeError(w, r, err)
			return
		}
		out := make([]trackJSON, len(page.Tracks))
		for i, t := range page.Tracks {
			out[i] = s.track(t)
		}
		info := pageInfoJSON{HasNextPage: page.Next >= 0}
		if info.HasNextPage {
			info.Token = base64.RawURLEncoding.EncodeToString([]byte("p" + strconv.Itoa(page.Next)))
		}
		writeData(w, map[string]any{"entities": out, "pageInfo": info})
	})
}

func (s *Server) albumTracks() http.Handler { return s.containerTracks(catalog.KindAlbum, "albumId") }

func (s *Server) playlistTracks() http.Handler {
	return s.containerTracks(catalog.KindPlaylist, "playlistId")
}

// searchKeys name each kind's result in a search answer.
var searchKeys = map[catalog.Kind]string{
	catalog.KindTrack: "tracks", catalog.KindAlbum: "albums", catalog.KindArtist: "artists", catalog.KindPlaylist: "playlists",
}

// searchCursor is the token of a search page: the type, the offset, and a
// hash of the query, so that a token is refused with another search.
func searchCursor(kind catalog.Kind, q catalog.Query, offset int) string {
	h := fnv.New32a()
	h.Write([]byte(q.Text()))
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "s:%s:%d:%08x", kind, offset, h.Sum32()))
}

// parseSearchCursor returns the offset a searchCursor of the same search
// names.
func parseSearchCursor(c string, kind catalog.Kind, q catalog.Query) (int, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	p := strings.Split(string(b), ":")
	if err == nil && len(p) == 4 && p[0] == "s" {
		if n, err := strconv.Atoi(p[2]); err == nil && n >= 0 && c == searchCursor(kind, q, n) {
			return n, nil
		}
	}
	return 0, segue.Errorf(segue.EBadRequest, "cursor: not a token this server gave for this search")
}

// searchRequest is a parsed GET /v1/search.
type searchRequest struct {
	q      catalog.Query
	kinds  []catalog.Kind
	limit  int
	offset int
}

func parseSearch(r *http.Request) (searchRequest, error) {
	var sr searchRequest
	kw, _, err := queryOnce(r, "keyword")
	if err != nil {
		return sr, err
	}
	if sr.q, err = catalog.ParseKeyword(kw); err != nil {
		return sr, err
	}
	types, given, err := queryOnce(r, "types")
	if err != nil {
		return sr, err
	}
	if given && types == "" {
		return sr, segue.Errorf(segue.EBadRequest, "types: empty; use track, album, artist, playlist, or leave it out for all")
	}
	if sr.kinds, err = catalog.ParseKinds(types); err != nil {
		return sr, err
	}
	if sr.limit, err = queryInt(r, "limit", defaultSearchPage, 1, maxSearchPage); err != nil {
		return sr, err
	}
	c, _, err := queryOnce(r, "cursor")
	if err != nil || c == "" {
		return sr, err
	}
	if len(sr.kinds) != 1 {
		return sr, segue.Errorf(segue.EBadRequest, "cursor: give it with a single type in types")
	}
	sr.offset, err = parseSearchCursor(c, sr.kinds[0], sr.q)
	return sr, err
}

// search answers, for each type asked, a page of the best matches.
func (s *Server) search() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sr, err := parseSearch(r)
		if err != nil {
			writeError(w, r, err)
			return
		}
		out := map[string]any{}
		for _, kind := range sr.kinds {
			ids, more, err := s.Catalog.Search(r.Context(), kind, sr.q, sr.offset, sr.limit)
			if err != nil {
				writeError(w, r, err)
				return
			}
			entities, err := s.searchEntities(r.Context(), kind, ids)
			if err != nil {
				writeError(w, r, err)
				return
			}
			info := pageInfoJSON{HasNextPage: more}
			if more {
				info.Token = searchCursor(kind, sr.q, sr.offset+len(ids))
			}
			out[searchKeys[kind]] = map[string]any{"entities": entities, "pageInfo": info}
		}
		writeData(w, out)
	})
}

// searchEntities renders the items of kind with ids, in that order.
func (s *Server) searchEntities(ctx context.Context, kind catalog.Kind, ids []string) ([]any, error) {
	switch kind {
	case catalog.KindTrack:
		m, err := s.Catalog.Tracks(ctx, ids)
		return ordered(m, ids, s.trackEntity), err
	case catalog.KindAlbum:
		m, err := s.Catalog.Albums(ctx, ids)
		return ordered(m, ids, s.album), err
	case catalog.KindArtist:
		m, err := s.Catalog.Artists(ctx, ids)
		return ordered(m, ids, s.artist), err
	}
	m, err := s.Catalog.Playlists(ctx, ids)
	return ordered(m, ids, s.playlist), err
}

// ordered renders the items of found with ids, in that order, leaving out
// those it lacks.
func ordered[T any](found map[string]T, ids []string, render func(T) any) []any {
	out := make([]any, 0, len(ids))
	for _, id := range ids {
		if v, ok := found[id]; ok {
			out = append(out, render(v))
		}
	}
	return out
}
