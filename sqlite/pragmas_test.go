package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

// TestConnectionPragmas checks what each pool's connections are opened
// with: the writer's small page cache (writerCacheKiB) and no automatic
// checkpoint, the readers' larger cache and read-only mode, and the
// durability setting on all of them.
func TestConnectionPragmas(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "p.db"), Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pragma := func(pool *sql.DB, name string) int64 {
		t.Helper()
		var v int64
		if err := pool.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v); err != nil {
			t.Fatalf("PRAGMA %s: %v", name, err)
		}
		return v
	}
	for _, c := range []struct {
		pool string
		db   *sql.DB
		name string
		want int64
	}{
		{"writer", db.w, "cache_size", -writerCacheKiB},
		{"writer", db.w, "wal_autocheckpoint", 0},
		{"writer", db.w, "query_only", 0},
		{"writer", db.w, "synchronous", 1}, // NORMAL
		{"readers", db.r, "cache_size", -readerCacheKiB},
		{"readers", db.r, "query_only", 1},
		{"readers", db.r, "synchronous", 1},
		{"checkpointer", db.c, "cache_size", -readerCacheKiB},
		{"checkpointer", db.c, "synchronous", 1},
	} {
		if got := pragma(c.db, c.name); got != c.want {
			t.Errorf("%s: %s = %d, want %d", c.pool, c.name, got, c.want)
		}
	}
}
