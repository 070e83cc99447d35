package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/segue/segue/auth"
	"github.com/segue/segue/catalog"
	"github.com/segue/segue/playback"
	"github.com/segue/segue/sqlite"
)

// benchService opens a real SQLite file (synchronous=FULL) with the
// Chinook catalog and one user.
func benchService(b *testing.B) (*playback.Service, playback.Listener) {
	b.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), sqlite.Options{Synchronous: os.Getenv("BENCH_SYNC")})
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
	a := &auth.Service{Store: db, Now: time.Now}
	u, err := a.CreateUser(ctx, "bench", auth.TierUnlimited)
	if err != nil {
		b.Fatal(err)
	}
	return &playback.Service{Store: db, Catalog: db, Now: time.Now}, playback.Listener{UserID: u.ID, Tier: u.Tier, DeviceID: "bench"}
}

// benchQueue creates a session whose queue holds n Chinook tracks and
// loops, so that next never runs out.
func benchQueue(b *testing.B, n int) (*playback.Service, playback.Listener, string) {
	b.Helper()
	svc, l := benchService(b)
	ids := make([]string, n)
	for i := range ids {
		ids[i] = catalog.ChinookTrackID(i%3503 + 1)
	}
	v, err := svc.Create(b.Context(), l, playback.CreateRequest{ContainerIDs: ids, Loop: playback.LoopAll, Limit: 1})
	if err != nil {
		b.Fatal(err)
	}
	return svc, l, v.Session.ID
}

// BenchmarkNext advances a looping queue of n entries: the cost must not
// grow with n.
func BenchmarkNext(b *testing.B) {
	for _, n := range []int{10, 100_000} {
		b.Run(fmt.Sprintf("queue=%d", n), func(b *testing.B) {
			svc, l, id := benchQueue(b, n)
			for b.Loop() {
				if _, err := svc.Next(b.Context(), l, id, 1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkInsertNext queues one track to play next on a queue of n
// entries (90,000 leaves room below the 100,000-entry limit).
func BenchmarkInsertNext(b *testing.B) {
	for _, n := range []int{10, 90_000} {
		b.Run(fmt.Sprintf("queue=%d", n), func(b *testing.B) {
			svc, l, id := benchQueue(b, n)
			for b.Loop() {
				if _, err := svc.InsertNext(b.Context(), l, id, "B0CT000001", nil, "", 1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCreatePlaylist creates a session from the 3,290-track playlist.
func BenchmarkCreatePlaylist(b *testing.B) {
	svc, l := benchService(b)
	for b.Loop() {
		if _, err := svc.Create(b.Context(), l, playback.CreateRequest{ID: "B0CP000001", Loop: playback.LoopOff, Limit: 10}); err != nil {
			b.Fatal(err)
		}
	}
}
