package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segue/segue/auth"
	"github.com/segue/segue/sqlite"
	"github.com/segue/segue/storetest"
)

var ctx = context.Background()

func mustOpen(t *testing.T, path string, opt sqlite.Options) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(ctx, path, opt)
	if err != nil {
		t.Fatalf("Open(%s, %+v): %v", path, opt, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestStore runs the conformance suite. Each test gets a file named after
// it, so that opening again for the same test opens the same file.
func TestStore(t *testing.T) {
	dir := t.TempDir()
	storetest.Run(t, func(t *testing.T) storetest.Store {
		return mustOpen(t, filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "_")+".db"), sqlite.Options{})
	})
}

// TestStore_Exclusive runs the suite on stores opened as a server opens
// them, with sessions in memory. A second open of a test's file is an
// admin handle, as the commands open it while a server runs.
func TestStore_Exclusive(t *testing.T) {
	dir := t.TempDir()
	var mu sync.Mutex
	opened := map[string]bool{}
	storetest.RunWith(t, func(t *testing.T) storetest.Store {
		name := strings.ReplaceAll(t.Name(), "/", "_")
		mu.Lock()
		first := !opened[name]
		opened[name] = true
		mu.Unlock()
		return mustOpen(t, filepath.Join(dir, name+".db"), sqlite.Options{Exclusive: first})
	}, storetest.Options{OneServer: true})
}

func TestOpen_Synchronous(t *testing.T) {
	for sync, ok := range map[string]bool{"": true, "FULL": true, "NORMAL": true, "normal": true, "OFF": false, "EXTRA": false, "0": false} {
		t.Run("Sync="+sync, func(t *testing.T) {
			db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"), sqlite.Options{Synchronous: sync})
			if err == nil {
				db.Close()
			}
			if (err == nil) != ok {
				t.Errorf("Open(Synchronous %q) err = %v, want ok=%v", sync, err, ok)
			}
		})
	}
}

// TestOpen_ReopenNormal reopens a file with synchronous NORMAL: the data
// is there and each migration is recorded once.
func TestOpen_ReopenNormal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	db := mustOpen(t, path, sqlite.Options{})
	u, err := (&auth.Service{Store: db, Now: time.Now}).CreateUser(ctx, "ann", auth.TierFree)
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = mustOpen(t, path, sqlite.Options{Synchronous: "NORMAL"})
	if got, err := db.UserByID(ctx, u.ID); err != nil || got != u {
		t.Fatalf("user = %+v, %v; want %+v", got, err, u)
	}
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var n, versions int
	if err := raw.QueryRow("SELECT count(*), count(DISTINCT version) FROM schema_migrations").Scan(&n, &versions); err != nil || n != versions || n < 2 {
		t.Errorf("schema_migrations holds %d rows of %d versions, %v", n, versions, err)
	}
}
