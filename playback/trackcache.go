package playback

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/segue/segue/catalog"
	"github.com/segue/segue/internal/ttlcache"
)

// CatalogStampEvery is how often, at most, a cache of tracks over a
// CatalogStamper reads the stamp (one caller at a time; the others answer
// from the cache meanwhile). A change of the catalog shows once the next
// read after it, at most this long after the previous one, finds it.
const CatalogStampEvery = 100 * time.Millisecond

// maxCachedTracks bounds a cache of tracks; a full one is emptied before
// it takes another.
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
	if s, ok := c.(CatalogStamper); ok {
		return &stampedCache{Catalog: c, stamper: s, ttl: ttl, now: now}
	}
	return &trackCache{Catalog: c, now: now, cache: ttlcache.Cache[catalog.Track]{TTL: ttl, Max: maxCachedTracks}}
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

// stampedCache keeps the tracks of a CatalogStamper until its stamp
// changes.
//
// A read of the catalog that started before a change may put what it
// found after the change emptied the cache: each read takes gen when it
// starts, and puts what it found only if gen is the same when it ends.
type stampedCache struct {
	Catalog
	stamper  CatalogStamper
	ttl      time.Duration
	now      func() time.Time
	checking atomic.Bool // a caller is reading the stamp

	mu        sync.RWMutex
	m         map[string]stampedTrack
	gen       uint64    // incremented when m is emptied for a new stamp
	stamp     int64     // the stamp m is filled under, once known
	known     bool      // a read of the stamp succeeded
	tried     time.Time // when the last read of the stamp started
	confirmed time.Time // when the last read that succeeded started
	failed    bool      // the last read of the stamp failed
}

// stampedTrack is a cached track and when the read that found it started.
type stampedTrack struct {
	t  catalog.Track
	at time.Time
}

// due reports whether the stamp should be read again at now. c.mu must be
// held.
func (c *stampedCache) due(now time.Time) bool {
	return c.tried.IsZero() || now.Sub(c.tried) >= CatalogStampEvery
}

// check reads the stamp, unless another caller is reading it or it was
// read less than CatalogStampEvery ago, and empties the cache if it
// changed. After a failed read, until one succeeds, the cache serves a
// track only for the TTL after it was read (the rule without a stamp).
// A read that failed because ctx ended says nothing of the store: the
// next caller reads the stamp again.
func (c *stampedCache) check(ctx context.Context, now time.Time) {
	if !c.checking.CompareAndSwap(false, true) {
		return
	}
	defer c.checking.Store(false)
	c.mu.Lock()
	due, tried := c.due(now), c.tried
	if due {
		c.tried = now
	}
	c.mu.Unlock()
	if !due {
		return
	}
	stamp, err := c.stamper.CatalogStamp(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case err != nil && ctx.Err() != nil:
		c.tried = tried
	case err != nil:
		c.failed = true
	default:
		if !c.known || stamp != c.stamp {
			c.m, c.gen, c.stamp, c.known = nil, c.gen+1, stamp, true
		}
		c.failed = false
		if now.After(c.confirmed) {
			c.confirmed = now
		}
	}
}

func (c *stampedCache) Tracks(ctx context.Context, ids []string) (map[string]catalog.Track, error) {
	now := c.now()
	c.mu.RLock()
	if c.due(now) {
		c.mu.RUnlock()
		c.check(ctx, now)
		c.mu.RLock()
	}
	gen := c.gen
	// While the stamp is read, every track of the cache is as fresh as
	// the last read that found it unchanged.
	confirmed := !c.failed && now.Sub(c.confirmed) < c.ttl
	out := make(map[string]catalog.Track, len(ids))
	var miss []string
	for _, id := range ids {
		if e, ok := c.m[id]; ok && (confirmed || now.Sub(e.at) < c.ttl) {
			out[id] = e.t
		} else {
			miss = append(miss, id)
		}
	}
	c.mu.RUnlock()
	if len(miss) == 0 {
		return out, nil
	}
	found, err := c.Catalog.Tracks(ctx, miss)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.gen == gen { // else the stamp changed since the read started
		for id, t := range found {
			if _, ok := c.m[id]; c.m == nil || (!ok && len(c.m) >= maxCachedTracks) {
				c.m = make(map[string]stampedTrack)
			}
			c.m[id] = stampedTrack{t: t, at: now}
		}
	}
	c.mu.Unlock()
	for id, t := range found {
		out[id] = t
	}
	return out, nil
}
