package storetest

import (
	"bytes"
	"context"
	"image/color"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segue/segue"
	"github.com/segue/segue/catalog"
	"github.com/segue/segue/library"
	"github.com/segue/segue/library/audiogen"
)

// Librarian is what a library scan needs of a store, and the covers it
// serves.
type Librarian interface {
	library.Store
	Cover(ctx context.Context, albumID string) (catalog.Cover, error)
}

// writeAudio writes a generated file, with its modification time set
// to at (a rescan tells changes by size and time).
func writeAudio(t *testing.T, path string, b []byte, at time.Time) {
	t.Helper()
	must(t, os.MkdirAll(filepath.Dir(path), 0o755))
	must(t, os.WriteFile(path, b, 0o644))
	must(t, os.Chtimes(path, at, at))
}

// scan runs a library scan and checks its counts.
func scan(t *testing.T, db Store, dir string, added, updated, unchanged, removed, failed int) library.Report {
	t.Helper()
	rep, err := library.Scan(ctx, db, dir)
	if err != nil {
		t.Fatalf("Scan(%s): %v", dir, err)
	}
	if rep.Added != added || rep.Updated != updated || rep.Unchanged != unchanged || rep.Removed != removed || len(rep.Failed) != failed {
		t.Fatalf("Scan(%s) = %+v; want %d added, %d updated, %d unchanged, %d removed, %d failed",
			dir, rep, added, updated, unchanged, removed, failed)
	}
	return rep
}

// trackByTitle finds a track by its exact title, which must exist.
func trackByTitle(t *testing.T, db Store, title string) catalog.Track {
	t.Helper()
	ids, _, err := db.Search(ctx, catalog.KindTrack, catalog.Query{Words: catalog.Words(title)}, 0, 10)
	if err != nil {
		t.Fatalf("Search(%q): %v", title, err)
	}
	tracks, err := db.Tracks(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if tracks[id].Title == title {
			return tracks[id]
		}
	}
	t.Fatalf("no track titled %q in %q", title, ids)
	return catalog.Track{}
}

