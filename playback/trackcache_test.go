package playback_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/segue/segue/catalog"
	"github.com/segue/segue/playback"
	"github.com/segue/segue/sqlite"
)

// TestCacheTracks: a cached catalog answers from its cache until the TTL
// runs out, and finds a track added since at once.
func TestCacheTracks(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "c.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tr := func(id, title string) catalog.Track {
		return catalog.Track{ID: id, Title: title, AlbumID: "al", ArtistID: "ar", DurationMs: 1000, Format: "MP3", MediaType: "AUDIO"}
	}
	if err := db.LoadCatalog(ctx, &catalog.Data{
		Artists: []catalog.Artist{{ID: "ar", Name: "A"}},
		Albums:  []catalog.Album{{ID: "al", Title: "L", ArtistID: "ar"}},
		Tracks:  []catalog.Track{tr("t1", "One")},
	}); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := playback.CacheTracks(db, time.Second, func() time.Time { return now })
	title := func(id string) string {
		t.Helper()
		got, err := c.Tracks(ctx, []string{id})
		if err != nil {
			t.Fatal(err)
		}
		return got[id].Title
	}
	if got := title("t1"); got != "One" {
		t.Fatalf("t1 = %q", got)
	}
	if _, err := db.ImportCatalog(ctx, &catalog.Data{Tracks: []catalog.Track{tr("t1", "Renamed"), tr("t2", "Two")}}); err != nil {
		t.Fatal(err)
	}
	if got := title("t1"); got != "One" {
		t.Errorf("within the TTL t1 = %q, want the cached One", got)
	}
	if got := title("t2"); got != "Two" {
		t.Errorf("a new track = %q, want it found at once", got)
	}
	now = now.Add(time.Second)
	if got := title("t1"); got != "Renamed" {
		t.Errorf("after the TTL t1 = %q, want Renamed", got)
	}
	if playback.CacheTracks(db, 0, time.Now) != playback.Catalog(db) {
		t.Error("a zero TTL wraps the catalog")
	}
}
