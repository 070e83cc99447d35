package sqlite_test

import (
	"database/sql"
	"path/filepath"
	"slices"
	"testing"

	"github.com/segue/segue/catalog"
	"github.com/segue/segue/sqlite"
)

// TestIndexCatalog rebuilds the search index of a catalog loaded before
// the index existed (as after migration 0004 on an older file), and
// leaves an index that is up to date alone.
func TestIndexCatalog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	db := mustOpen(t, path, sqlite.Options{})
	d, err := catalog.Chinook()
	if err != nil {
		t.Fatal(err)
	}
	if err := db.LoadCatalog(ctx, d); err != nil {
		t.Fatal(err)
	}
	q, _ := catalog.ParseKeyword("bohemian rhapsody")
	find := func() []string {
		t.Helper()
		ids, _, err := db.Search(ctx, catalog.KindTrack, q, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	want := []string{"B0CT002254"}
	if got := find(); !slices.Equal(got, want) {
		t.Fatalf("after LoadCatalog: %q, want %q", got, want)
	}
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec("DELETE FROM search"); err != nil {
		t.Fatal(err)
	}
	if got := find(); len(got) != 0 {
		t.Fatalf("emptied index found %q", got)
	}
	for range 2 {
		if err := db.IndexCatalog(ctx); err != nil {
			t.Fatal(err)
		}
		if got := find(); !slices.Equal(got, want) {
			t.Fatalf("after IndexCatalog: %q, want %q", got, want)
		}
	}
	var n int
	if err := raw.QueryRow("SELECT count(*) FROM search").Scan(&n); err != nil || n != len(d.Tracks)+len(d.Albums)+len(d.Artists)+len(d.Playlists) {
		t.Errorf("index holds %d rows, %v", n, err)
	}
}
