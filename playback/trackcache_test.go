package playback_test

import (
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/segue/segue/catalog"
	"github.com/segue/segue/playback"
	"github.com/segue/segue/sqlite"
)

// plainCatalog hides the CatalogStamper of the catalog it holds.
type plainCatalog struct{ playback.Catalog }

// TestCacheTracks: a cached catalog that tells no stamp answers from its
// cache until the TTL runs out, and finds a track added since at once.
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
	c := playback.CacheTracks(plainCatalog{db}, time.Second, func() time.Time { return now })
	title := func(id string) string { t.Helper(); return titleOf(t, c, id) }
	if got := title("t1"); got != "One" {
		t.Fatalf("t1 = %q", got)
	}
	if _, err := db.ImportCatalog(ctx, &catalog.Data{Tracks: []catalog.Track{tr("t1", "Renamed"), tr("t2", "Two")}}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(500 * time.Millisecond)
	if got := title("t1"); got != "One" {
		t.Errorf("within the TTL t1 = %q, want the cached One", got)
	}
	if got := title("t2"); got != "Two" {
		t.Errorf("a new track = %q, want it found at once", got)
	}
	now = now.Add(500 * time.Millisecond)
	if got := title("t1"); got != "Renamed" {
		t.Errorf("after the TTL t1 = %q, want Renamed", got)
	}
	if playback.CacheTracks(db, 0, time.Now) != playback.Catalog(db) {
		t.Error("a zero TTL wraps the catalog")
	}
}

// stampedCatalog is a catalog in memory with a stamp that every change
// increments; it counts what it is asked.
type stampedCatalog struct {
	playback.Catalog // nil: the cache asks only Tracks and CatalogStamp

	mu         sync.Mutex
	tracks     map[string]catalog.Track
	stamp      int64
	stampErr   error
	reads      int    // calls of Tracks
	stampReads int    // calls of CatalogStamp
	during     func() // run once by the next Tracks, after it read
}

func newStampedCatalog(titles map[string]string) *stampedCatalog {
	f := &stampedCatalog{tracks: map[string]catalog.Track{}}
	for id, title := range titles {
		f.tracks[id] = catalog.Track{ID: id, Title: title}
	}
	return f
}

func (f *stampedCatalog) Tracks(ctx context.Context, ids []string) (map[string]catalog.Track, error) {
	f.mu.Lock()
	f.reads++
	out := map[string]catalog.Track{}
	for _, id := range ids {
		if t, ok := f.tracks[id]; ok {
			out[id] = t
		}
	}
	during := f.during
	f.during = nil
	f.mu.Unlock()
	if during != nil {
		during()
	}
	return out, nil
}

func (f *stampedCatalog) CatalogStamp(ctx context.Context) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stampReads++
	return f.stamp, f.stampErr
}

// set changes (or adds) a track, and the stamp.
func (f *stampedCatalog) set(id, title string) {
	f.mu.Lock()
	f.tracks[id] = catalog.Track{ID: id, Title: title}
	f.stamp++
	f.mu.Unlock()
}

func (f *stampedCatalog) failStamp(err error) {
	f.mu.Lock()
	f.stampErr = err
	f.mu.Unlock()
}

// counts returns how many times Tracks and CatalogStamp were called.
func (f *stampedCatalog) counts() (reads, stampReads int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reads, f.stampReads
}

// stampedFixture is a cache with a TTL of 1 s over a stampedCatalog, on
// a clock the test sets.
type stampedFixture struct {
	t   *testing.T
	f   *stampedCatalog
	c   playback.Catalog
	now time.Time
}

