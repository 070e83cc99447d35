// Package ttlcache is a small map whose entries are fresh for a fixed
// time: what Segue keeps of store reads that many requests repeat.
package ttlcache

import (
	"sync"
	"time"
)

// Cache maps keys to values for a TTL. A full cache (Max entries) is
// emptied before it takes another. The zero Cache is ready; it is safe
// for concurrent use.
type Cache[V any] struct {
	TTL time.Duration
	Max int // 10,000 when zero

	mu sync.Mutex
	m  map[string]entry[V]
}

type entry[V any] struct {
	v     V
	until time.Time
}

// Get returns the value stored for k if it is still fresh at now.
func (c *Cache[V]) Get(k string, now time.Time) (V, bool) {
	c.mu.Lock()
	e, ok := c.m[k]
	c.mu.Unlock()
	if !ok || !now.Before(e.until) {
		var zero V
		return zero, false
	}
	return e.v, true
}

// Put stores v for k, fresh until now plus the TTL. It does nothing when
// the TTL is not positive.
func (c *Cache[V]) Put(k string, v V, now time.Time) {
	if c.TTL <= 0 {
		return
	}
	max := c.Max
	if max <= 0 {
		max = 10_000
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= max {
		c.m = make(map[string]entry[V])
	}
	c.m[k] = entry[V]{v: v, until: now.Add(c.TTL)}
	c.mu.Unlock()
}
