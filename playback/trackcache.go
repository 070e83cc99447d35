package playback

import (
	"context"
	"time"

	"github.com/segue/segue/catalog"
	"github.com/segue/segue/internal/storecache"
)

// CatalogStampEvery is how often, at most, a cache of tracks over a
// CatalogStamper reads the stamp (one caller at a time; the others answer
// from the cache meanwhile). A change of the catalog shows once the next
// read after it, at most this long after the previous one, finds it.
const CatalogStampEvery = storecache.DefaultEvery

// maxCachedTracks bounds a cache of tracks; a full one drops an eighth
// of them before it takes another.
const maxCachedTracks = 100_000

// CacheTracks returns c with its Tracks answers reused: every answer of a
// session reads the tracks of its window, and the catalog seldom changes.
// A ttl of zero or less returns c itself. An unknown id is asked of c
// every time, so a new track is found at once.
//
// If c is a CatalogStamper, a track is kept until the catalog changes: the
// stamp is read at most every CatalogStampEvery, and the cache is emptied
// when it differs from the stamp the cache was filled under, so a changed
// track (an import, a rescan, from any process) shows within about
// CatalogStampEvery. A cached track is served only while it, or the last
// read of the stamp that found it unchanged, is younger than ttl: if the
// stamp cannot be read, no track older than ttl is served, and answers
// read c instead (a ttl below CatalogStampEvery therefore misses between
// two reads of the stamp).
//
// Otherwise a track is reused for ttl, and a changed track shows within
// ttl.
func CacheTracks(c Catalog, ttl time.Duration, now func() time.Time) Catalog {
	if ttl <= 0 {
		return c
	}
	tc := &trackCache{Catalog: c, now: now, cache: storecache.Cache[catalog.Track]{TTL: ttl, Max: maxCachedTracks}}
	if s, ok := c.(CatalogStamper); ok {
		tc.cache.Stamp = &storecache.Stamp{Read: s.CatalogStamp, Every: CatalogStampEvery}
	}
	return tc
}

type trackCache struct {
	Catalog
	now   func() time.Time
	cache storecache.Cache[catalog.Track]
}

func (c *trackCache) Tracks(ctx context.Context, ids []string) (map[string]catalog.Track, error) {
	now := c.now()
	out := make(map[string]catalog.Track, len(ids))
	var miss []string
	var gen uint64
	for _, id := range ids {
		t, ok, g := c.cache.Get(ctx, id, now)
		if ok {
			out[id] = t
		} else {
			if miss == nil {
				gen = g // what the read below finds is put under the first miss's generation
			}
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
		c.cache.Put(gen, id, t, now)
		out[id] = t
	}
	return out, nil
}
