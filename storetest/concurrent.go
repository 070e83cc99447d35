package storetest

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/segue/segue"
	"github.com/segue/segue/auth"
	"github.com/segue/segue/playback"
)

// testConcurrent changes one account from many goroutines at once,
// through two handles on one database, as two instances would. The tests
// run one at a time, so that each may use as many connections as a
// store's pools allow.
func (s *suite) testConcurrent(t *testing.T) {
	for name, test := range map[string]func(t *testing.T){
		"UpdateSession": s.testConcurrentUpdates,
		"Next":          s.testConcurrentNext,
		"Claims":        s.testConcurrentClaims,
		"Skips":         s.testConcurrentSkips,
		"NextAndEvents": s.testConcurrentNextAndEvents,
		"Idempotent":    s.testConcurrentIdempotent,
	} {
		t.Run(name, test)
	}
}

// instances returns two services on two handles on e's database (on e's
// handle if the store has one server).
func (s *suite) instances(t *testing.T, e *env) [2]*playback.Service {
	if s.opt.OneServer {
		return [2]*playback.Service{e.svc, {Store: e.db, Catalog: s.cat, Now: e.c.Now}}
	}
	other := s.open(t)
	return [2]*playback.Service{e.svc, {Store: other, Catalog: s.cat, Now: e.c.Now}}
}

// testConcurrentUpdates runs 16 goroutines × 4 updates of one session,
// a third of them failing: no update is lost and no failed one saved.
func (s *suite) testConcurrentUpdates(t *testing.T) {
	e := s.newEnv(t)
	svcs := s.instances(t, e)
	l := e.user(t, "ann", auth.TierUnlimited, 1)
	id := e.create(t, l, "B0CA000001", playback.LoopAll).Session.ID
	base, _ := snapshot(t, e.db, l.UserID, id)
	boom := errors.New("boom")
	var ok atomic.Int64
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 4 {
				err := svcs[g%2].Store.UpdateSession(ctx, l.UserID, id, func(q *playback.Queue, _ playback.AccountTx) error {
					q.S.PlaySeq++
					if (g+i)%3 == 0 {
						return boom
					}
					return nil
				})
				if err == nil {
					ok.Add(1)
				} else if !errors.Is(err, boom) {
					t.Errorf("UpdateSession: %v", err)
				}
			}
		})
	}
	wg.Wait()
	got, _ := snapshot(t, e.db, l.UserID, id)
	n := ok.Load()
	if got.Version != base.Version+n || got.PlaySeq != base.PlaySeq+uint64(n) {
		t.Errorf("after %d updates: version %d → %d, play seq %d → %d; want both to grow by %d",
			n, base.Version, got.Version, base.PlaySeq, got.PlaySeq, n)
	}
}

// testConcurrentNext runs 16 goroutines × 3 nexts on a looping session
// of one entry while readers check that every read is one snapshot: the
// entry, current after every next, was last played at the session's
// latest play.
func (s *suite) testConcurrentNext(t *testing.T) {
	e := s.newEnv(t)
	svcs := s.instances(t, e)
	l := e.user(t, "ann", auth.TierUnlimited, 1)
	id := e.create(t, l, "B0CT000001", playback.LoopAll).Session.ID
	base, baseEntries := snapshot(t, e.db, l.UserID, id)
	done := make(chan struct{})
	var readers sync.WaitGroup
	for r := range 4 {
		readers.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				err := svcs[r%2].Store.ViewSession(ctx, l.UserID, id, func(q *playback.Queue, _ playback.AccountReader) error {
					cur, err := q.Get(q.S.Current)
					if err == nil && cur.LastPlayed != q.S.PlaySeq {
						t.Errorf("a read saw play seq %d with a current entry last played at %d", q.S.PlaySeq, cur.LastPlayed)
					}
					return err
				})
				if err != nil {
					t.Errorf("ViewSession: %v", err)
				}
			}
		})
	}
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for range 3 {
				if _, err := svcs[g%2].Next(ctx, l, id, 1); err != nil {
					t.Errorf("Next: %v", err)
				}
			}
		})
	}
	wg.Wait()
	close(done)
	readers.Wait()
	got, entries := snapshot(t, e.db, l.UserID, id)
	plays := func(es []playback.Entry) (n int) {
		for _, e := range es {
			n += e.Plays
		}
		return n
	}
	if got.Version != base.Version+48 || got.PlaySeq != base.PlaySeq+48 || plays(entries) != plays(baseEntries)+48 {
		t.Errorf("after 48 nexts: version %d → %d, play seq %d → %d, plays %d → %d; want each to grow by 48",
			base.Version, got.Version, base.PlaySeq, got.PlaySeq, plays(baseEntries), plays(entries))
	}
}

