package sqlite

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/segue/segue"
	"github.com/segue/segue/auth"
	"github.com/segue/segue/catalog"
	"github.com/segue/segue/playback"
)

// cacheEnv is an Exclusive store with Chinook, a listener and a playback
// service on it, and an admin handle on the same file that reads it
// without the cache.
type cacheEnv struct {
	db, file *DB
	svc      *playback.Service
	l        playback.Listener
	reads    atomic.Int64 // read transactions on db
}

func newCacheEnv(t *testing.T, streams int) *cacheEnv {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "c.db")
	db, err := Open(ctx, path, Options{Exclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	d, err := catalog.Chinook()
	if err != nil {
		t.Fatal(err)
	}
	if err := db.LoadCatalog(ctx, d); err != nil {
		t.Fatal(err)
	}
	file, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { file.Close() })
	u, err := (&auth.Service{Store: db, Now: time.Now}).AddUser(ctx, auth.User{Name: "ann", Tier: auth.TierUnlimited, MaxStreams: streams})
	if err != nil {
		t.Fatal(err)
	}
	e := &cacheEnv{db: db, file: file, l: playback.Listener{UserID: u.ID, Tier: u.Tier, MaxStreams: u.MaxStreams, DeviceID: "dev"}}
	e.svc = &playback.Service{Store: db, Catalog: db, Now: time.Now}
	db.ObserveWith(func(kind string, _ time.Duration) {
		if kind == "read" {
			e.reads.Add(1)
		}
	})
	return e
}

// view reads a session's window of 3 through ViewSession.
func view(db *DB, userID, id string) (playback.Session, []playback.WindowEntry, error) {
	var s playback.Session
	var win []playback.WindowEntry
	err := db.ViewSession(context.Background(), userID, id, func(q *playback.Queue, _ playback.AccountReader) (err error) {
		s = *q.S
		win, err = q.Window(3)
		return err
	})
	return s, win, err
}

