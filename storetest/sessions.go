package storetest

import (
	"errors"
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/segue/segue"
	"github.com/segue/segue/auth"
	"github.com/segue/segue/catalog"
	"github.com/segue/segue/playback"
)

// testSessionRoundTrip saves a session with every field set and reads it
// back as it was.
func (s *suite) testSessionRoundTrip(t *testing.T) {
	e := s.newEnv(t)
	l := e.user(t, "ann", auth.TierUnlimited, 1)
	at := t0.Add(987654321 * time.Nanosecond)
	sess := &playback.Session{
		ID: auth.NewID(), UserID: l.UserID, DeviceID: "dev", Current: "r2", Loop: playback.LoopAll, Shuffle: true,
		Station: true, Autoplay: true, StationSeed: "B0CT000001", Seed: 1<<63 + 5, ShuffleEpoch: 1<<63 + 6,
		NatHead: "r1", NatTail: "r2", ShufHead: "r2", ShufTail: "r1", UpNextTail: "r2", Length: 2,
		RefCounter: 1<<63 + 7, PlaySeq: 1<<63 + 8, CycleStart: 1<<63 + 9, Version: 41,
		Status:    playback.StreamStatus{State: playback.StateTakenOver, TakenBySession: "s2", TakenByDevice: "d2"},
		CreatedAt: at, UpdatedAt: at.Add(time.Second),
	}
	entries := []playback.Entry{
		{Ref: "r1", TrackID: "B0CT000001", ArtistID: "B0CR000001", NatNext: "r2", ShufPrev: "r2", Plays: 3, LastPlayed: 1<<63 + 1},
		{Ref: "r2", TrackID: "B0CT000002", ArtistID: "B0CR000002", NatPrev: "r1", ShufNext: "r1", Plays: 1, LastPlayed: 1<<63 + 8, UpNext: true},
	}
	play := playback.Play{MetricID: "m1", UserID: l.UserID, SessionID: sess.ID, Ref: "r2", TrackID: "B0CT000002", DeviceID: "dev"}
	must(t, e.db.CreateSession(ctx, sess, entries, []playback.Play{play}, nil))
	if sess.Version != 1 {
		t.Errorf("CreateSession left Version %d, want 1", sess.Version)
	}
	got, gotEntries := snapshot(t, e.db, l.UserID, sess.ID)
	if !reflect.DeepEqual(got, *sess) {
		t.Errorf("stored session:\n%+v\nwant\n%+v", got, *sess)
	}
	if !reflect.DeepEqual(gotEntries, entries) {
		t.Errorf("stored entries:\n%+v\nwant\n%+v", gotEntries, entries)
	}
	play.StartedAt = sess.UpdatedAt // a play starts when its session saves
	if p, err := e.lookupPlay(l.UserID, "m1"); err != nil || p != play {
		t.Errorf("Play = %+v, %v; want %+v", p, err, play)
	}
	err := e.db.ViewSession(ctx, l.UserID, sess.ID, func(q *playback.Queue, _ playback.AccountReader) error {
		_, err := q.Get("r9")
		return err
	})
	wantCode(t, err, segue.ENotFound)
	if err := e.db.CreateSession(ctx, sess, nil, nil, nil); err == nil {
		t.Errorf("CreateSession with a stored id succeeded")
	}
}

