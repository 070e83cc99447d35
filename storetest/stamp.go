package storetest

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/segue/segue/auth"
	"github.com/segue/segue/catalog"
	"github.com/segue/segue/library/audiogen"
	"github.com/segue/segue/playback"
)

// testCatalogStamp checks CatalogStamp, which tells caches of tracks
// (playback.CacheTracks) that the catalog changed: every change of the
// catalog (LoadCatalog, ImportCatalog, ApplyLibrary), made through this
// handle or another one on the database, as an admin command beside a
// server, changes it; an import that fails, reads of the catalog and
// writes of sessions and users do not.
func (s *suite) testCatalogStamp(t *testing.T) {
	e := s.newEnv(t)
	db := e.db
	admin := s.open(t)
	stamp := func() int64 {
		t.Helper()
		n, err := db.CatalogStamp(ctx)
		if err != nil {
			t.Fatalf("CatalogStamp: %v", err)
		}
		return n
	}
	n := stamp()
	changed := func(what string) {
		t.Helper()
		if got := stamp(); got == n {
			t.Errorf("%s left the stamp at %d", what, n)
		} else {
			n = got
		}
	}
	same := func(what string) {
		t.Helper()
		if got := stamp(); got != n {
			t.Errorf("%s changed the stamp from %d to %d", what, n, got)
			n = got
		}
	}

	must(t, db.LoadCatalog(ctx, small()))
	changed("LoadCatalog")
	importOK(t, admin, importData(t, `{"tracks": [{"id": "t1", "title": "Renamed", "albumId": "al1", "durationMs": 1000}]}`),
		catalog.ImportStats{Updated: catalog.ImportCounts{Tracks: 1}})
	changed("ImportCatalog on another handle")
	if _, err := admin.ImportCatalog(ctx, importData(t, `{"tracks": [{"id": "t1", "title": "Lost", "albumId": "nope", "durationMs": 1000}]}`)); err == nil {
		t.Fatal("an import with a missing album succeeded")
	}
	same("an ImportCatalog that failed")

	dir := t.TempDir()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	song := filepath.Join(dir, "song.mp3")
	writeAudio(t, song, audiogen.MP3(audiogen.Tags{Title: "Scanned", Artist: "Scan Artist", Album: "Scan Album", Track: 1, Duration: time.Second}), at)
	scan(t, admin, dir, 1, 0, 0, 0, 0)
	changed("ApplyLibrary (a scan that added a file)")
	scan(t, admin, dir, 0, 0, 1, 0, 0)
	same("a scan that found nothing to apply")
	must(t, os.Remove(song))
	scan(t, admin, dir, 0, 0, 0, 1, 0)
	changed("ApplyLibrary (a scan that removed a file)")

	// Reads of the catalog.
	if _, err := db.Tracks(ctx, []string{"t1", "t2"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Resolve(ctx, "al1"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.StationTracks(ctx, "t1", nil, 3, 1, true); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.Search(ctx, catalog.KindTrack, catalog.Query{Words: catalog.Words("renamed")}, 0, 10); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CatalogSize(ctx); err != nil {
		t.Fatal(err)
	}
	same("reads of the catalog")

	// Writes of users and sessions.
	l := e.user(t, "ann", auth.TierUnlimited, 1)
	svc := &playback.Service{Store: db, Catalog: db, Now: e.c.Now}
	v, err := svc.Create(ctx, l, playback.CreateRequest{ID: "al1", Loop: playback.LoopOff, Limit: 3})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if _, err := svc.Next(ctx, l, v.Session.ID, 1); err != nil {
		t.Fatalf("Next: %v", err)
	}
	must(t, db.TouchSession(ctx, l.UserID, v.Session.ID, t0.Add(time.Minute)))
	same("writes of a user and a session")

	if got, err := admin.CatalogStamp(ctx); err != nil || got != n {
		t.Errorf("CatalogStamp on another handle = %d, %v; want %d", got, err, n)
	}
}
