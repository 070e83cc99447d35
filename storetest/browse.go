package storetest

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/segue/segue"
	"github.com/segue/segue/catalog"
)

// Browser is what the catalog browse API reads of a store, and the
// rebuild of its search index.
type Browser interface {
	Albums(ctx context.Context, ids []string) (map[string]catalog.AlbumInfo, error)
	Artists(ctx context.Context, ids []string) (map[string]catalog.ArtistInfo, error)
	Playlists(ctx context.Context, ids []string) (map[string]catalog.PlaylistInfo, error)
	ContainerTracks(ctx context.Context, kind catalog.Kind, id string, from, limit int) (catalog.TrackPage, error)
	ArtistDetail(ctx context.Context, id string) (catalog.ArtistDetail, error)
	Search(ctx context.Context, kind catalog.Kind, q catalog.Query, offset, limit int) ([]string, bool, error)
	IndexCatalog(ctx context.Context) error
}

// testBrowse checks the browse reads of the Chinook catalog against the
// catalog's data.
func (s *suite) testBrowse(t *testing.T) {
	d := s.data
	albumMs := map[string]int64{}
	albumTracks := map[string][]string{}
	for _, tr := range d.Tracks {
		albumMs[tr.AlbumID] += tr.DurationMs
		albumTracks[tr.AlbumID] = append(albumTracks[tr.AlbumID], tr.ID)
	}
	t.Run("Albums", func(t *testing.T) {
		got, err := s.cat.Albums(ctx, []string{"B0CA000004", "nope", "B0CA000001", "B0CT000001"})
		if err != nil || len(got) != 2 {
			t.Fatalf("Albums = %v, %v; want 2 albums", got, err)
		}
		want := catalog.AlbumInfo{Album: d.Albums[0], ArtistName: "AC/DC", TrackCount: 10, DurationMs: albumMs["B0CA000001"]}
		if got["B0CA000001"] != want {
			t.Errorf("album 1 = %+v, want %+v", got["B0CA000001"], want)
		}
		if m, err := s.cat.Albums(ctx, nil); err != nil || len(m) != 0 {
			t.Errorf("Albums(nil) = %v, %v", m, err)
		}
	})
	t.Run("Artists", func(t *testing.T) {
		got, err := s.cat.Artists(ctx, []string{"B0CR000001", "B0CR000090", "B0CA000001"})
		want := map[string]catalog.ArtistInfo{
			"B0CR000001": {Artist: catalog.Artist{ID: "B0CR000001", Name: "AC/DC"}, AlbumCount: 2},
			"B0CR000090": {Artist: catalog.Artist{ID: "B0CR000090", Name: "Iron Maiden"}, AlbumCount: 21},
		}
		if err != nil || !maps.Equal(got, want) {
			t.Errorf("Artists = %+v, %v; want %+v", got, err, want)
		}
	})
	t.Run("Playlists", func(t *testing.T) {
		p := d.Playlists[2]
		var ms int64
		for _, id := range p.TrackIDs {
			ms += trackByID(d, id).DurationMs
		}
		got, err := s.cat.Playlists(ctx, []string{p.ID, "B0CP999999"})
		want := catalog.PlaylistInfo{ID: p.ID, Name: p.Name, TrackCount: len(p.TrackIDs), DurationMs: ms}
		if err != nil || len(got) != 1 || got[p.ID] != want {
			t.Errorf("Playlists = %+v, %v; want %+v", got, err, want)
		}
	})
	t.Run("ContainerTracks", func(t *testing.T) {
		for _, c := range []struct {
			kind  catalog.Kind
			id    string
			limit int
			want  []string
		}{
			{catalog.KindAlbum, "B0CA000001", 3, albumTracks["B0CA000001"]},
			{catalog.KindAlbum, "B0CA000001", 10, albumTracks["B0CA000001"]},
			{catalog.KindPlaylist, d.Playlists[2].ID, 100, d.Playlists[2].TrackIDs},
			{catalog.KindPlaylist, d.Playlists[17].ID, 5, d.Playlists[17].TrackIDs},
		} {
			if got := s.allTracks(t, s.cat, c.kind, c.id, c.limit); !slices.Equal(got, c.want) {
				t.Errorf("%s %s by %d: %q, want %q", c.kind, c.id, c.limit, got, c.want)
			}
		}
		for _, c := range []struct {
			kind catalog.Kind
			id   string
		}{{catalog.KindAlbum, "B0CA999999"}, {catalog.KindAlbum, "B0CP000001"}, {catalog.KindPlaylist, "B0CA000001"}} {
			_, err := s.cat.ContainerTracks(ctx, c.kind, c.id, 0, 10)
			wantCode(t, err, segue.ENotFound)
		}
	})
	t.Run("ArtistDetail", func(t *testing.T) {
		got, err := s.cat.ArtistDetail(ctx, "B0CR000001")
		if err != nil {
			t.Fatal(err)
		}
		albums := []string{}
		for _, a := range got.Albums {
			albums = append(albums, a.ID)
		}
		if got.Artist.Name != "AC/DC" || got.Artist.AlbumCount != 2 || !slices.Equal(albums, []string{"B0CA000001", "B0CA000004"}) ||
			got.Albums[0].TrackCount != 10 || got.Albums[0].ArtistName != "AC/DC" {
			t.Errorf("ArtistDetail = %+v", got)
		}
		for _, artist := range []string{"B0CR000001", "B0CR000090", "B0CR000006"} {
			got, err := s.cat.ArtistDetail(ctx, artist)
			if want := topTracks(d, artist); err != nil || !slices.Equal(idsOf(got.TopTracks), want) {
				t.Errorf("top tracks of %s = %q, %v; want %q", artist, idsOf(got.TopTracks), err, want)
			}
			if len(got.TopTracks) > 0 && got.TopTracks[0] != trackByID(d, got.TopTracks[0].ID) {
				t.Errorf("top track %+v is not the catalog's", got.TopTracks[0])
			}
		}
		_, err = s.cat.ArtistDetail(ctx, "B0CA000001")
		wantCode(t, err, segue.ENotFound)
	})
}

