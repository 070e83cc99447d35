package playback

import (
	"context"
	"time"

	"github.com/segue/segue/catalog"
	"github.com/segue/segue/internal/ttlcache"
)

// CacheTracks returns c with its Tracks answers reused for ttl: every
// answer of a session reads the tracks of its window, and the catalog
// seldom changes. A changed track (an import, a rescan) shows within ttl;
// an unknown id is asked of c every time, so a new track is found at once.
// A ttl of zero or less returns c itself.
func CacheTracks(c Catalog, ttl time.Duration, now func() time.Time) Catalog {
	if ttl <= 0 {
		return c
	}
	return &trackCache{Catalog: c, now: now, cache: ttlcache.Cache[catalog.Track]{TTL: ttl, Max: 100_000}}
}

type trackCache struct {
	Catalog
	now   func() time.Time
	cache ttlcache.Cache[catalog.Track]
}

func (c *trackCache) Tracks(ctx context.Context, ids []string) (map[string]catalog.Track, error) {
	now := c.now()
	out := make(map[string]catalog.Track, len(ids))
	var miss []string
	for _, id := range ids {
		if t, ok := c.cache.Get(id, now); ok {
			out[id] = t
		} else {
			miss = append(miss, id)
		}
	}
	if len(miss) == 0 {
		return out, nil
	}
	found, err := c.Catalog.Tracks(ctx, miss)
	if err != nil {
		return nil, err
	}
	for id, t := range found {
		c.cache.Put(id, t, now)
		out[id] = t
	}
	return out, nil
}
