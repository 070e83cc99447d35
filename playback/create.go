package playback

import (
	"context"
	"math/rand/v2"

	"github.com/segue/segue"
	"github.com/segue/segue/auth"
)

// CreateRequest is what a new session is made from.
type CreateRequest struct {
	ID           string
	ContainerIDs []string
	Shuffle      bool
	Loop         LoopMode
	Station      bool
	Autoplay     bool
	Limit        int
}

// Create starts a session and returns its first window.
func (s *Service) Create(ctx context.Context, l Listener, r CreateRequest) (*View, error) {
	if err := CheckLimit(r.Limit); err != nil {
		return nil, err
	}
	if l.DeviceID == "" {
		return nil, segue.Errorf(segue.EBadRequest, "the X-Amzn-Device-Id header is required to create a session")
	}
	src, err := s.resolve(ctx, r.ID, r.ContainerIDs)
	if err != nil {
		return nil, err
	}
	station := r.Station || src.station
	p := Policy{Tier: l.Tier, Station: station}
	if err := Refuse(Entitlements(p).Play, "on-demand playback"); err != nil {
		return nil, err
	}
	if !station || src.explicit { // a station's own tracks are chosen for the tier
		if src.tracks, src.start, err = playable(p, src.tracks, src.start, src.explicit); err != nil {
			return nil, err
		}
	}
	// Stations do not shuffle; some tiers' on-demand queues always do.
	shuffle := !station && (r.Shuffle || Entitlements(p).Shuffle.DisableType == DisableNeedShuffleSub)
	now := s.Now().UTC()
	sess := &Session{
		ID: auth.NewID(), UserID: l.UserID, DeviceID: l.DeviceID,
		Loop: r.Loop, Station: station, Autoplay: r.Autoplay,
		StationSeed: src.seed, Seed: rand.Uint64(), CreatedAt: now, UpdatedAt: now,
		Status: StreamStatus{State: StateStopped},
	}
	q := NewQueue(sess, emptySource{})
	if err := q.SetLoop(r.Loop); err != nil {
		return nil, err
	}
	var refs []string
	switch {
	case !sess.Station:
		refs, err = q.Append(src.tracks)
	case src.explicit: // a station from a track starts with that track
		refs, err = q.Append(src.tracks[src.start : src.start+1])
		src.start = 0
	}
	if err != nil {
		return nil, err
	}
	if sess.Station {
		if err := s.extend(ctx, q, l.Tier); err != nil {
			return nil, err
		}
		if q.S.NatHead == "" {
			return nil, segue.Errorf(segue.ENotFound, "nothing to play on a station from %s", src.seed)
		}
		if len(refs) == 0 {
			refs = []string{q.S.NatHead}
		}
	}
	start := refs[src.start]
	if shuffle && !src.explicit {
		start = refs[rand.New(rand.NewPCG(sess.Seed, 0)).IntN(len(refs))]
	}
	if err := q.Start(start); err != nil {
		return nil, err
	}
	if shuffle {
		if err := q.SetShuffle(true); err != nil {
			return nil, err
		}
	}
	win, err := q.Window(r.Limit)
	if err != nil {
		return nil, err
	}
	var (
		acts   Actions
		replay []byte
	)
	err = s.Store.CreateSession(ctx, sess, q.Added(), q.Plays(), func(a AccountTx) error {
		var err error
		if replay, err = replayed(ctx, a); err != nil {
			return err // ErrReplay when answered before
		}
		// The new session's actions show the account's skip budget.
		if p, err = s.policy(l, q, a, now); err != nil {
			return err
		}
		acts = Entitlements(p)
		return remember(ctx, a, answer{Session: *sess, Entries: win, Actions: acts}, now)
	})
	if replay != nil {
		return s.replayView(ctx, replay)
	}
	if err != nil {
		return nil, err
	}
	return s.view(ctx, *sess, win, acts)
}