// testSessions follows a session through the Service.
func (s *suite) testSessions(t *testing.T) {
	e := s.newEnv(t)
	l1, l2 := e.user(t, "u1", auth.TierUnlimited, 1), e.user(t, "u2", auth.TierUnlimited, 1)
	v := e.create(t, l1, "B0CA000001", playback.LoopOff)
	id := v.Session.ID
	if v.Session.Version != 1 || len(v.Entries) != 3 || v.Entries[0].TrackID != "B0CT000001" || v.Entries[1].TrackID != "B0CT000006" {
		t.Fatalf("Create = version %d, entries %+v", v.Session.Version, v.Entries)
	}
	e.c.Set(t0.Add(time.Minute))
	v, err := e.svc.Next(ctx, l1, id, 1)
	if err != nil || v.Entries[0].TrackID != "B0CT000006" {
		t.Fatalf("Next = %+v, %v", v, err)
	}
	if s, _ := snapshot(t, e.db, l1.UserID, id); s.Version != 2 || s.Current != v.Entries[0].Ref {
		t.Fatalf("stored after Next: version %d, current %s; want 2, %s", s.Version, s.Current, v.Entries[0].Ref)
	}
	metric := v.Entries[0].MetricID
	p, err := e.lookupPlay(l1.UserID, metric)
	if err != nil || p.TrackID != "B0CT000006" || p.SessionID != id || p.DeviceID != "dev-u1" || !p.StartedAt.Equal(e.c.Now()) {
		t.Fatalf("Play = %+v, %v", p, err)
	}
	_, err = e.lookupPlay(l2.UserID, metric)
	wantCode(t, err, segue.ENotFound)

	t.Run("EventIdempotent", func(t *testing.T) {
		in := playback.EventInput{MetricID: metric, Type: "start", ClientTimestampMs: 1000}
		for i, wantDup := range []bool{false, true} {
			if res, err := e.svc.ReportEvent(ctx, l1, in); err != nil || res.Duplicate != wantDup {
				t.Fatalf("ReportEvent #%d = %+v, %v; want duplicate=%v", i, res, err, wantDup)
			}
		}
		if n, err := e.db.CountEvents(ctx, l1.UserID, metric); err != nil || n != 1 {
			t.Fatalf("CountEvents = %d, %v; want 1", n, err)
		}
		in.ClientTimestampMs++ // another timestamp is another event
		if res, err := e.svc.ReportEvent(ctx, l1, in); err != nil || res.Duplicate {
			t.Fatalf("ReportEvent(other ts) = %+v, %v", res, err)
		}
		if n, err := e.db.CountEvents(ctx, l2.UserID, metric); err != nil || n != 0 {
			t.Fatalf("CountEvents of another user = %d, %v; want 0", n, err)
		}
	})

	t.Run("OtherUser", func(t *testing.T) {
		called := false
		view := func(*playback.Queue, playback.AccountReader) error { called = true; return nil }
		update := func(*playback.Queue, playback.AccountTx) error { called = true; return nil }
		wantCode(t, e.db.ViewSession(ctx, l2.UserID, id, view), segue.ENotFound)
		wantCode(t, e.db.UpdateSession(ctx, l2.UserID, id, update), segue.ENotFound)
		wantCode(t, e.db.ViewSession(ctx, l1.UserID, auth.NewID(), view), segue.ENotFound)
		wantCode(t, e.db.UpdateSession(ctx, l1.UserID, auth.NewID(), update), segue.ENotFound)
		if _, err := e.svc.Next(ctx, l2, id, 1); segue.ErrorCode(err) != segue.ENotFound || called {
			t.Errorf("Next as another user = %v (fn called: %v), want RESOURCE_NOT_FOUND", err, called)
		}
	})

	t.Run("FailingUpdateSavesNothing", func(t *testing.T) {
		before, beforeEntries := snapshot(t, e.db, l1.UserID, id)
		var nextMetric string
		boom := errors.New("boom")
		err := e.db.UpdateSession(ctx, l1.UserID, id, func(q *playback.Queue, a playback.AccountTx) error {
			if err := q.Next(); err != nil {
				return err
			}
			if _, err := q.Append([]catalog.TrackRef{{TrackID: "B0CT000002", ArtistID: "B0CR000002"}}); err != nil {
				return err
			}
			if err := a.AddSkip(t0, "m"); err != nil {
				return err
			}
			nextMetric, q.S.Loop = q.Plays()[0].MetricID, playback.LoopAll
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("UpdateSession = %v, want boom", err)
		}
		after, afterEntries := snapshot(t, e.db, l1.UserID, id)
		if !reflect.DeepEqual(before, after) || !reflect.DeepEqual(beforeEntries, afterEntries) {
			t.Errorf("failed update changed the session:\n%+v\n%+v\nentries %d -> %d", before, after, len(beforeEntries), len(afterEntries))
		}
		_, err = e.lookupPlay(l1.UserID, nextMetric)
		wantCode(t, err, segue.ENotFound)
		e.account(t, l1.UserID, func(a playback.AccountTx) error {
			if skips, err := a.Skips(epoch); err != nil || len(skips) != 0 {
				t.Errorf("failed update left skips %v, %v", skips, err)
			}
			return nil
		})
	})

	// The session a Service operation answers with is the one it saved.
	t.Run("ViewVersionIsStored", func(t *testing.T) {
		v, err := e.svc.Next(ctx, l1, id, 1)
		if err != nil {
			t.Fatal(err)
		}
		if s, _ := snapshot(t, e.db, l1.UserID, id); v.Session.Version != s.Version {
			t.Errorf("Next answered session version %d, but the store saved version %d", v.Session.Version, s.Version)
		}
	})
}

// testUpdateSession checks that an update saves exactly what the queue
// reports: the session, added and changed entries, and new plays.
func (s *suite) testUpdateSession(t *testing.T) {
	e := s.newEnv(t)
	l := e.user(t, "ann", auth.TierUnlimited, 1)
	v := e.create(t, l, "B0CT000001", playback.LoopOff)
	id := v.Session.ID
	var added []string
	var play playback.Play
	err := e.db.UpdateSession(ctx, l.UserID, id, func(q *playback.Queue, _ playback.AccountTx) error {
		var err error
		added, err = q.Append([]catalog.TrackRef{{TrackID: "B0CT000002", ArtistID: "B0CR000002"}, {TrackID: "B0CT000003", ArtistID: "B0CR000002"}})
		if err != nil {
			return err
		}
		if err := q.Next(); err != nil {
			return err
		}
		play = q.Plays()[0]
		q.S.UpdatedAt = t0.Add(time.Hour)
		return nil
	})
	must(t, err)
	got, entries := snapshot(t, e.db, l.UserID, id)
	if got.Version != 2 || got.Current != added[0] || got.Length != 3 || got.NatTail != added[1] || !got.UpdatedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("stored session %+v; want version 2, current %s, 3 entries", got, added[0])
	}
	if len(entries) != 3 || entries[0].NatNext != added[0] || entries[1].Plays != 1 || entries[2].TrackID != "B0CT000003" {
		t.Errorf("stored entries %+v", entries)
	}
	play.StartedAt = t0.Add(time.Hour)
	if p, err := e.lookupPlay(l.UserID, play.MetricID); err != nil || p != play {
		t.Errorf("Play = %+v, %v; want %+v", p, err, play)
	}

	t.Run("SetStatusBumpsVersion", func(t *testing.T) {
		st := playback.StreamStatus{State: playback.StateTakenOver, TakenBySession: "s2", TakenByDevice: "d2"}
		e.account(t, l.UserID, func(a playback.AccountTx) error { return a.SetStatus(id, st) })
		if got, _ := snapshot(t, e.db, l.UserID, id); got.Version != 3 || got.Status != st {
			t.Errorf("after SetStatus: version %d, status %+v; want 3, %+v", got.Version, got.Status, st)
		}
	})
}

