package auth

import (
	"context"
	"sync"
	"time"
)

// maxCached bounds each lookup cache; a full cache is emptied.
const maxCached = 10_000

// cache remembers found keys, tokens and users for a short time, so that
// a busy caller does not cost three store reads per request. Lookups that
// find nothing are not remembered: a key or token just created works at
// once. A change to a remembered item (a key disabled, a token revoked)
// reaches this instance within the TTL.
type cache[V any] struct {
	mu sync.Mutex
	m  map[string]cached[V]
}

type cached[V any] struct {
	v     V
	until time.Time
}

// get returns the value for k, from the cache while it is fresh or else
// from load.
func (c *cache[V]) get(ctx context.Context, k string, now time.Time, ttl time.Duration, load func(context.Context, string) (V, error)) (V, error) {
	if ttl <= 0 {
		return load(ctx, k)
	}
	c.mu.Lock()
	e, ok := c.m[k]
	c.mu.Unlock()
	if ok && now.Before(e.until) {
		return e.v, nil
	}
	v, err := load(ctx, k)
	if err != nil {
		return v, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCached {
		c.m = map[string]cached[V]{}
	}
	c.m[k] = cached[V]{v: v, until: now.Add(ttl)}
	c.mu.Unlock()
	return v, nil
}
