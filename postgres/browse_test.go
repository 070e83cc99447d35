package postgres_test

import (
	"slices"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/segue/segue/catalog"
	"github.com/segue/segue/postgres"
)

// TestIndexCatalog rebuilds the search index of a catalog loaded before
// the index existed (as after migration 0002 on an older database), from
// several instances at once: they take turns, and the index is built once.
func TestIndexCatalog(t *testing.T) {
	s := newSchemas(t)
	db := s.open(t)
	d, err := catalog.Chinook()
	if err != nil {
		t.Fatal(err)
	}
	if err := db.LoadCatalog(ctx, d); err != nil {
		t.Fatal(err)
	}
	q, _ := catalog.ParseKeyword("bohemian rhapsody")
	want := []string{"B0CT002254"}
	if got, _, err := db.Search(ctx, catalog.KindTrack, q, 0, 10); err != nil || !slices.Equal(got, want) {
		t.Fatalf("after LoadCatalog: %q, %v; want %q", got, err, want)
	}
	dsn, _ := s.dsnFor(t)
	raw, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(ctx, "DELETE FROM search"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, db := range []*postgres.DB{db, s.open(t), s.open(t)} {
		wg.Go(func() {
			if err := db.IndexCatalog(ctx); err != nil {
				t.Errorf("IndexCatalog: %v", err)
			}
		})
	}
	wg.Wait()
	if got, _, err := db.Search(ctx, catalog.KindTrack, q, 0, 10); err != nil || !slices.Equal(got, want) {
		t.Errorf("after IndexCatalog: %q, %v; want %q", got, err, want)
	}
	var n int
	if err := raw.QueryRow(ctx, "SELECT count(*) FROM search").Scan(&n); err != nil || n != len(d.Tracks)+len(d.Albums)+len(d.Artists)+len(d.Playlists) {
		t.Errorf("index holds %d rows, %v", n, err)
	}
}
