package storetest

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/segue/segue/catalog"
)

// importData parses a JSON catalog or fails the test.
func importData(t *testing.T, js string) *catalog.Data {
	t.Helper()
	d, err := catalog.ParseImport(strings.NewReader(js))
	if err != nil {
		t.Fatalf("ParseImport: %v", err)
	}
	return d
}

func importOK(t *testing.T, db Store, d *catalog.Data, want catalog.ImportStats) {
	t.Helper()
	st, err := db.ImportCatalog(ctx, d)
	if err != nil || st != want {
		t.Fatalf("ImportCatalog = %+v, %v; want %+v", st, err, want)
	}
}

func wantTracks(t *testing.T, db Store, id string, want ...string) {
	t.Helper()
	if it, err := db.Resolve(ctx, id); err != nil || !slices.Equal(trackIDs(it.Tracks), want) {
		t.Errorf("Resolve(%s) = %+v, %v; want tracks %q", id, it, err, want)
	}
}

// onChinook is a JSON catalog that adds to Chinook and changes some of
// it: a new artist with an album, a track added to Chinook's album 1
// (with its artist, AC/DC, by default), album 1 renamed, playlist 3
// replaced.
const onChinook = `{
	"genres": [{"id": "IG1", "name": "Zydeco"}],
	"artists": [{"id": "IR1", "name": "Quixotic Quartet"}],
	"albums": [
		{"id": "IA1", "title": "Imported Album", "artistId": "IR1"},
		{"id": "B0CA000001", "title": "Renamed Album", "artistId": "B0CR000001"}
	],
	"tracks": [
		{"id": "IT1", "title": "Zanzibar Nights", "albumId": "IA1", "genreId": "IG1", "durationMs": 1000, "format": "FLAC"},
		{"id": "IT2", "title": "Second", "albumId": "IA1", "durationMs": 2000, "isrc": "USRC17607839"},
		{"id": "IT3", "title": "Bonus", "albumId": "B0CA000001", "genreId": "B0CG000001", "durationMs": 3000}
	],
	"playlists": [{"id": "B0CP000003", "name": "Replaced", "trackIds": ["IT1", "B0CT000001", "IT1"]}]
}`