func newStampedFixture(t *testing.T, titles map[string]string) *stampedFixture {
	x := &stampedFixture{t: t, f: newStampedCatalog(titles), now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	x.c = playback.CacheTracks(x.f, time.Second, func() time.Time { return x.now })
	return x
}

// title reads a track through the cache.
func (x *stampedFixture) title(id string) string {
	x.t.Helper()
	got, err := x.c.Tracks(context.Background(), []string{id})
	if err != nil {
		x.t.Fatalf("Tracks(%s): %v", id, err)
	}
	return got[id].Title
}

// want checks a title and how many times the catalog was asked so far.
func (x *stampedFixture) want(id, title string, reads, stampReads int) {
	x.t.Helper()
	if got := x.title(id); got != title {
		x.t.Errorf("at +%v: %s = %q, want %q", x.now.Sub(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), id, got, title)
	}
	if r, s := x.f.counts(); r != reads || s != stampReads {
		x.t.Errorf("at +%v: catalog asked %d times for tracks, %d for the stamp; want %d, %d",
			x.now.Sub(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), r, s, reads, stampReads)
	}
}

// TestCacheTracks_Stamp: over a CatalogStamper, tracks are kept past the
// TTL while the stamp stays, the stamp is read at most every
// CatalogStampEvery, and a renamed track shows at the first read of the
// stamp after the change.
func TestCacheTracks_Stamp(t *testing.T) {
	x := newStampedFixture(t, map[string]string{"t1": "One"})
	x.want("t1", "One", 1, 1)
	x.now = x.now.Add(playback.CatalogStampEvery - time.Millisecond)
	x.want("t1", "One", 1, 1) // the stamp was read less than 100 ms ago

	// Ten times the TTL with the stamp unchanged: read every 100 ms, the
	// tracks never.
	for i := 0; i < 100; i++ {
		x.now = x.now.Add(playback.CatalogStampEvery)
		x.want("t1", "One", 1, 2+i)
	}
	_, stamps := x.f.counts()

	x.f.set("t1", "Renamed")
	x.want("t1", "One", 1, stamps) // the stamp is not due yet
	x.now = x.now.Add(playback.CatalogStampEvery)
	x.want("t1", "Renamed", 2, stamps+1)
	x.want("t1", "Renamed", 2, stamps+1)

	// An unknown id is asked every time; a new one is found at once.
	x.want("t9", "", 3, stamps+1)
	x.f.mu.Lock()
	x.f.tracks["t9"] = catalog.Track{ID: "t9", Title: "Nine"} // not even a change of the stamp
	x.f.mu.Unlock()
	x.want("t9", "Nine", 4, stamps+1)
}

// TestCacheTracks_StampError: when the stamp cannot be read, a track older
// than the TTL is read again (the requests do not fail), tracks read since
// are kept for the TTL, and the stamp counts again once it can be read.
func TestCacheTracks_StampError(t *testing.T) {
	x := newStampedFixture(t, map[string]string{"t1": "One", "t2": "Two"})
	x.want("t1", "One", 1, 1)
	x.now = x.now.Add(500 * time.Millisecond)
	x.want("t2", "Two", 2, 2)

	x.f.failStamp(errors.New("database is locked"))
	x.f.set("t1", "Renamed")
	x.now = x.now.Add(400 * time.Millisecond) // +900 ms: within the TTL of the last read of the stamp
	x.want("t1", "One", 2, 3)
	x.now = x.now.Add(100 * time.Millisecond) // +1 s: t1 and the last stamp read are 1 s old
	x.want("t1", "Renamed", 3, 4)
	x.want("t2", "Two", 3, 4) // read at +500 ms: younger than the TTL
	x.now = x.now.Add(500 * time.Millisecond)
	x.want("t1", "Renamed", 3, 5) // read at +1 s, the TTL rule
	x.want("t2", "Two", 4, 5)     // 1 s old: read again

	x.f.failStamp(nil)
	x.f.set("t2", "Second")
	x.now = x.now.Add(100 * time.Millisecond)
	x.want("t2", "Second", 5, 6) // the stamp changed: the cache is emptied
	x.want("t1", "Renamed", 6, 6)
	x.now = x.now.Add(10 * time.Second)
	x.want("t1", "Renamed", 6, 7) // kept again while the stamp stays
}

// TestCacheTracks_StampRace: a read of the catalog that started before a
// change, and ends after another caller found the new stamp and emptied
// the cache, does not put its old tracks back.
func TestCacheTracks_StampRace(t *testing.T) {
	x := newStampedFixture(t, map[string]string{"t1": "One"})
	x.want("t2", "", 1, 1)
	x.f.mu.Lock()
	x.f.tracks["t2"] = catalog.Track{ID: "t2", Title: "Two"}
	x.f.during = func() {
		// The first read of t2 has read the old catalog: the catalog
		// changes, and another request finds the new stamp, empties the
		// cache and caches the new t2.
		x.f.set("t2", "Second")
		x.now = x.now.Add(playback.CatalogStampEvery)
		if got := x.title("t2"); got != "Second" {
			t.Errorf("the request after the change: t2 = %q, want Second", got)
		}
	}
	x.f.mu.Unlock()
	if got := x.title("t2"); got != "Two" {
		t.Errorf("the request that read before the change: t2 = %q, want Two", got)
	}
	x.want("t2", "Second", 3, 2)
}

// TestCacheTracks_StampConcurrent runs readers beside changes and a clock
// that moves, for the race detector; each reader sees, after a change and
// one more read of the stamp, the new title.
func TestCacheTracks_StampConcurrent(t *testing.T) {
	f := newStampedCatalog(map[string]string{"t1": "v0", "t2": "v0"})
	var clock atomic.Int64
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := playback.CacheTracks(f, time.Second, func() time.Time { return t0.Add(time.Duration(clock.Load())) })
	ctx := context.Background()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := c.Tracks(ctx, []string{"t1", "t2", "t3"}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for i := 1; i <= 50; i++ {
		f.set("t1", "v"+strings.Repeat("x", i))
		clock.Add(int64(30 * time.Millisecond))
		runtime.Gosched()
	}
	close(stop)
	wg.Wait()
	clock.Add(int64(playback.CatalogStampEvery))
	got, err := c.Tracks(ctx, []string{"t1"})
	if want := "v" + strings.Repeat("x", 50); err != nil || got["t1"].Title != want {
		t.Errorf("after the last change t1 = %q, %v; want %q", got["t1"].Title, err, want)
	}
}

// TestCacheTracks_SQLiteStamp: over a real SQLite store, a JSON import by
// another handle on the file (an admin command beside the server) that
// renames a track shows once the stamp is read again, and not before.
func TestCacheTracks_SQLiteStamp(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "c.db")
	db, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d, err := catalog.ParseImport(strings.NewReader(`{"artists": [{"id": "ar", "name": "A"}],
		"albums": [{"id": "al", "title": "L", "artistId": "ar"}],
		"tracks": [{"id": "t1", "title": "One", "albumId": "al", "durationMs": 1000}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ImportCatalog(ctx, d); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := playback.CacheTracks(db, time.Second, func() time.Time { return now })
	title := func(id string) string { t.Helper(); return titleOf(t, c, id) }
	if got := title("t1"); got != "One" {
		t.Fatalf("t1 = %q", got)
	}
	now = now.Add(5 * time.Second) // past the TTL, the catalog unchanged
	if got := title("t1"); got != "One" {
		t.Fatalf("t1 = %q", got)
	}

	admin, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	d, err = catalog.ParseImport(strings.NewReader(`{"tracks": [{"id": "t1", "title": "Renamed", "albumId": "al", "durationMs": 1000}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.ImportCatalog(ctx, d); err != nil {
		t.Fatal(err)
	}
	if got := title("t1"); got != "One" {
		t.Errorf("before the stamp is due t1 = %q, want the cached One", got)
	}
	now = now.Add(playback.CatalogStampEvery)
	if got := title("t1"); got != "Renamed" {
		t.Errorf("after the import and %v, t1 = %q; want Renamed", playback.CatalogStampEvery, got)
	}
}

// titleOf is the title the cache gives a track.
func titleOf(t *testing.T, c playback.Catalog, id string) string {
	t.Helper()
	got, err := c.Tracks(context.Background(), []string{id})
	if err != nil {
		t.Fatal(err)
	}
	return got[id].Title
}