func (s *suite) testTouchSession(t *testing.T) {
	e := s.newEnv(t)
	l1, l2 := e.user(t, "u1", auth.TierUnlimited, 1), e.user(t, "u2", auth.TierUnlimited, 1)
	id := e.create(t, l1, "B0CT000001", playback.LoopOff).Session.ID
	for _, tc := range []struct {
		who  playback.Listener
		at   time.Time
		want time.Time
	}{
		{l1, t0.Add(time.Hour), t0.Add(time.Hour)},
		{l1, t0.Add(time.Minute), t0.Add(time.Hour)}, // never backwards
		{l2, t0.Add(2 * time.Hour), t0.Add(time.Hour)},
	} {
		must(t, e.db.TouchSession(ctx, tc.who.UserID, id, tc.at))
		if got, _ := snapshot(t, e.db, l1.UserID, id); !got.UpdatedAt.Equal(tc.want) || got.Version != 1 {
			t.Errorf("after TouchSession(%v): updated %v, version %d; want %v, 1", tc.at, got.UpdatedAt, got.Version, tc.want)
		}
	}
	must(t, e.db.TouchSession(ctx, l1.UserID, auth.NewID(), t0))
}

func (s *suite) testActiveSessions(t *testing.T) {
	e := s.newEnv(t)
	l1, l2 := e.user(t, "u1", auth.TierUnlimited, 1), e.user(t, "u2", auth.TierUnlimited, 1)
	// Sessions in several hours, two of them at the same time, so that
	// pages of 3 end inside an hour and between two, and one before since.
	type made struct {
		at time.Time
		id string
	}
	var all []made
	for i, at := range []time.Duration{-40 * 24 * time.Hour, -2*time.Hour - 59*time.Minute, -61 * time.Minute, 0, time.Minute,
		2 * time.Minute, 2 * time.Minute, 59*time.Minute + 59*time.Second, 3 * time.Hour} {
		e.c.Set(t0.Add(at))
		all = append(all, made{e.c.Now(), e.create(t, l1, "B0CA000001", playback.LoopOff).Session.ID})
		if i == 3 {
			e.create(t, l2, "B0CA000001", playback.LoopOff)
		}
	}
	since := t0.Add(-3 * time.Hour)
	sort.Slice(all, func(i, j int) bool {
		if !all[i].at.Equal(all[j].at) {
			return all[i].at.After(all[j].at)
		}
		return all[i].id > all[j].id
	})
	var want []string
	for _, m := range all {
		if !m.at.Before(since) {
			want = append(want, m.id)
		}
	}
	var got []string
	var after *playback.ActiveCursor
	for page := 0; ; page++ {
		sessions, current, err := activeSessions(t, e.db, l1.UserID, since, after, 3)
		if err != nil || len(sessions) != len(current) || page > 2 {
			t.Fatalf("ActiveSessions page %d: %d sessions, %d entries, %v", page, len(sessions), len(current), err)
		}
		for i, s := range sessions {
			if s.UserID != l1.UserID || current[i].Ref != s.Current || current[i].TrackID != "B0CT000001" {
				t.Errorf("session %s with current %+v", s.ID, current[i])
			}
			got = append(got, s.ID)
		}
		if len(sessions) < 3 {
			break
		}
		last := sessions[len(sessions)-1]
		after = &playback.ActiveCursor{UpdatedAt: last.UpdatedAt, ID: last.ID}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ActiveSessions = %q, want %q", got, want)
	}
	if s, _, err := activeSessions(t, e.db, l1.UserID, t0.Add(4*time.Hour), nil, 10); err != nil || len(s) != 0 {
		t.Errorf("ActiveSessions since later = %d, %v; want none", len(s), err)
	}
}

