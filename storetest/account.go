package storetest

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segue/segue"
	"github.com/segue/segue/auth"
	"github.com/segue/segue/playback"
)

func (s *suite) testAccount(t *testing.T) {
	e := s.newEnv(t)
	l1, l2 := e.user(t, "u1", auth.TierUnlimited, 1), e.user(t, "u2", auth.TierUnlimited, 1)
	v := e.create(t, l1, "B0CA000001", playback.LoopOff)
	id, metric := v.Session.ID, v.Entries[0].MetricID
	event := func(typ, reason string, ts int64) *playback.Event {
		return &playback.Event{
			EventInput: playback.EventInput{MetricID: metric, Type: typ, ClientTimestampMs: ts, TerminationReason: reason},
			UserID:     l1.UserID, SessionID: id, Ref: v.Entries[0].Ref, TrackID: v.Entries[0].TrackID, DeviceID: "d", ReceivedAt: t0,
		}
	}

	t.Run("Skips", func(t *testing.T) {
		e.account(t, l1.UserID, func(a playback.AccountTx) error {
			for _, sk := range []struct {
				at     time.Time
				metric string
			}{{t0, "m1"}, {t0.Add(time.Minute), "m2"}, {t0.Add(time.Minute), "m2"}, {t0.Add(time.Minute), "m3"}} {
				if err := a.AddSkip(sk.at, sk.metric); err != nil {
					return err
				}
			}
			return nil
		})
		want := map[time.Time][]time.Time{t0: {t0.Add(time.Minute), t0.Add(time.Minute)}, epoch: {t0, t0.Add(time.Minute), t0.Add(time.Minute)}}
		for since, w := range want {
			e.account(t, l1.UserID, func(a playback.AccountTx) error {
				if got, err := a.Skips(since); err != nil || !reflect.DeepEqual(got, w) {
					t.Errorf("Skips(%v) = %v, %v; want %v (after since, oldest first, a repeat counted once)", since, got, err, w)
				}
				return nil
			})
			err := e.db.ReadAccount(ctx, l1.UserID, func(a playback.AccountReader) error {
				if got, err := a.Skips(since); err != nil || !reflect.DeepEqual(got, w) {
					t.Errorf("ReadAccount: Skips(%v) = %v, %v; want %v", since, got, err, w)
				}
				return nil
			})
			must(t, err)
		}
		must(t, e.db.ReadAccount(ctx, l2.UserID, func(a playback.AccountReader) error {
			if got, err := a.Skips(epoch); err != nil || len(got) != 0 {
				t.Errorf("another user's Skips = %v, %v", got, err)
			}
			return nil
		}))
	})

	t.Run("Events", func(t *testing.T) {
		e.account(t, l1.UserID, func(a playback.AccountTx) error {
			if ok, err := a.HasEvent(metric, "start", 1); err != nil || ok {
				t.Errorf("HasEvent before AddEvent = %v, %v", ok, err)
			}
			ev := event("start", "", 1)
			f, n := 1.5, int64(7)
			ev.EntityProgressSeconds, ev.DurationSeconds, ev.InitialDelayMs, ev.RebufferCount, ev.TakeOverType = &f, &f, &n, &n, "AUTO"
			if err := a.AddEvent(ev); err != nil {
				return err
			}
			for _, k := range []struct {
				typ  string
				ts   int64
				want bool
			}{{"start", 1, true}, {"start", 2, false}, {"pause", 1, false}} {
				if ok, err := a.HasEvent(metric, k.typ, k.ts); err != nil || ok != k.want {
					t.Errorf("HasEvent(%s, %d) = %v, %v; want %v", k.typ, k.ts, ok, err, k.want)
				}
			}
			return nil
		})
		err := e.db.Account(ctx, l1.UserID, func(a playback.AccountTx) error { return a.AddEvent(event("start", "", 1)) })
		if err == nil {
			t.Errorf("storing an event twice succeeded")
		}
		if n, err := e.db.CountEvents(ctx, l1.UserID, metric); err != nil || n != 1 {
			t.Errorf("CountEvents = %d, %v; want 1", n, err)
		}
		e.account(t, l2.UserID, func(a playback.AccountTx) error {
			if ok, err := a.HasEvent(metric, "start", 1); err != nil || ok {
				t.Errorf("another user's HasEvent = %v, %v", ok, err)
			}
			return nil
		})
	})

	t.Run("Finished", func(t *testing.T) {
		for _, step := range []struct {
			reason string
			want   bool
		}{{"", false}, {"userNext", false}, {"trackFinished", true}} {
			e.account(t, l1.UserID, func(a playback.AccountTx) error {
				if step.reason != "" {
					if err := a.AddEvent(event("stop", step.reason, int64(100+len(step.reason)))); err != nil {
						return err
					}
				}
				if ok, err := a.Finished(metric); err != nil || ok != step.want {
					t.Errorf("after a stop %q: Finished = %v, %v; want %v", step.reason, ok, err, step.want)
				}
				return nil
			})
		}
		e.account(t, l2.UserID, func(a playback.AccountTx) error {
			if ok, err := a.Finished(metric); err != nil || ok {
				t.Errorf("another user's Finished = %v, %v", ok, err)
			}
			return nil
		})
	})

	t.Run("Streams", func(t *testing.T) {
		at := t0.Add(3 * time.Nanosecond)
		a1 := playback.Stream{SessionID: "s1", DeviceID: "d1", ClaimedAt: at, LastEventAt: at}
		b := playback.Stream{SessionID: "s2", DeviceID: "d2", ClaimedAt: at, LastEventAt: at.Add(time.Second)}
		a2 := playback.Stream{SessionID: "s1", DeviceID: "d3", ClaimedAt: at.Add(time.Minute), LastEventAt: at.Add(time.Hour)}
		e.account(t, l1.UserID, func(a playback.AccountTx) error {
			for _, st := range []playback.Stream{a1, b, a2} { // a2 replaces a1
				if err := a.PutStream(st); err != nil {
					return err
				}
			}
			return nil
		})
		streams := func(userID string) (out []playback.Stream) {
			must(t, e.db.ReadAccount(ctx, userID, func(a playback.AccountReader) (err error) {
				out, err = a.Streams()
				return err
			}))
			slices.SortFunc(out, func(x, y playback.Stream) int { return strings.Compare(x.SessionID, y.SessionID) })
			return out
		}
		if got := streams(l1.UserID); !reflect.DeepEqual(got, []playback.Stream{a2, b}) {
			t.Errorf("Streams = %+v, want %+v", got, []playback.Stream{a2, b})
		}
		if got := streams(l2.UserID); len(got) != 0 {
			t.Errorf("another user's Streams = %+v", got)
		}
		e.account(t, l1.UserID, func(a playback.AccountTx) error {
			for range 2 { // freeing a free stream is no error
				if err := a.DeleteStream("s2"); err != nil {
					return err
				}
			}
			return a.DeleteStream("nope")
		})
		if got := streams(l1.UserID); !reflect.DeepEqual(got, []playback.Stream{a2}) {
			t.Errorf("after DeleteStream: %+v, want %+v", got, []playback.Stream{a2})
		}
	})

	t.Run("Status", func(t *testing.T) {
		e.account(t, l1.UserID, func(a playback.AccountTx) error {
			if st, ok, err := a.Status(id); err != nil || !ok || st != (playback.StreamStatus{State: playback.StateStopped}) {
				t.Errorf("Status = %+v, %v, %v; want STOPPED", st, ok, err)
			}
			if _, ok, err := a.Status(auth.NewID()); err != nil || ok {
				t.Errorf("Status(unknown session) = %v, %v; want not ok", ok, err)
			}
			return nil
		})
		e.account(t, l2.UserID, func(a playback.AccountTx) error {
			if _, ok, err := a.Status(id); err != nil || ok {
				t.Errorf("another user's Status = %v, %v; want not ok", ok, err)
			}
			return a.SetStatus(id, playback.StreamStatus{State: playback.StatePlaying}) // changes nothing
		})
		if got, _ := snapshot(t, e.db, l1.UserID, id); got.Status.State != playback.StateStopped {
			t.Errorf("another user's SetStatus changed the state to %s", got.Status.State)
		}
	})

	t.Run("Play", func(t *testing.T) {
		err := e.db.Account(ctx, l1.UserID, func(a playback.AccountTx) error {
			_, err := a.Play("nope")
			return err
		})
		wantCode(t, err, segue.ENotFound)
	})

	t.Run("NoUser", func(t *testing.T) { // an account with no user row has nothing in it
		nobody := auth.NewID()
		e.account(t, nobody, func(a playback.AccountTx) error {
			streams, err := a.Streams()
			if err != nil || len(streams) != 0 {
				t.Errorf("Streams = %+v, %v", streams, err)
			}
			return a.AddSkip(t0, "m")
		})
		err := e.db.UpdateSession(ctx, nobody, id, func(*playback.Queue, playback.AccountTx) error { return nil })
		wantCode(t, err, segue.ENotFound)
	})

	t.Run("FailingAccountSavesNothing", func(t *testing.T) {
		boom := errors.New("boom")
		err := e.db.Account(ctx, l2.UserID, func(a playback.AccountTx) error {
			if err := a.AddSkip(t0, "m"); err != nil {
				return err
			}
			if err := a.PutStream(playback.Stream{SessionID: "s", DeviceID: "d", ClaimedAt: t0, LastEventAt: t0}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Account = %v, want boom", err)
		}
		must(t, e.db.ReadAccount(ctx, l2.UserID, func(a playback.AccountReader) error {
			skips, err1 := a.Skips(epoch)
			streams, err2 := a.Streams()
			if len(skips) != 0 || len(streams) != 0 || err1 != nil || err2 != nil {
				t.Errorf("a failed Account left skips %v (%v) and streams %v (%v)", skips, err1, streams, err2)
			}
			return nil
		}))
	})
}

func (s *suite) testHistory(t *testing.T) {
	e := s.newEnv(t)
	l1, l2 := e.user(t, "u1", auth.TierUnlimited, 1), e.user(t, "u2", auth.TierUnlimited, 1)
	v := e.create(t, l1, "B0CA000001", playback.LoopAll)
	metrics := []string{v.Entries[0].MetricID}
	for i := range 5 {
		e.c.Set(t0.Add(time.Duration(i+1) * time.Minute))
		v, err := e.svc.Next(ctx, l1, v.Session.ID, 1)
		must(t, err)
		metrics = append(metrics, v.Entries[0].MetricID)
	}
	counted := []time.Duration{time.Hour, 2 * time.Hour, 2 * time.Hour, 3 * time.Hour} // metrics 0-3; 4 and 5 are not counted
	e.account(t, l1.UserID, func(a playback.AccountTx) error {
		for i, d := range counted {
			if err := a.CountPlay(metrics[i], t0.Add(d)); err != nil {
				return err
			}
		}
		return a.CountPlay(metrics[0], t0.Add(9*time.Hour)) // counted already: kept
	})
	tie := []string{metrics[1], metrics[2]}
	slices.Sort(tie)
	want := []string{metrics[3], tie[1], tie[0], metrics[0]}
	var got []string
	var after *playback.HistoryCursor
	for page := 0; page < 3; page++ {
		plays, err := e.db.History(ctx, l1.UserID, after, 3)
		must(t, err)
		for _, p := range plays {
			i := slices.Index(metrics, p.MetricID)
			if i < 0 || !p.CountedAt.Equal(t0.Add(counted[i])) || !p.StartedAt.Equal(t0.Add(time.Duration(i)*time.Minute)) ||
				p.UserID != l1.UserID || p.SessionID != v.Session.ID || p.TrackID == "" || p.Ref == "" || p.DeviceID != "dev-u1" {
				t.Errorf("History play %d: %+v", i, p)
			}
			got = append(got, p.MetricID)
		}
		if len(plays) < 3 {
			break
		}
		last := plays[len(plays)-1]
		after = &playback.HistoryCursor{CountedAt: last.CountedAt, MetricID: last.MetricID}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("History = %q, want %q (newest first, ties by metric id descending)", got, want)
	}
	if plays, err := e.db.History(ctx, l2.UserID, nil, 10); err != nil || len(plays) != 0 {
		t.Errorf("another user's History = %+v, %v", plays, err)
	}

	t.Run("ThroughEvents", func(t *testing.T) {
		e.c.Set(t0.Add(4 * time.Hour))
		progress := playback.PlayCountsAfter
		in := playback.EventInput{MetricID: metrics[5], Type: "progress", ClientTimestampMs: 1, EntityProgressSeconds: &progress}
		_, err := e.svc.ReportEvent(ctx, l1, in)
		must(t, err)
		plays, err := e.db.History(ctx, l1.UserID, nil, 1)
		if err != nil || len(plays) != 1 || plays[0].MetricID != metrics[5] || !plays[0].CountedAt.Equal(e.c.Now()) {
			t.Errorf("History after a 30 s progress event = %+v, %v", plays, err)
		}
	})
}

// testGauges checks Gauges and that ObserveWith sees transactions.
func (s *suite) testGauges(t *testing.T) {
	e := s.newEnv(t)
	var mu sync.Mutex
	kinds := map[string]int{}
	e.db.ObserveWith(func(kind string, d time.Duration) {
		mu.Lock()
		kinds[kind]++
		mu.Unlock()
	})
	if n, m, err := e.db.Gauges(ctx, epoch); err != nil || n != 0 || m != 0 {
		t.Errorf("empty Gauges = %d, %d, %v", n, m, err)
	}
	l := e.user(t, "u1", auth.TierUnlimited, 1)
	e.c.Set(t0.Add(-24 * time.Hour))
	e.create(t, l, "B0CT000001", playback.LoopOff)
	e.c.Set(t0)
	for range 2 {
		v := e.create(t, l, "B0CT000001", playback.LoopOff)
		e.account(t, l.UserID, func(a playback.AccountTx) error {
			return a.PutStream(playback.Stream{SessionID: v.Session.ID, DeviceID: "d", ClaimedAt: t0, LastEventAt: t0})
		})
	}
	if n, m, err := e.db.Gauges(ctx, t0.Add(-time.Hour)); err != nil || n != 2 || m != 2 {
		t.Errorf("Gauges = %d sessions, %d streams, %v; want 2, 2", n, m, err)
	}
	must(t, e.db.ReadAccount(ctx, l.UserID, func(playback.AccountReader) error { return nil }))
	mu.Lock()
	defer mu.Unlock()
	if kinds["read"] == 0 || kinds["write"] == 0 {
		t.Errorf("ObserveWith saw %v; want reads and writes", kinds)
	}
}
