package catalog

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

// The Chinook database (MIT licence, see chinook/LICENSE.md) as JSON.
//
//go:embed chinook/chinook-catalog.json
var chinookJSON []byte

// Data is a whole catalog to load into a store.
type Data struct {
	Genres    []Genre
	Artists   []Artist
	Albums    []Album
	Tracks    []Track
	Playlists []Playlist
}

// Genre is a musical genre.
type Genre struct{ ID, Name string }

// Artist is a performer.
type Artist struct{ ID, Name string }

// Album is a release by one artist.
type Album struct{ ID, Title, ArtistID string }

// Playlist is an ordered list of tracks.
type Playlist struct {
	ID, Name string
	TrackIDs []string
}

// Demo catalog ids are Chinook's ids with a prefix per kind (SPEC.md §6).
func chinookID(prefix string, n int) string { return fmt.Sprintf("%s%06d", prefix, n) }

// ChinookTrackID returns the catalog id of Chinook track n.
func ChinookTrackID(n int) string { return chinookID("B0CT", n) }

// UnlimitedArtists are the Chinook artists whose albums the demo marks
// Unlimited-only (Led Zeppelin and Metallica), so that lower tiers can see
// NEED_AMAZON_MUSIC_UNLIMITED_CATALOG_ACCESS.
var UnlimitedArtists = map[int]bool{22: true, 50: true}

// Chinook returns the demo catalog: Chinook's 3,503 tracks, 347 albums,
// 275 artists, 18 playlists and 25 genres. Its tracks have no audio.
func Chinook() (*Data, error) {
	var raw struct {
		Genre []struct {
			GenreId int
			Name    string
		}
		MediaType []struct {
			MediaTypeId int
			Name        string
		}
		Artist []struct {
			ArtistId int
			Name     string
		}
		Album []struct {
			AlbumId  int
			Title    string
			ArtistId int
		}
		Track []struct {
			TrackId      int
			Name         string
			AlbumId      int
			MediaTypeId  int
			GenreId      int
			Composer     *string
			Milliseconds int64
		}
		Playlist []struct {
			PlaylistId int
			Name       string
		}
		PlaylistTrack []struct{ PlaylistId, TrackId int }
	}
	if err := json.Unmarshal(chinookJSON, &raw); err != nil {
		return nil, fmt.Errorf("catalog: decode chinook: %w", err)
	}
	d := &Data{}
	for _, g := range raw.Genre {
		d.Genres = append(d.Genres, Genre{chinookID("B0CG", g.GenreId), g.Name})
	}
	artists := map[int]string{}
	for _, a := range raw.Artist {
		artists[a.ArtistId] = a.Name
		d.Artists = append(d.Artists, Artist{chinookID("B0CR", a.ArtistId), a.Name})
	}
	albums := map[int]Album{}
	albumArtist := map[int]string{}
	unlimited := map[int]bool{}
	for _, a := range raw.Album {
		unlimited[a.AlbumId] = UnlimitedArtists[a.ArtistId]
		al := Album{chinookID("B0CA", a.AlbumId), a.Title, chinookID("B0CR", a.ArtistId)}
		albums[a.AlbumId] = al
		albumArtist[a.AlbumId] = artists[a.ArtistId]
		d.Albums = append(d.Albums, al)
	}
	for _, t := range raw.Track {
		al, ok := albums[t.AlbumId]
		if !ok {
			return nil, fmt.Errorf("catalog: chinook track %d names unknown album %d", t.TrackId, t.AlbumId)
		}
		format, media := "MP3", "AUDIO"
		switch t.MediaTypeId {
		case 2, 4, 5:
			format = "AAC"
		case 3:
			format, media = "MP4", "VIDEO"
		}
		tr := Track{
			ID: ChinookTrackID(t.TrackId), Title: t.Name,
			AlbumID: al.ID, AlbumTitle: al.Title, ArtistID: al.ArtistID, ArtistName: albumArtist[t.AlbumId],
			GenreID: chinookID("B0CG", t.GenreId), DurationMs: t.Milliseconds,
			Format: format, MediaType: media, UnlimitedOnly: unlimited[t.AlbumId],
		}
		if t.Composer != nil {
			tr.Composer = *t.Composer
		}
		d.Tracks = append(d.Tracks, tr)
	}
	idx := map[int]int{}
	for _, p := range raw.Playlist {
		idx[p.PlaylistId] = len(d.Playlists)
		d.Playlists = append(d.Playlists, Playlist{ID: chinookID("B0CP", p.PlaylistId), Name: p.Name})
	}
	for _, pt := range raw.PlaylistTrack {
		i, ok := idx[pt.PlaylistId]
		if !ok {
			return nil, fmt.Errorf("catalog: chinook playlist track names unknown playlist %d", pt.PlaylistId)
		}
		d.Playlists[i].TrackIDs = append(d.Playlists[i].TrackIDs, ChinookTrackID(pt.TrackId))
	}
	return d, nil
}