// testImportJSON checks ImportCatalog: adds and updates by id, in one
// transaction, with the search index kept in step.
func (s *suite) testImportJSON(t *testing.T) {
	t.Run("Empty", func(t *testing.T) {
		db := s.open(t)
		d := importData(t, `{"artists": [{"id": "r1", "name": "Solo"}], "albums": [{"id": "a1", "title": "Alone", "artistId": "r1"}],
			"tracks": [{"id": "t1", "title": "Uno", "albumId": "a1", "durationMs": 5}, {"id": "t2", "title": "Dos", "albumId": "a1", "durationMs": 6}]}`)
		importOK(t, db, d, catalog.ImportStats{Added: catalog.ImportCounts{Artists: 1, Albums: 1, Tracks: 2}})
		if n, err := db.CatalogSize(ctx); err != nil || n != 2 {
			t.Errorf("CatalogSize = %d, %v; want 2", n, err)
		}
		wantTracks(t, db, "a1", "t1", "t2")
		tr, err := db.Tracks(ctx, []string{"t2"})
		want := catalog.Track{ID: "t2", Title: "Dos", AlbumID: "a1", AlbumTitle: "Alone", ArtistID: "r1", ArtistName: "Solo",
			DurationMs: 6, Format: "MP3", MediaType: "AUDIO"}
		if err != nil || !reflect.DeepEqual(tr["t2"], want) {
			t.Errorf("Tracks = %+v, %v; want %+v", tr, err, want)
		}
	})

	db := s.open(t)
	must(t, db.LoadCatalog(ctx, s.data))
	size := len(s.data.Tracks)
	var album1 []string
	for _, tr := range s.data.Tracks {
		if tr.AlbumID == "B0CA000001" {
			album1 = append(album1, tr.ID)
		}
	}
	// These run in order, on one store with Chinook.
	t.Run("DanglingChangesNothing", func(t *testing.T) {
		d := importData(t, `{"artists": [{"id": "DR1", "name": "Dangling"}],
			"albums": [{"id": "DA1", "title": "t", "artistId": "NOPE1"}, {"id": "B0CA000002", "title": "Changed", "artistId": "DR1"}],
			"tracks": [{"id": "DT1", "title": "t", "albumId": "B0CA000001", "durationMs": 1},
				{"id": "DT2", "title": "t", "albumId": "NOPE2", "genreId": "NOPE3", "durationMs": 1}],
			"playlists": [{"id": "DP1", "name": "p", "trackIds": ["DT1", "B0CT000001", "NOPE4"]}]}`)
		_, err := db.ImportCatalog(ctx, d)
		var ie *catalog.ImportError
		if !errors.As(err, &ie) {
			t.Fatalf("ImportCatalog = %v, want an *catalog.ImportError", err)
		}
		want := []catalog.Problem{
			{Where: "albums[0]", Field: "artistId", Message: "no artist NOPE1 in the file or the catalog"},
			{Where: "tracks[1]", Field: "albumId", Message: "no album NOPE2 in the file or the catalog"},
			{Where: "tracks[1]", Field: "genreId", Message: "no genre NOPE3 in the file or the catalog"},
			{Where: "playlists[0]", Field: "trackIds[2]", Message: "no track NOPE4 in the file or the catalog"},
		}
		if !reflect.DeepEqual(ie.Problems, want) {
			t.Errorf("problems = %+v\nwant %+v", ie.Problems, want)
		}
		if n, err := db.CatalogSize(ctx); err != nil || n != size {
			t.Errorf("CatalogSize = %d, %v; want %d", n, err, size)
		}
		if ar, err := db.Artists(ctx, []string{"DR1"}); err != nil || len(ar) != 0 {
			t.Errorf("artist of a failed import: %+v, %v", ar, err)
		}
		if al, err := db.Albums(ctx, []string{"B0CA000002"}); err != nil || al["B0CA000002"].Title == "Changed" {
			t.Errorf("album changed by a failed import: %+v, %v", al, err)
		}
		wantTracks(t, db, "B0CA000001", album1...)
	})
	d := importData(t, onChinook)
	t.Run("OnChinook", func(t *testing.T) {
		importOK(t, db, d, catalog.ImportStats{
			Added:   catalog.ImportCounts{Genres: 1, Artists: 1, Albums: 1, Tracks: 3},
			Updated: catalog.ImportCounts{Albums: 1, Playlists: 1},
		})
		if n, err := db.CatalogSize(ctx); err != nil || n != size+3 {
			t.Errorf("CatalogSize = %d, %v; want %d", n, err, size+3)
		}
		wantTracks(t, db, "IA1", "IT1", "IT2")
		wantTracks(t, db, "B0CA000001", append(slices.Clone(album1), "IT3")...) // after the album's tracks
		wantTracks(t, db, "B0CP000003", "IT1", "B0CT000001", "IT1")
		tr, err := db.Tracks(ctx, []string{"B0CT000001", "IT3", "IT1"})
		if err != nil || tr["B0CT000001"].AlbumTitle != "Renamed Album" || tr["IT3"].ArtistID != "B0CR000001" ||
			tr["IT3"].ArtistName != "AC/DC" || tr["IT1"].Format != "FLAC" || tr["IT1"].GenreID != "IG1" {
			t.Errorf("Tracks = %+v, %v", tr, err)
		}
		if p, err := db.Playlists(ctx, []string{"B0CP000003"}); err != nil || p["B0CP000003"].Name != "Replaced" || p["B0CP000003"].TrackCount != 3 {
			t.Errorf("Playlists = %+v, %v", p, err)
		}
	})
	t.Run("Search", func(t *testing.T) {
		for kind, kw := range map[catalog.Kind]string{catalog.KindTrack: "zanzib", catalog.KindAlbum: "renamed album",
			catalog.KindArtist: "quixotic", catalog.KindPlaylist: "replaced"} {
			q, err := catalog.ParseKeyword(kw)
			must(t, err)
			ids, _, err := db.Search(ctx, kind, q, 0, 10)
			if err != nil || len(ids) == 0 {
				t.Errorf("Search(%s, %q) = %q, %v; want the imported item", kind, kw, ids, err)
			}
		}
		q, _ := catalog.ParseKeyword("for those about to rock")
		if ids, _, err := db.Search(ctx, catalog.KindAlbum, q, 0, 10); err != nil || slices.Contains(ids, "B0CA000001") {
			t.Errorf("the old title of a renamed album still finds it: %q, %v", ids, err)
		}
	})
	t.Run("Idempotent", func(t *testing.T) {
		importOK(t, db, d, catalog.ImportStats{Updated: catalog.ImportCounts{Genres: 1, Artists: 1, Albums: 2, Tracks: 3, Playlists: 1}})
		if n, err := db.CatalogSize(ctx); err != nil || n != size+3 {
			t.Errorf("CatalogSize = %d, %v; want %d", n, err, size+3)
		}
		wantTracks(t, db, "IA1", "IT1", "IT2")
		wantTracks(t, db, "B0CA000001", append(slices.Clone(album1), "IT3")...)
		wantTracks(t, db, "B0CP000003", "IT1", "B0CT000001", "IT1")
	})
}