func (s *suite) testPurgeSessions(t *testing.T) {
	e := s.newEnv(t)
	l1, l2 := e.user(t, "u1", auth.TierUnlimited, 1), e.user(t, "u2", auth.TierUnlimited, 1)
	old, oldOther := e.create(t, l1, "B0CA000001", playback.LoopOff), e.create(t, l2, "B0CA000002", playback.LoopOff)
	metric := old.Entries[0].MetricID
	if _, err := e.svc.ReportEvent(ctx, l1, playback.EventInput{MetricID: metric, Type: "start", ClientTimestampMs: 5}); err != nil {
		t.Fatal(err)
	}
	oldSession, oldEntries := snapshot(t, e.db, l1.UserID, old.Session.ID)
	e.account(t, l1.UserID, func(a playback.AccountTx) error { return a.AddSkip(t0, metric) })
	e.c.Set(t0.Add(10 * 24 * time.Hour))
	fresh := e.create(t, l1, "B0CA000003", playback.LoopOff)
	e.account(t, l1.UserID, func(a playback.AccountTx) error {
		if err := a.AddSkip(e.c.Now(), fresh.Entries[0].MetricID); err != nil {
			return err
		}
		return a.PutStream(playback.Stream{SessionID: fresh.Session.ID, DeviceID: "d", ClaimedAt: e.c.Now(), LastEventAt: e.c.Now()})
	})
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
	}{{"Old", l1, old.Session.ID, false}, {"OldOtherUser", l2, oldOther.Session.ID, false}, {"Fresh", l1, fresh.Session.ID, true}} {
		err := e.db.ViewSession(ctx, tc.l.UserID, tc.id, func(*playback.Queue, playback.AccountReader) error { return nil })
		if tc.kept && err != nil {
			t.Errorf("%s: ViewSession = %v", tc.name, err)
		} else if !tc.kept {
			wantCode(t, err, segue.ENotFound)
		}
	}
	e.account(t, l1.UserID, func(a playback.AccountTx) error {
		if streams, err := a.Streams(); err != nil || len(streams) != 1 || streams[0].SessionID != fresh.Session.ID {
			t.Errorf("streams after purge = %+v, %v; want the fresh session's", streams, err)
		}
		if skips, err := a.Skips(epoch); err != nil || len(skips) != 1 || !skips[0].Equal(e.c.Now()) {
			t.Errorf("skips after purge = %v, %v; want the recent one", skips, err)
		}
		if st, ok, err := a.Status(old.Session.ID); err != nil || ok {
			t.Errorf("Status of a purged session = %+v, %v, %v; want not ok", st, ok, err)
		}
		return nil
	})
	// The play ledger stays.
	if p, err := e.lookupPlay(l1.UserID, metric); err != nil || p.SessionID != old.Session.ID {
		t.Errorf("Play after purge = %+v, %v", p, err)
	}
	if n, err := e.db.CountEvents(ctx, l1.UserID, metric); err != nil || n != 1 {
		t.Errorf("CountEvents after purge = %d, %v; want 1", n, err)
	}
	// Nothing of the purged session is left: it can be saved again whole.
	if err := e.db.CreateSession(ctx, &oldSession, oldEntries, nil, nil); err != nil {
		t.Errorf("saving the purged session again: %v (its entries are left)", err)
	}
}

// activeSessions lists a user's active sessions through the account.
func activeSessions(t *testing.T, db Store, userID string, since time.Time, after *playback.ActiveCursor, limit int) (sessions []playback.Session, current []playback.Entry, err error) {
	t.Helper()
	err = db.ReadAccount(ctx, userID, func(a playback.AccountReader) error {
		sessions, current, err = a.ActiveSessions(since, after, limit)
		return err
	})
	return sessions, current, err
}