// TestSessionCache_ReadsNoSQL checks that a session read after a create or
// a write runs no read transaction, and shows the write.
func TestSessionCache_ReadsNoSQL(t *testing.T) {
	e := newCacheEnv(t, 10)
	ctx := context.Background()
	v, err := e.svc.Create(ctx, e.l, playback.CreateRequest{ID: "B0CA000001", Loop: playback.LoopAll, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	id := v.Session.ID
	before := e.reads.Load()
	s, win, err := view(e.db, e.l.UserID, id)
	if err != nil || s.Version != v.Session.Version || win[0].Ref != v.Entries[0].Ref {
		t.Fatalf("view after create = v%d at %s, %v; want v%d at %s", s.Version, win[0].Ref, err, v.Session.Version, v.Entries[0].Ref)
	}
	n, err := e.svc.Next(ctx, e.l, id, 3)
	if err != nil {
		t.Fatal(err)
	}
	s, win, err = view(e.db, e.l.UserID, id)
	if err != nil || s.Version != n.Session.Version || win[0].Ref != n.Entries[0].Ref || win[0].MetricID != n.Entries[0].MetricID {
		t.Fatalf("view after next = v%d at %s, %v; want v%d at %s", s.Version, win[0].Ref, err, n.Session.Version, n.Entries[0].Ref)
	}
	if got := e.reads.Load() - before; got != 0 {
		t.Errorf("%d read transactions for two views of a cached session, want 0", got)
	}
	// The admin handle reads the file: the same.
	fs, fwin, err := view(e.file, e.l.UserID, id)
	if err != nil || fs != s || fmt.Sprint(fwin) != fmt.Sprint(win) {
		t.Errorf("file:  %+v %v, %v\ncache: %+v %v", fs, fwin, err, s, win)
	}
	// Another user does not reach it through the cache.
	if _, _, err := view(e.db, "someone-else", id); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("another user's view = %v, want not found", err)
	}
}

// TestSessionCache_FailedWriteNotPublished checks that a write that fails
// after changing its queue leaves the cached session as it was, and that a
// purge empties the cache.
func TestSessionCache_FailedWriteNotPublished(t *testing.T) {
	e := newCacheEnv(t, 10)
	ctx := context.Background()
	v, err := e.svc.Create(ctx, e.l, playback.CreateRequest{ID: "B0CA000001", Loop: playback.LoopAll, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	id := v.Session.ID
	boom := errors.New("boom")
	// Alone, and in a group with a write that succeeds.
	for _, group := range []bool{false, true} {
		var wg sync.WaitGroup
		if group {
			wg.Go(func() {
				e.db.Account(ctx, e.l.UserID, func(playback.AccountTx) error { time.Sleep(time.Millisecond); return nil })
			})
		}
		err = e.db.UpdateSession(ctx, e.l.UserID, id, func(q *playback.Queue, a playback.AccountTx) error {
			if err := q.Next(); err != nil {
				return err
			}
			if err := a.SetStatus(id, playback.StreamStatus{State: playback.StatePlaying}); err != nil {
				return err
			}
			return boom
		})
		wg.Wait()
		if !errors.Is(err, boom) {
			t.Fatalf("UpdateSession = %v, want boom", err)
		}
		s, win, err := view(e.db, e.l.UserID, id)
		if err != nil || s.Version != v.Session.Version || win[0].Ref != v.Entries[0].Ref || s.Status.State != playback.StateStopped {
			t.Fatalf("after a failed write: v%d at %s %s, %v; want v%d at %s STOPPED", s.Version, win[0].Ref, s.Status.State, err,
				v.Session.Version, v.Entries[0].Ref)
		}
	}
	n, err := e.db.PurgeSessions(ctx, time.Now().Add(time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("PurgeSessions = %d, %v", n, err)
	}
	if _, _, err := view(e.db, e.l.UserID, id); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("view after purge = %v, want not found", err)
	}
}

// TestSessionCache_MatchesFile runs moves, inserts, shuffles, loops and
// stream takeovers on a few sessions from many goroutines at once, with
// reads that check versions never go back, then checks that every cached
// session and entry is what the file holds, and that the service answers
// the same through the cache and through the file.
func TestSessionCache_MatchesFile(t *testing.T) {
	e := newCacheEnv(t, 1) // one stream: starts take over each other
	ctx := context.Background()
	var ids []string
	for _, album := range []string{"B0CA000001", "B0CA000002", "B0CA000003", "B0CA000004"} {
		v, err := e.svc.Create(ctx, e.l, playback.CreateRequest{ID: album, Loop: playback.LoopAll, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, v.Session.ID)
	}
	var (
		wg     sync.WaitGroup
		failed atomic.Int64
	)
	for g := range 8 {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			last := map[string]int64{}
			for range 150 {
				id := ids[rng.IntN(len(ids))]
				var err error
				switch op := rng.IntN(10); op {
				case 0, 1, 2:
					var v *playback.View
					if v, err = e.svc.Current(ctx, e.l, id, 3); err == nil {
						if v.Session.Version < last[id] {
							t.Errorf("current of %s went back from v%d to v%d", id, last[id], v.Session.Version)
						}
						last[id] = v.Session.Version
					}
				case 3, 4:
					_, err = e.svc.Next(ctx, e.l, id, 3)
				case 5:
					_, err = e.svc.Previous(ctx, e.l, id, 3)
				case 6:
					_, err = e.svc.InsertNext(ctx, e.l, id, "B0CA000005", nil, "", 3)
				case 7:
					_, err = e.svc.SetShuffle(ctx, e.l, id, rng.IntN(2) == 0, 3)
				case 8:
					loops := []playback.LoopMode{playback.LoopAll, playback.LoopOne}
					_, err = e.svc.SetLoop(ctx, e.l, id, loops[rng.IntN(2)], 3)
				case 9:
					var v *playback.View
					if v, err = e.svc.Current(ctx, e.l, id, 1); err == nil {
						_, err = e.svc.ReportEvent(ctx, e.l, playback.EventInput{MetricID: v.Entries[0].MetricID, Type: "start",
							ClientTimestampMs: time.Now().UnixNano(), TakeOverType: "FORCE"})
					}
				}
				// Refusals (no previous entry, a stream taken over) are answers.
				if err != nil && segue.ErrorCode(err) == segue.EInternal {
					failed.Add(1)
					t.Errorf("op on %s: %v", id, err)
				}
			}
		})
	}
	wg.Wait()
	if failed.Load() > 0 {
		t.FailNow()
	}
	checked := 0
	for _, id := range ids {
		st, _ := e.db.cache.get(sessKey{e.l.UserID, id})
		if st == nil {
			continue
		}
		err := e.file.ViewSession(ctx, e.l.UserID, id, func(q *playback.Queue, _ playback.AccountReader) error {
			if *q.S != st.s {
				t.Errorf("session %s:\ncache %+v\nfile  %+v", id, st.s, *q.S)
			}
			for ref, want := range st.entries {
				got, err := q.Get(ref)
				if err != nil || got != want {
					t.Errorf("session %s entry %s:\ncache %+v\nfile  %+v, %v", id, ref, want, got, err)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no session was cached")
	}
	fileSvc := &playback.Service{Store: e.file, Catalog: e.file, Now: time.Now}
	for _, id := range ids {
		a, errA := e.svc.Current(ctx, e.l, id, 5)
		b, errB := fileSvc.Current(ctx, e.l, id, 5)
		if errA != nil || errB != nil {
			t.Fatalf("Current: %v / %v", errA, errB)
		}
		a.Tracks, b.Tracks = nil, nil
		if fmt.Sprintf("%+v", *a) != fmt.Sprintf("%+v", *b) {
			t.Errorf("session %s:\ncache %+v\nfile  %+v", id, *a, *b)
		}
		// The whole queue, in pages that reach past the cached entries.
		if got, want := walk(t, e.svc, e.l, id), walk(t, fileSvc, e.l, id); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("session %s's queue:\ncache %v\nfile  %v", id, got, want)
		}
	}
}

// walk lists a session's queue in pages of 7 and checks that no entry
// shows twice.
func walk(t *testing.T, svc *playback.Service, l playback.Listener, id string) []string {
	t.Helper()
	var refs []string
	seen := map[string]bool{}
	cursor := ""
	for {
		v, err := svc.Queue(context.Background(), l, id, cursor, 7)
		if err != nil {
			t.Fatalf("Queue(%s, %q): %v", id, cursor, err)
		}
		for _, w := range v.Entries {
			if seen[w.Ref] {
				t.Fatalf("Queue(%s) lists %s twice", id, w.Ref)
			}
			seen[w.Ref] = true
			refs = append(refs, w.Ref)
		}
		if cursor = v.NextToken; cursor == "" {
			return refs
		}
	}
}

// TestSessionCache_Fill checks the rules for a reader that fills the
// cache: it does not replace a newer version, merges entries of the same
// one, and gives way when a session was dropped since it began.
func TestSessionCache_Fill(t *testing.T) {
	c := newSessionCache(4)
	k := sessKey{"u", "s"}
	st := func(v int64, refs ...string) *sessState {
		m := map[string]playback.Entry{}
		for _, r := range refs {
			m[r] = playback.Entry{Ref: r}
		}
		return &sessState{s: playback.Session{ID: "s", Version: v}, entries: m}
	}
	tok := c.token()
	c.fill(k, tok, st(2, "a"))
	c.fill(k, tok, st(1, "x"))
	c.fill(k, tok, st(2, "b"))
	got, _ := c.get(k)
	if got == nil || got.s.Version != 2 || len(got.entries) != 2 {
		t.Fatalf("after fills: %+v, want v2 with a and b", got)
	}
	// A write drops the session; a reader that began before may not fill.
	c.stage(k, nil)
	c.endWrite(true)
	c.endGroup(true)
	c.fill(k, tok, st(2, "a"))
	if got, _ := c.get(k); got != nil {
		t.Fatalf("a reader from before a drop filled %+v", got)
	}
	c.fill(k, c.token(), st(3, "a"))
	if got, _ := c.get(k); got == nil || got.s.Version != 3 {
		t.Fatalf("a reader from after the drop did not fill: %+v", got)
	}
	// A failed write's staging is forgotten; a lost group drops all.
	c.stage(k, st(4))
	c.endWrite(false)
	c.endGroup(true)
	if got, _ := c.get(k); got.s.Version != 3 {
		t.Fatalf("a failed write was published: v%d", got.s.Version)
	}
	c.stage(k, st(4))
	c.endWrite(true)
	c.endGroup(false)
	if got, _ := c.get(k); got != nil {
		t.Fatalf("a lost group left %+v", got)
	}
	// Bounded: inserts past max evict.
	for i := range 10 {
		c.stage(sessKey{"u", fmt.Sprint(i)}, st(1))
		c.endWrite(true)
		c.endGroup(true)
	}
	if n := len(c.m); n > 4 {
		t.Errorf("cache holds %d sessions, max 4", n)
	}
}

// TestOpen_ExclusiveLock checks that a second Exclusive open of a file
// fails while the first is open, that an admin open works, and that the
// lock goes with Close.
func TestOpen_ExclusiveLock(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "x.db")
	first, err := Open(ctx, path, Options{Exclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	if db, err := Open(ctx, path, Options{Exclusive: true}); err == nil || !strings.Contains(err.Error(), "another segue server") {
		if db != nil {
			db.Close()
		}
		t.Fatalf("second Exclusive open = %v, want refused", err)
	}
	admin, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("admin open: %v", err)
	}
	admin.Close()
	first.Close()
	again, err := Open(ctx, path, Options{Exclusive: true})
	if err != nil {
		t.Fatalf("Exclusive open after Close: %v", err)
	}
	again.Close()
}
