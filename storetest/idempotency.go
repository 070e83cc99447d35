package storetest

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/segue/segue"
	"github.com/segue/segue/auth"
	"github.com/segue/segue/playback"
)

// testIdempotency checks the remembered answers of idempotency keys and
// the account transaction CreateSession runs.
func (s *suite) testIdempotency(t *testing.T) {
	e := s.newEnv(t)
	l1, l2 := e.user(t, "u1", auth.TierUnlimited, 1), e.user(t, "u2", auth.TierUnlimited, 1)
	body := []byte{0, 255, '{', '}'}
	e.account(t, l1.UserID, func(a playback.AccountTx) error { return a.Remember("k1", "fp", body, t0) })
	e.account(t, l1.UserID, func(a playback.AccountTx) error {
		if fp, got, ok, err := a.Replay("k1"); err != nil || !ok || fp != "fp" || !slices.Equal(got, body) {
			t.Errorf("Replay = %q, %v, %v, %v; want fp, %v", fp, got, ok, err, body)
		}
		if _, _, ok, err := a.Replay("k2"); err != nil || ok {
			t.Errorf("Replay(unknown key) = %v, %v; want not ok", ok, err)
		}
		return nil
	})
	e.account(t, l2.UserID, func(a playback.AccountTx) error {
		if _, _, ok, err := a.Replay("k1"); err != nil || ok {
			t.Errorf("another user's Replay = %v, %v; want not ok", ok, err)
		}
		return a.Remember("k1", "other", body, t0) // keys are per user
	})
	err := e.db.Account(ctx, l1.UserID, func(a playback.AccountTx) error { return a.Remember("k1", "fp2", body, t0) })
	if err == nil {
		t.Errorf("remembering a key twice succeeded")
	}

	t.Run("PurgeForgets", func(t *testing.T) {
		for _, tc := range []struct {
			now  time.Time
			kept bool
		}{{t0.Add(playback.IdempotencyTTL), true}, {t0.Add(playback.IdempotencyTTL + time.Second), false}} {
			e.c.Set(tc.now)
			_, err := e.svc.Purge(ctx)
			must(t, err)
			e.account(t, l1.UserID, func(a playback.AccountTx) error {
				if _, _, ok, err := a.Replay("k1"); err != nil || ok != tc.kept {
					t.Errorf("at %v: Replay = %v, %v; want %v", tc.now, ok, err, tc.kept)
				}
				return nil
			})
		}
	})

	t.Run("CreateSessionAccount", func(t *testing.T) {
		e.c.Set(t0)
		boom := errors.New("boom")
		for _, fail := range []bool{true, false} {
			v := e.create(t, l1, "B0CT000001", playback.LoopOff)
			sess, entries := snapshot(t, e.db, l1.UserID, v.Session.ID)
			sess.ID = auth.NewID()
			key := "create-" + sess.ID
			err := e.db.CreateSession(ctx, &sess, entries, nil, func(a playback.AccountTx) error {
				if err := a.Remember(key, "fp", body, t0); err != nil {
					return err
				}
				if fail {
					return boom
				}
				return nil
			})
			if fail != errors.Is(err, boom) || !fail && err != nil {
				t.Fatalf("CreateSession(fail %v) = %v", fail, err)
			}
			err = e.db.ViewSession(ctx, l1.UserID, sess.ID, func(*playback.Queue, playback.AccountReader) error { return nil })
			e.account(t, l1.UserID, func(a playback.AccountTx) error {
				if _, _, ok, err2 := a.Replay(key); err2 != nil || ok == fail || (err == nil) == fail {
					t.Errorf("fail %v: session read %v, key remembered %v (%v)", fail, err, ok, err2)
				}
				return nil
			})
		}
	})

	t.Run("Service", func(t *testing.T) {
		kctx := playback.WithIdempotencyKey(ctx, "svc", "fp")
		v1, err := e.svc.Create(kctx, l2, playback.CreateRequest{ID: "B0CA000001", Loop: playback.LoopAll, Limit: 1})
		must(t, err)
		v2, err := e.svc.Create(kctx, l2, playback.CreateRequest{ID: "B0CA000001", Loop: playback.LoopAll, Limit: 1})
		if err != nil || v2.Session.ID != v1.Session.ID {
			t.Errorf("retried Create = %v, %v; want session %s", v2, err, v1.Session.ID)
		}
		_, err = e.svc.Create(playback.WithIdempotencyKey(ctx, "svc", "other"), l2, playback.CreateRequest{ID: "B0CA000002", Loop: playback.LoopOff, Limit: 1})
		wantCode(t, err, segue.EConflict)
	})
}

// testConcurrentIdempotent sends one request with one key from 8
// goroutines at once: it is applied once and all get its answer.
func (s *suite) testConcurrentIdempotent(t *testing.T) {
	e := s.newEnv(t)
	svcs := s.instances(t, e)
	l := e.user(t, "ann", auth.TierUnlimited, 1)
	run := func(fn func(i int) (*playback.View, error)) (string, int64) {
		var wg sync.WaitGroup
		versions := make([]int64, 8)
		ids := make([]string, 8)
		for i := range versions {
			wg.Go(func() {
				v, err := fn(i)
				if err != nil {
					t.Errorf("request %d: %v", i, err)
					return
				}
				versions[i], ids[i] = v.Session.Version, v.Session.ID
			})
		}
		wg.Wait()
		for i := range ids {
			if ids[i] != ids[0] || versions[i] != versions[0] {
				t.Fatalf("answers differ: sessions %q, versions %v", ids, versions)
			}
		}
		return ids[0], versions[0]
	}
	create := playback.WithIdempotencyKey(ctx, "create", "fp")
	id, _ := run(func(i int) (*playback.View, error) {
		return svcs[i%2].Create(create, l, playback.CreateRequest{ID: "B0CA000001", Loop: playback.LoopAll, Limit: 1})
	})
	if sessions, _, err := activeSessions(t, e.db, l.UserID, epoch, nil, 10); err != nil || len(sessions) != 1 {
		t.Fatalf("8 creates with one key made %d sessions, %v; want 1", len(sessions), err)
	}
	next := playback.WithIdempotencyKey(ctx, "next", "fp")
	_, version := run(func(i int) (*playback.View, error) { return svcs[i%2].Next(next, l, id, 1) })
	if got, _ := snapshot(t, e.db, l.UserID, id); got.Version != 2 || version != 2 {
		t.Errorf("8 nexts with one key: stored version %d, answered %d; want 2", got.Version, version)
	}
}
