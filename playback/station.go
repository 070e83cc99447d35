package playback

import (
	"context"
	"math/rand/v2"

	"github.com/segue/segue/auth"
)

// extend appends a batch of tracks similar to the session's seed to the
// end of the queue; the tracks of the latest StationHorizon entries are not
// repeated. Stations and autoplay grow this way, a batch at a time.
func (s *Service) extend(ctx context.Context, q *Queue, tier auth.Tier) error {
	exclude := map[string]bool{}
	for ref, n := q.S.NatTail, 0; ref != "" && n < StationHorizon; n++ {
		e, err := q.get(ref)
		if err != nil {
			return err
		}
		exclude[e.TrackID] = true
		ref = e.NatPrev
	}
	salt := q.S.Seed ^ q.S.RefCounter
	batch, err := s.Catalog.StationTracks(ctx, q.S.StationSeed, exclude, StationBatch, salt, tier == auth.TierUnlimited)
	if err != nil {
		return err
	}
	if len(batch) == 0 {
		return nil
	}
	prev := ""
	if q.S.NatTail != "" {
		tail, err := q.get(q.S.NatTail)
		if err != nil {
			return err
		}
		prev = tail.ArtistID
	}
	artists := make([]string, len(batch))
	for i, t := range batch {
		artists[i] = t.ArtistID
	}
	order := Spread(artists, prev, rand.New(rand.NewPCG(salt, uint64(len(batch)))))
	spread := make([]TrackRef, len(batch))
	for i, j := range order {
		spread[i] = batch[j]
	}
	_, err = q.Append(spread)
	return err
}

// keepAhead makes sure a station has a full window ahead of its current
// entry.
func (s *Service) keepAhead(ctx context.Context, q *Queue, tier auth.Tier) error {
	n, err := q.Ahead(MaxWindow)
	if err != nil || n >= MaxWindow {
		return err
	}
	return s.extend(ctx, q, tier)
}
