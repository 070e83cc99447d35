package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/segue/segue"
	"github.com/segue/segue/auth"
	"github.com/segue/segue/catalog"
	"github.com/segue/segue/playback"
	"github.com/segue/segue/sqlite"
)

var (
	ctx = context.Background()
	t0  = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
)

type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func mustOpen(t *testing.T, path string, opt sqlite.Options) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(ctx, path, opt)
	if err != nil {
		t.Fatalf("Open(%s, %+v): %v", path, opt, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// chinookDB opens a fresh file with the Chinook catalog loaded.
func chinookDB(t *testing.T) (*sqlite.DB, *catalog.Data, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.db")
	db := mustOpen(t, path, sqlite.Options{})
	d, err := catalog.Chinook()
	if err == nil {
		err = db.LoadCatalog(ctx, d)
	}
	if err != nil {
		t.Fatalf("load Chinook: %v", err)
	}
	return db, d, path
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := segue.ErrorCode(err); err == nil || got != code {
		t.Fatalf("err = %v (code %s), want %s", err, got, code)
	}
}

func TestOpen_ReopenKeepsDataAndMigratesOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	db := mustOpen(t, path, sqlite.Options{})
	u, err := (&auth.Service{Store: db, Now: time.Now}).CreateUser(ctx, "ann", auth.TierFree)
	if err != nil {
		t.Fatal(err)
	}
	if v, err := db.Setting(ctx, "secret"); err != nil || v != "" {
		t.Fatalf("unset Setting = %q, %v", v, err)
	}
	if _, err := db.SetSettingOnce(ctx, "secret", "first"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for i := range 2 { // reopen, then open a second handle while the first is open
		db = mustOpen(t, path, sqlite.Options{Synchronous: "NORMAL"})
		if got, err := db.UserByID(ctx, u.ID); err != nil || got != u {
			t.Fatalf("open %d: user = %+v, %v; want %+v", i, got, err, u)
		}
		// SetSettingOnce keeps the first value, across reopens too.
		if v, err := db.SetSettingOnce(ctx, "secret", fmt.Sprint("other", i)); err != nil || v != "first" {
			t.Errorf("open %d: SetSettingOnce = %q, %v; want first", i, v, err)
		}
	}
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

// TestCatalog loads Chinook once and checks what playback reads of it.
func TestCatalog(t *testing.T) {
	db, d, _ := chinookDB(t)
	t.Run("Resolve", func(t *testing.T) { testResolve(t, db, d) })
	t.Run("Tracks", func(t *testing.T) { testTracks(t, db, d) })
	t.Run("StationTracks", func(t *testing.T) { testStationTracks(t, db) })
}

func testResolve(t *testing.T, db *sqlite.DB, d *catalog.Data) {
	var album1, artist1 []string
	for _, tr := range d.Tracks {
		if tr.AlbumID == "B0CA000001" {
			album1 = append(album1, tr.ID)
		}
		if tr.ArtistID == "B0CR000001" { // AC/DC's albums 1 and 4, in track order
			artist1 = append(artist1, tr.ID)
		}
	}
	const mrn = "mrn:1.0:catalog:"
	tests := []struct {
		in, id string
		kind   catalog.Kind
		tracks []string
	}{
		{"B0CT000001", "B0CT000001", catalog.KindTrack, []string{"B0CT000001"}},
		{mrn + "track:asin:B0CT000002", "B0CT000002", catalog.KindTrack, []string{"B0CT000002"}},
		{"B0CA000001", "B0CA000001", catalog.KindAlbum, album1},
		{mrn + "album:asin:B0CA000001", "B0CA000001", catalog.KindAlbum, album1},
		{"B0CR000001", "B0CR000001", catalog.KindArtist, artist1},
		{mrn + "artist:asin:B0CR000001", "B0CR000001", catalog.KindArtist, artist1},
		{"B0CP000001", "B0CP000001", catalog.KindPlaylist, d.Playlists[0].TrackIDs},
		{mrn + "playlist:asin:B0CP000003", "B0CP000003", catalog.KindPlaylist, d.Playlists[2].TrackIDs},
		{mrn + "station:asin:B0CT000001", "B0CT000001", catalog.KindStation, nil},
		{mrn + "station:asin:B0CA000001", "B0CA000001", catalog.KindStation, nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			it, err := db.Resolve(ctx, tt.in)
			if err != nil || it.Kind != tt.kind || it.ID != tt.id || len(it.Tracks) != len(tt.tracks) {
				t.Fatalf("Resolve = %s %s with %d tracks, %v; want %s %s with %d", it.Kind, it.ID, len(it.Tracks), err, tt.kind, tt.id, len(tt.tracks))
			}
			for i, ref := range it.Tracks {
				if ref.TrackID != tt.tracks[i] || ref.ArtistID == "" {
					t.Fatalf("track %d = %+v, want %s", i, ref, tt.tracks[i])
				}
			}
		})
	}
	for in, code := range map[string]string{
		"B0CT999999": segue.ENotFound, mrn + "album:asin:B0CT000001": segue.ENotFound,
		mrn + "track:asin:B0CA000001": segue.ENotFound, mrn + "playlist:asin:B0CR000001": segue.ENotFound,
		mrn + "station:asin:NOPE": segue.ENotFound, "B0CG000001": segue.ENotFound,
		"bad id": segue.EBadRequest, mrn + "video:asin:B0CT000001": segue.EBadRequest,
	} {
		t.Run("Err/"+in, func(t *testing.T) {
			_, err := db.Resolve(ctx, in)
			wantCode(t, err, code)
		})
	}
}

func testTracks(t *testing.T, db *sqlite.DB, d *catalog.Data) {
	ids := []string{"nope", "B0CT999999", "B0CT000001"}
	for _, tr := range d.Tracks {
		ids = append(ids, tr.ID)
	}
	got, err := db.Tracks(ctx, ids) // 3,506 ids: several chunks of 500
	if err != nil || len(got) != len(d.Tracks) {
		t.Fatalf("Tracks returned %d, %v; want %d", len(got), err, len(d.Tracks))
	}
	for _, want := range d.Tracks { // with the joined artist name and album title
		if got[want.ID] != want {
			t.Fatalf("Tracks[%s] = %+v, want %+v", want.ID, got[want.ID], want)
		}
	}
	if m, err := db.Tracks(ctx, nil); err != nil || len(m) != 0 {
		t.Errorf("Tracks(nil) = %v, %v", m, err)
	}
}

func testStationTracks(t *testing.T, db *sqlite.DB) {
	exclude := map[string]bool{"B0CT000001": true, "B0CT000006": true, "B0CT000007": true}
	run := func(seed string, n int, salt uint64) []catalog.TrackRef {
		got, err := db.StationTracks(ctx, seed, exclude, n, salt, true)
		if err != nil {
			t.Fatalf("StationTracks(%s, %d, %d): %v", seed, n, salt, err)
		}
		return got
	}
	for _, seed := range []string{"B0CT000001", "mrn:1.0:catalog:station:asin:B0CT000001", "B0CA000001", "B0CR000001"} {
		for _, n := range []int{1, 10, 25} {
			t.Run(fmt.Sprintf("%s/n=%d", seed, n), func(t *testing.T) {
				got := run(seed, n, 7)
				seen, perArtist := map[string]bool{}, map[string]int{}
				var ids []string
				for _, r := range got {
					if exclude[r.TrackID] || seen[r.TrackID] {
						t.Errorf("track %s is excluded or repeated", r.TrackID)
					}
					seen[r.TrackID] = true
					perArtist[r.ArtistID]++
					ids = append(ids, r.TrackID)
				}
				if tr, _ := db.Tracks(ctx, ids); len(got) != n || len(tr) != n {
					t.Fatalf("got %d tracks (%d exist), want %d", len(got), len(tr), n)
				}
				for a, k := range perArtist {
					if k > (n+2)/3 {
						t.Errorf("artist %s has %d of %d tracks, want at most %d", a, k, n, (n+2)/3)
					}
				}
				if again := run(seed, n, 7); !reflect.DeepEqual(again, got) {
					t.Errorf("same salt gave %v then %v", got, again)
				}
				if n > 1 && reflect.DeepEqual(run(seed, n, 8), got) {
					t.Errorf("salts 7 and 8 gave the same tracks %v", got)
				}
			})
		}
	}
	_, err := db.StationTracks(ctx, "B0CT999999", nil, 5, 1, true)
	wantCode(t, err, segue.ENotFound)
}

// env is a Chinook store with two users and a playback service on it.
type env struct {
	db     *sqlite.DB
	path   string
	c      *clock
	svc    *playback.Service
	l1, l2 playback.Listener
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db, _, path := chinookDB(t)
	e := &env{db: db, path: path, c: &clock{t0}}
	e.svc = &playback.Service{Store: db, Catalog: db, Now: e.c.Now}
	a := &auth.Service{Store: db, Now: e.c.Now}
	for name, l := range map[string]*playback.Listener{"u1": &e.l1, "u2": &e.l2} {
		u, err := a.CreateUser(ctx, name, auth.TierUnlimited)
		if err != nil {
			t.Fatal(err)
		}
		*l = playback.Listener{UserID: u.ID, Tier: u.Tier, DeviceID: "dev-" + name}
	}
	return e
}

func (e *env) create(t *testing.T, l playback.Listener, id string) *playback.View {
	t.Helper()
	v, err := e.svc.Create(ctx, l, playback.CreateRequest{ID: id, Loop: playback.LoopOff, Limit: 3})
	if err != nil {
		t.Fatalf("Create(%s): %v", id, err)
	}
	return v
}

// lookupPlay reads a play through the account.
func (e *env) lookupPlay(userID, metric string) (p playback.Play, err error) {
	err = e.db.Account(ctx, userID, func(a playback.AccountTx) error {
		p, err = a.Play(metric)
		return err
	})
	return p, err
}

// snapshot reads a session and its entries, in natural order, as stored.
func (e *env) snapshot(t *testing.T, userID, id string) (s playback.Session, entries []playback.Entry) {
	t.Helper()
	err := e.db.ViewSession(ctx, userID, id, func(q *playback.Queue, _ playback.AccountReader) error {
		s = *q.S
		for ref := q.S.NatHead; ref != ""; {
			en, err := q.Get(ref)
			if err != nil {
				return err
			}
			entries, ref = append(entries, en), en.NatNext
		}
		return nil
	})
	if err != nil {
		t.Fatalf("ViewSession: %v", err)
	}
	return s, entries
}

// countEntries counts a session's rows in the entries table directly.
func (e *env) countEntries(t *testing.T, sessionID string) (n int) {
	t.Helper()
	raw, err := sql.Open("sqlite", "file:"+e.path)
	if err == nil {
		defer raw.Close()
		err = raw.QueryRow("SELECT count(*) FROM entries WHERE session_id = ?", sessionID).Scan(&n)
	}
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSessions_Lifecycle(t *testing.T) {
	e := newEnv(t)
	v := e.create(t, e.l1, "B0CA000001")
	id := v.Session.ID
	if v.Session.Version != 1 || len(v.Entries) != 3 || v.Entries[0].TrackID != "B0CT000001" || v.Entries[1].TrackID != "B0CT000006" {
		t.Fatalf("Create = version %d, entries %+v", v.Session.Version, v.Entries)
	}
	e.c.t = t0.Add(time.Minute)
	v, err := e.svc.Next(ctx, e.l1, id, 1)
	if err != nil || v.Entries[0].TrackID != "B0CT000006" {
		t.Fatalf("Next = %+v, %v", v, err)
	}
	if s, _ := e.snapshot(t, e.l1.UserID, id); s.Version != 2 || s.Current != v.Entries[0].Ref {
		t.Fatalf("stored after Next: version %d, current %s; want 2, %s", s.Version, s.Current, v.Entries[0].Ref)
	}
	metric := v.Entries[0].MetricID
	p, err := e.lookupPlay(e.l1.UserID, metric)
	if err != nil || p.TrackID != "B0CT000006" || p.SessionID != id || p.DeviceID != "dev-u1" || !p.StartedAt.Equal(e.c.t) {
		t.Fatalf("Play = %+v, %v", p, err)
	}
	_, err = e.lookupPlay(e.l2.UserID, metric)
	wantCode(t, err, segue.ENotFound)

	t.Run("EventIdempotent", func(t *testing.T) {
		in := playback.EventInput{MetricID: metric, Type: "start", ClientTimestampMs: 1000}
		for i, wantDup := range []bool{false, true} {
			if res, err := e.svc.ReportEvent(ctx, e.l1, in); err != nil || res.Duplicate != wantDup {
				t.Fatalf("ReportEvent #%d = %+v, %v; want duplicate=%v", i, res, err, wantDup)
			}
		}
		if n, err := e.db.CountEvents(ctx, e.l1.UserID, metric); err != nil || n != 1 {
			t.Fatalf("CountEvents = %d, %v; want 1", n, err)
		}
		in.ClientTimestampMs++ // another timestamp is another event
		if res, err := e.svc.ReportEvent(ctx, e.l1, in); err != nil || res.Duplicate {
			t.Fatalf("ReportEvent(other ts) = %+v, %v", res, err)
		}
	})

	t.Run("OtherUser", func(t *testing.T) {
		called := false
		view := func(*playback.Queue, playback.AccountReader) error { called = true; return nil }
		update := func(*playback.Queue, playback.AccountTx) error { called = true; return nil }
		wantCode(t, e.db.ViewSession(ctx, e.l2.UserID, id, view), segue.ENotFound)
		wantCode(t, e.db.UpdateSession(ctx, e.l2.UserID, id, update), segue.ENotFound)
		if _, err := e.svc.Next(ctx, e.l2, id, 1); segue.ErrorCode(err) != segue.ENotFound || called {
			t.Errorf("Next as another user = %v (fn called: %v), want RESOURCE_NOT_FOUND", err, called)
		}
	})

	t.Run("FailingUpdateSavesNothing", func(t *testing.T) {
		before, beforeEntries := e.snapshot(t, e.l1.UserID, id)
		var nextMetric string
		boom := errors.New("boom")
		err := e.db.UpdateSession(ctx, e.l1.UserID, id, func(q *playback.Queue, _ playback.AccountTx) error {
			if err := q.Next(); err != nil {
				return err
			}
			if _, err := q.Append([]catalog.TrackRef{{TrackID: "B0CT000002", ArtistID: "B0CR000002"}}); err != nil {
				return err
			}
			nextMetric, q.S.Loop = q.Plays()[0].MetricID, playback.LoopAll
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("UpdateSession = %v, want boom", err)
		}
		after, afterEntries := e.snapshot(t, e.l1.UserID, id)
		if !reflect.DeepEqual(before, after) || !reflect.DeepEqual(beforeEntries, afterEntries) {
			t.Errorf("failed update changed the session:\n%+v\n%+v\nentries %d -> %d", before, after, len(beforeEntries), len(afterEntries))
		}
		_, err = e.lookupPlay(e.l1.UserID, nextMetric)
		wantCode(t, err, segue.ENotFound)
	})

	// The session a Service operation answers with is the one it saved.
	t.Run("ViewVersionIsStored", func(t *testing.T) {
		v, err := e.svc.Next(ctx, e.l1, id, 1)
		if err != nil {
			t.Fatal(err)
		}
		if s, _ := e.snapshot(t, e.l1.UserID, id); v.Session.Version != s.Version {
			t.Errorf("Next answered session version %d, but the store saved version %d", v.Session.Version, s.Version)
		}
	})
}

func TestPurgeSessions(t *testing.T) {
	e := newEnv(t)
	old, oldOther := e.create(t, e.l1, "B0CA000001"), e.create(t, e.l2, "B0CA000002")
	metric := old.Entries[0].MetricID
	if _, err := e.svc.ReportEvent(ctx, e.l1, playback.EventInput{MetricID: metric, Type: "start", ClientTimestampMs: 5}); err != nil {
		t.Fatal(err)
	}
	e.c.t = t0.Add(10 * 24 * time.Hour)
	fresh := e.create(t, e.l1, "B0CA000003")
	if n, err := e.db.PurgeSessions(ctx, t0); err != nil || n != 0 {
		t.Fatalf("PurgeSessions(t0) = %d, %v; want 0 (idle exactly since the cut-off is kept)", n, err)
	}
	if n, err := e.db.PurgeSessions(ctx, t0.Add(time.Hour)); err != nil || n != 2 {
		t.Fatalf("PurgeSessions = %d, %v; want 2", n, err)
	}
	for _, tc := range []struct {
		name string
		l    playback.Listener
		id   string
		kept bool
	}{{"Old", e.l1, old.Session.ID, false}, {"OldOtherUser", e.l2, oldOther.Session.ID, false}, {"Fresh", e.l1, fresh.Session.ID, true}} {
		t.Run(tc.name, func(t *testing.T) {
			err := e.db.ViewSession(ctx, tc.l.UserID, tc.id, func(*playback.Queue, playback.AccountReader) error { return nil })
			if n := e.countEntries(t, tc.id); tc.kept != (err == nil) || tc.kept != (n > 0) {
				t.Errorf("kept=%v: ViewSession err %v, %d entries", tc.kept, err, n)
			}
			if !tc.kept {
				wantCode(t, err, segue.ENotFound)
			}
		})
	}
	if p, err := e.lookupPlay(e.l1.UserID, metric); err != nil || p.SessionID != old.Session.ID {
		t.Errorf("LookupPlay after purge = %+v, %v", p, err)
	}
	if n, err := e.db.CountEvents(ctx, e.l1.UserID, metric); err != nil || n != 1 {
		t.Errorf("CountEvents after purge = %d, %v; want 1", n, err)
	}
}
