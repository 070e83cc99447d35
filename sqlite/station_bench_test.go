package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/segue/segue/catalog"
	"github.com/segue/segue/sqlite"
)

// BenchmarkStationTracks times one batch of a station (25 tracks, a
// horizon of 500 excluded tracks, a new salt each time) on Chinook, for a
// seed of each kind. One batch should stay well under 20 ms.
func BenchmarkStationTracks(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "station.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	d, err := catalog.Chinook()
	if err != nil {
		b.Fatal(err)
	}
	if err := db.LoadCatalog(ctx, d); err != nil {
		b.Fatal(err)
	}
	exclude := map[string]bool{}
	for i := range 500 { // a horizon of tracks played, spread through the catalog
		exclude[catalog.ChinookTrackID(i*7%len(d.Tracks)+1)] = true
	}
	for _, seed := range []struct{ name, id string }{
		{"Track", "B0CT000001"},       // AC/DC
		{"Album", "B0CA000001"},       // AC/DC
		{"Artist", "B0CR000090"},      // Iron Maiden, 213 tracks
		{"Playlist", "B0CP000016"},    // Grunge, 15 tracks
		{"BigPlaylist", "B0CP000001"}, // Music, 3,290 tracks
		{"Fallback", "B0CR000009"},    // BackBeat: a genre and playlists of its own
		{"Classical", "B0CP000012"},   // 75 tracks by 67 artists
		{"TVShows", "B0CP000003"},     // 213 tracks, 6 artists
		{"Station", "mrn:1.0:catalog:station:asin:B0CT000001"},
	} {
		b.Run(seed.name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				got, err := db.StationTracks(ctx, seed.id, exclude, 25, uint64(i), true)
				if err != nil || len(got) != 25 {
					b.Fatalf("StationTracks = %d tracks, %v", len(got), err)
				}
			}
		})
	}
}