// testLibrary scans generated audio files into a store on the small
// catalog: new files become tracks under reused or new artists, albums
// and genres, ordered by disc and number, with covers; rescans skip
// unchanged files, update changed ones and retire removed ones; a file
// that cannot be read is reported and the rest applied.
func (s *suite) testLibrary(t *testing.T) {
	db := s.open(t)
	must(t, db.LoadCatalog(ctx, small()))
	dir := t.TempDir()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cover := audiogen.PNG(color.RGBA{200, 30, 30, 255})
	night := audiogen.Tags{Artist: "Test Artist", Album: "Night Drive", Genre: "Synthwave", Year: 2024, Cover: cover}
	t2 := night
	t2.Title, t2.Track, t2.ISRC, t2.Duration = "Second Light", 2, "USRC17607839", 2500*time.Millisecond
	t1 := night
	t1.Title, t1.Track, t1.Duration = "First Light", 1, 1500*time.Millisecond
	d2 := night
	d2.Title, d2.Track, d2.Disc, d2.Duration, d2.Cover = "Encore", 1, 2, time.Second, nil
	onA1 := audiogen.Tags{Title: "Joins A1", Artist: "a1", Album: "l1", Genre: "ONE", Track: 1, Duration: time.Second}
	writeAudio(t, filepath.Join(dir, "night", "02.flac"), audiogen.FLAC(t2), at)
	writeAudio(t, filepath.Join(dir, "night", "01.mp3"), audiogen.MP3(t1), at)
	writeAudio(t, filepath.Join(dir, "night", "cd2", "01.opus"), audiogen.Opus(d2), at)
	writeAudio(t, filepath.Join(dir, "a1.m4a"), audiogen.M4A(onA1), at)
	writeAudio(t, filepath.Join(dir, ".hidden", "x.mp3"), audiogen.MP3(t1), at)
	writeAudio(t, filepath.Join(dir, "notes.txt"), []byte("not audio"), at)
	scan(t, db, dir, 4, 0, 0, 0, 0)

	second := trackByTitle(t, db, "Second Light")
	if second.Format != "FLAC" || second.ISRC != "USRC17607839" || second.DurationMs < 2450 || second.DurationMs > 2550 ||
		second.MediaType != "AUDIO" || !strings.HasSuffix(second.AudioPath, "/night/02.flac") || !second.HasCover ||
		!strings.HasPrefix(second.ID, catalog.LibraryIDPrefix) {
		t.Errorf("scanned FLAC track = %+v", second)
	}
	first := trackByTitle(t, db, "First Light")
	encore := trackByTitle(t, db, "Encore")
	if first.Format != "MP3" || encore.Format != "OPUS" || first.AlbumID != second.AlbumID || encore.AlbumID != second.AlbumID {
		t.Errorf("album tracks: %+v / %+v / %+v", first, second, encore)
	}
	wantTracks(t, db, second.AlbumID, first.ID, second.ID, encore.ID) // by disc, then number
	joined := trackByTitle(t, db, "Joins A1")
	if joined.ArtistID != "a1" || joined.AlbumID != "al1" || joined.GenreID != "g1" || joined.Format != "AAC" {
		t.Errorf("a file tagged with the catalog's names (folded) = %+v; want artist a1, album al1, genre g1", joined)
	}
	wantTracks(t, db, "al1", "t2", "t1", joined.ID) // after the album's own tracks
	c, err := db.Cover(ctx, second.AlbumID)
	if err != nil || c.MIMEType != "image/png" || !bytes.Equal(c.Data, cover) {
		t.Errorf("Cover = %q, %d bytes, %v; want the PNG", c.MIMEType, len(c.Data), err)
	}
	if al, err := db.Albums(ctx, []string{second.AlbumID, "al1"}); err != nil || !al[second.AlbumID].HasCover || al["al1"].HasCover ||
		al[second.AlbumID].TrackCount != 3 || al[second.AlbumID].Title != "Night Drive" {
		t.Errorf("Albums = %+v, %v", al, err)
	}
	_, err = db.Cover(ctx, "al1")
	wantCode(t, err, segue.ENotFound)

	// A rescan opens nothing; a changed file is read again.
	scan(t, db, dir, 0, 0, 4, 0, 0)
	t1.Title = "First Light (Remaster)"
	writeAudio(t, filepath.Join(dir, "night", "01.mp3"), audiogen.MP3(t1), at.Add(time.Hour))
	must(t, os.WriteFile(filepath.Join(dir, "broken.mp3"), []byte("ID3 but not really"), 0o644))
	rep := scan(t, db, dir, 0, 1, 3, 0, 1)
	if !strings.HasSuffix(rep.Failed[0].Path, "broken.mp3") {
		t.Errorf("failed = %+v", rep.Failed)
	}
	if got := trackByTitle(t, db, "First Light (Remaster)"); got.ID != first.ID {
		t.Errorf("a changed file became track %s, want the same id %s", got.ID, first.ID)
	}

	// Another folder's scan leaves these files alone.
	other := t.TempDir()
	writeAudio(t, filepath.Join(other, "solo.flac"), audiogen.FLAC(audiogen.Tags{Title: "Solo", Artist: "Lone"}), at)
	scan(t, db, other, 1, 0, 0, 0, 0)
	scan(t, db, dir, 0, 0, 4, 0, 1)

	// Removed files retire their tracks, and what is left with nothing.
	must(t, os.RemoveAll(filepath.Join(dir, "night")))
	must(t, os.Remove(filepath.Join(dir, "a1.m4a")))
	scan(t, db, dir, 0, 0, 0, 4, 1)
	got, err := db.Tracks(ctx, []string{first.ID, second.ID, encore.ID, joined.ID, "t1"})
	if err != nil || len(got) != 1 {
		t.Errorf("after removal Tracks = %v, %v; want only t1", slices.Collect(maps.Keys(got)), err)
	}
	if al, err := db.Albums(ctx, []string{second.AlbumID, "al1"}); err != nil || len(al) != 1 || al["al1"].TrackCount != 2 {
		t.Errorf("after removal Albums = %+v, %v; want al1 alone with its 2 tracks", al, err)
	}
	_, err = db.Cover(ctx, second.AlbumID)
	wantCode(t, err, segue.ENotFound)
	if ids, _, err := db.Search(ctx, catalog.KindArtist, catalog.Query{Words: catalog.Words("Test Artist")}, 0, 10); err != nil || len(ids) != 0 {
		t.Errorf("search for the retired artist = %q, %v; want nothing", ids, err)
	}
	trackByTitle(t, db, "Solo")
}