// allTracks pages through a container's tracks.
func (s *suite) allTracks(t *testing.T, db Store, kind catalog.Kind, id string, limit int) []string {
	t.Helper()
	var out []string
	for from := 0; from >= 0; {
		p, err := db.ContainerTracks(ctx, kind, id, from, limit)
		if err != nil || len(p.Tracks) > limit || p.Next >= 0 && len(p.Tracks) != limit {
			t.Fatalf("ContainerTracks(%s, %d, %d) = %d tracks, next %d, %v", id, from, limit, len(p.Tracks), p.Next, err)
		}
		out, from = append(out, idsOf(p.Tracks)...), p.Next
	}
	return out
}

func idsOf(ts []catalog.Track) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.ID
	}
	return out
}

func trackByID(d *catalog.Data, id string) catalog.Track {
	for _, t := range d.Tracks {
		if t.ID == id {
			return t
		}
	}
	return catalog.Track{}
}

// topTracks is the rule for an artist's top tracks: the number of
// playlists that hold a track, most first, then album order.
func topTracks(d *catalog.Data, artist string) []string {
	inPlaylists := map[string]map[string]bool{}
	for _, p := range d.Playlists {
		for _, id := range p.TrackIDs {
			if inPlaylists[id] == nil {
				inPlaylists[id] = map[string]bool{}
			}
			inPlaylists[id][p.ID] = true
		}
	}
	type ranked struct {
		id, album      string
		pos, playlists int
	}
	pos := map[string]int{}
	var tracks []ranked
	for _, t := range d.Tracks {
		pos[t.AlbumID]++
		if t.ArtistID == artist {
			tracks = append(tracks, ranked{t.ID, t.AlbumID, pos[t.AlbumID], len(inPlaylists[t.ID])})
		}
	}
	slices.SortFunc(tracks, func(a, b ranked) int {
		if n := b.playlists - a.playlists; n != 0 {
			return n
		}
		if c := strings.Compare(a.album, b.album); c != 0 {
			return c
		}
		return a.pos - b.pos
	})
	var out []string
	for _, t := range tracks[:min(len(tracks), catalog.TopTracks)] {
		out = append(out, t.id)
	}
	return out
}