// testConcurrentClaims has 8 sessions of a one-stream account start at
// once with AUTO: exactly one gets the stream.
func (s *suite) testConcurrentClaims(t *testing.T) {
	e := s.newEnv(t)
	svcs := s.instances(t, e)
	l := e.user(t, "ann", auth.TierUnlimited, 1)
	metrics := make([]string, 8)
	for i := range metrics {
		metrics[i] = e.create(t, l, "B0CT000001", playback.LoopOff).Entries[0].MetricID
	}
	codes := make([]string, len(metrics))
	var wg sync.WaitGroup
	for i, m := range metrics {
		wg.Go(func() {
			in := playback.EventInput{MetricID: m, Type: "start", ClientTimestampMs: 1, TakeOverType: playback.TakeOverAuto}
			_, err := svcs[i%2].ReportEvent(ctx, l, in)
			codes[i] = "ok"
			if err != nil {
				codes[i] = segue.ErrorCode(err)
			}
		})
	}
	wg.Wait()
	count := map[string]int{}
	for _, c := range codes {
		count[c]++
	}
	if count["ok"] != 1 || count[segue.EMaxConcurrency] != 7 {
		t.Errorf("8 AUTO claims on one stream: %v; want 1 ok and 7 %s", count, segue.EMaxConcurrency)
	}
	must(t, e.db.ReadAccount(ctx, l.UserID, func(a playback.AccountReader) error {
		if streams, err := a.Streams(); err != nil || len(streams) != 1 {
			t.Errorf("Streams = %+v, %v; want one", streams, err)
		}
		return nil
	}))
}

// testConcurrentSkips has 16 goroutines skip on 4 sessions of one PRIME
// account until refused: 6 skips an hour, never more.
func (s *suite) testConcurrentSkips(t *testing.T) {
	e := s.newEnv(t)
	svcs := s.instances(t, e)
	l := e.user(t, "pat", auth.TierPrime, 1)
	ids := make([]string, 4)
	for i := range ids {
		ids[i] = e.create(t, l, "B0CA000001", playback.LoopAll).Session.ID
	}
	e.c.Set(t0.Add(time.Minute))
	var ok atomic.Int64
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for {
				_, err := svcs[g%2].Next(ctx, l, ids[g%len(ids)], 1)
				if err == nil {
					ok.Add(1)
					continue
				}
				if segue.ErrorCode(err) != playback.DisableNoMoreSkips {
					t.Errorf("Next: %v", err)
				}
				return
			}
		})
	}
	wg.Wait()
	if n := ok.Load(); n != playback.SkipsPerWindow {
		t.Errorf("%d skipping nexts succeeded, want %d", n, playback.SkipsPerWindow)
	}
	must(t, e.db.ReadAccount(ctx, l.UserID, func(a playback.AccountReader) error {
		if skips, err := a.Skips(t0.Add(-time.Hour)); err != nil || len(skips) != playback.SkipsPerWindow {
			t.Errorf("Skips = %v, %v; want %d", skips, err, playback.SkipsPerWindow)
		}
		return nil
	}))
}

// testConcurrentNextAndEvents mixes updates of sessions with account
// changes that take their streams over: none fails or deadlocks.
func (s *suite) testConcurrentNextAndEvents(t *testing.T) {
	e := s.newEnv(t)
	svcs := s.instances(t, e)
	l := e.user(t, "ann", auth.TierUnlimited, 1)
	ids := make([]string, 8)
	for i := range ids {
		ids[i] = e.create(t, l, "B0CA000001", playback.LoopAll).Session.ID
	}
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			svc := svcs[i%2]
			for k := range 4 {
				v, err := svc.Next(ctx, l, id, 1)
				if err != nil {
					t.Errorf("Next: %v", err)
					return
				}
				in := playback.EventInput{MetricID: v.Entries[0].MetricID, Type: "start", ClientTimestampMs: int64(k), TakeOverType: playback.TakeOverForce}
				if _, err := svc.ReportEvent(ctx, l, in); err != nil {
					t.Errorf("ReportEvent: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	must(t, e.db.ReadAccount(ctx, l.UserID, func(a playback.AccountReader) error {
		if streams, err := a.Streams(); err != nil || len(streams) != 1 {
			t.Errorf("Streams = %+v, %v; want one", streams, err)
		}
		return nil
	}))
}
