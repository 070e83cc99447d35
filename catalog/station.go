package catalog

import (
	"fmt"
	"hash/fnv"
	"sort"
)

// Station chooses up to n tracks for a station, reproducibly from salt.
// seed is the seed's own tracks and near the catalog's tracks that share an
// artist or a genre with them; all reads the whole catalog and is called
// only when near runs short. A candidate scores 2 for sharing an artist
// with the seed, 1 for sharing only a genre, plus a random part in [0, 1)
// drawn from salt and its id; the best-scored are taken, at most a third of
// the batch by one artist while others are left, so that the batch can be
// artist-spread. Tracks in exclude are left out, and Unlimited-only tracks
// unless unlimited.
func Station(seed, near []TrackRef, all func() ([]TrackRef, error), exclude map[string]bool, n int, salt uint64, unlimited bool) ([]TrackRef, error) {
	skip := func(t TrackRef) bool { return exclude[t.TrackID] || t.UnlimitedOnly && !unlimited }
	artists := map[string]bool{}
	for _, t := range seed {
		artists[t.ArtistID] = true
	}
	type cand struct {
		ref   TrackRef
		score float64
	}
	var cands []cand
	for _, t := range near {
		if skip(t) {
			continue
		}
		c := cand{ref: t, score: 1 + noise(salt, t.TrackID)}
		if artists[t.ArtistID] {
			c.score++
		}
		cands = append(cands, c)
	}
	if len(cands) < n {
		rest, err := all()
		if err != nil {
			return nil, err
		}
		for _, t := range rest {
			if !skip(t) {
				cands = append(cands, cand{ref: t, score: noise(salt, t.TrackID)})
			}
		}
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].score != cands[j].score {
			return cands[i].score > cands[j].score
		}
		return cands[i].ref.TrackID < cands[j].ref.TrackID
	})
	limit := max(1, (n+2)/3)
	var out []TrackRef
	seen := map[string]bool{}
	perArtist := map[string]int{}
	for pass := 0; pass < 2 && len(out) < n; pass++ {
		for _, c := range cands {
			if len(out) == n {
				break
			}
			if seen[c.ref.TrackID] || pass == 0 && perArtist[c.ref.ArtistID] >= limit {
				continue
			}
			seen[c.ref.TrackID] = true
			perArtist[c.ref.ArtistID]++
			out = append(out, c.ref)
		}
	}
	return out, nil
}

// SeedIDs returns the ids of a station seed's tracks and of their
// artists (sorted, once each): what a store looks candidates up by.
func SeedIDs(seed []TrackRef) (trackIDs, artistIDs []string) {
	seen := map[string]bool{}
	for _, t := range seed {
		trackIDs = append(trackIDs, t.TrackID)
		if !seen[t.ArtistID] {
			seen[t.ArtistID] = true
			artistIDs = append(artistIDs, t.ArtistID)
		}
	}
	sort.Strings(artistIDs)
	return trackIDs, artistIDs
}

// noise is a reproducible number in [0, 1) from salt and id.
func noise(salt uint64, id string) float64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d:%s", salt, id)
	return float64(h.Sum64()>>11) / (1 << 53)
}
