package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"testing"
)

// TestGroupCommit runs many concurrent writes, a third of which fail after
// writing and one of which panics, and checks that exactly the successful
// ones are in the file after a reopen, and that writes shared commits.
func TestGroupCommit(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "g.db")
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "CREATE TABLE g (n INTEGER PRIMARY KEY)")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	const writers, each = 32, 20
	failed := errors.New("refused")
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := map[int]bool{}
	panics := 0
	start := db.groups.Load()
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				n := w*each + i
				func() {
					defer func() {
						if p := recover(); p != nil {
							mu.Lock()
							panics++
							mu.Unlock()
						}
					}()
					err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
						if _, err := tx.ExecContext(ctx, "INSERT INTO g (n) VALUES (?)", n); err != nil {
							return err
						}
						if n == 7 {
							panic("boom")
						}
						if n%3 == 0 {
							return failed
						}
						return nil
					})
					if err == nil {
						mu.Lock()
						acked[n] = true
						mu.Unlock()
					} else if !errors.Is(err, failed) {
						t.Errorf("write %d: %v", n, err)
					}
				}()
			}
		}()
	}
	wg.Wait()
	commits := db.groups.Load() - start
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if panics != 1 {
		t.Errorf("the panicking write panicked in %d callers, want 1", panics)
	}
	db, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.r.QueryContext(ctx, "SELECT n FROM g")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	found := map[int]bool{}
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		found[n] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(found) != len(acked) {
		t.Errorf("%d rows in the file, %d writes acknowledged", len(found), len(acked))
	}
	for n := range writers * each {
		want := n%3 != 0 && n != 7
		if acked[n] != want || found[n] != want {
			t.Errorf("row %d: acknowledged %v, in file %v, want %v", n, acked[n], found[n], want)
		}
	}
	if commits >= writers*each {
		t.Errorf("%d commits for %d concurrent writes: none were grouped", commits, writers*each)
	}
	t.Logf("%d writes in %d commits", writers*each, commits)
}

// TestWriteAfterClose: a write after Close fails cleanly.
func TestWriteAfterClose(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "c.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	err = db.write(ctx, func(ctx context.Context, tx *sql.Tx) error { return nil })
	if !errors.Is(err, errClosed) {
		t.Fatalf("write after close: %v, want errClosed", err)
	}
}

// TestWALStaysBounded: under a steady stream of writes with readers, the
// WAL is checkpointed beside the commits and still starts over, rather
// than growing with every write.
func TestWALStaysBounded(t *testing.T) {
	ctx := context.Background()
	// A quarter of the real length, so that the test writes 6 times as
	// much in a second or two.
	db, err := Open(ctx, filepath.Join(t.TempDir(), "w.db"), Options{Synchronous: "NORMAL", walRestart: walRestartFrames / 4})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "CREATE TABLE w (n INTEGER PRIMARY KEY, b BLOB)")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	const writers, each = 8, 700 // some 27,000 frames, over 6 × db.walRestart
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for range 2 {
		readers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				var n int
				db.r.QueryRowContext(ctx, "SELECT count(*) FROM w").Scan(&n)
			}
		})
	}
	blob := make([]byte, 4000)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
					_, err := tx.ExecContext(ctx, "INSERT INTO w (n, b) VALUES (?, ?)", w*each+i, blob)
					return err
				}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	readers.Wait()
	var busy, frames, copied int
	if err := db.c.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied); err != nil {
		t.Fatal(err)
	}
	if frames > 5*int(db.walRestart) {
		t.Errorf("after %d writes of a page the WAL holds %d frames; want it started over (under %d)", writers*each, frames, 5*db.walRestart)
	}
	t.Logf("WAL: %d frames after %d writes", frames, writers*each)
}
