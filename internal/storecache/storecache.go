// Package storecache keeps values read from a store that many requests
// repeat (an API key, a token, a user, a track) for a TTL or, when the
// store keeps a stamp of them, until the stamp changes.
//
// A stamp is a counter in the store that every transaction changing those
// values increments, whichever process makes it. A cache over a stamp
// reads it at most every Every (one caller at a time; the others answer
// from the cache meanwhile) and empties itself when it differs, so a
// change shows within about Every, while an unchanged value is read once
// rather than once per TTL. If the stamp cannot be read, no value older
// than the TTL is served, as without a stamp.
package storecache

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultEvery is the least time between two reads of a stamp when
// Stamp.Every is zero.
const DefaultEvery = 100 * time.Millisecond

// DefaultMax bounds a cache when Cache.Max is zero.
const DefaultMax = 10_000

// Stamp reads a store's stamp for the caches that share it.
type Stamp struct {
	// Read returns the stamp.
	Read func(context.Context) (int64, error)
	// Every is the least time between two reads (DefaultEvery when zero).
	Every time.Duration

	checking atomic.Bool // a caller is reading the stamp

	mu        sync.Mutex
	gen       uint64    // incremented when a read finds a new stamp
	value     int64     // the stamp, once known
	known     bool      // a read succeeded
	tried     time.Time // when the last read started
	confirmed time.Time // when the last read that succeeded started
	failed    bool      // the last read failed
}

// due reports whether the stamp should be read again at now; s.mu is
// held.
func (s *Stamp) due(now time.Time) bool {
	every := s.Every
	if every <= 0 {
		every = DefaultEvery
	}
	return s.tried.IsZero() || now.Sub(s.tried) >= every
}

// current returns the generation and when the last read that succeeded
// started (zero after a failed read, until one succeeds); s.mu is held.
func (s *Stamp) current() (gen uint64, confirmed time.Time) {
	if s.failed {
		return s.gen, time.Time{}
	}
	return s.gen, s.confirmed
}

// state reads the stamp if it is due, unless another caller is reading
// it, and returns its generation and when the last read that succeeded
// started. Every value read before that time and kept under the same
// generation is still what the store holds. A read that failed because
// ctx ended says nothing of the store: the next caller reads the stamp
// again.
func (s *Stamp) state(ctx context.Context, now time.Time) (gen uint64, confirmed time.Time) {
	s.mu.Lock()
	due := s.due(now)
	gen, confirmed = s.current()
	s.mu.Unlock()
	if !due || !s.checking.CompareAndSwap(false, true) {
		return gen, confirmed
	}
	defer s.checking.Store(false)
	s.mu.Lock()
	if !s.due(now) { // another caller read it meanwhile
		defer s.mu.Unlock()
		return s.current()
	}
	tried := s.tried
	s.tried = now
	s.mu.Unlock()
	v, err := s.Read(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case err != nil && ctx.Err() != nil:
		s.tried = tried
	case err != nil:
		s.failed = true
	default:
		if !s.known || v != s.value {
			s.gen, s.value, s.known = s.gen+1, v, true
		}
		s.failed = false
		if now.After(s.confirmed) {
			s.confirmed = now
		}
	}
	return s.current()
}

// generation returns the stamp's generation without reading it.
func (s *Stamp) generation() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gen
}

// Cache maps keys to values read from a store. The zero Cache keeps
// nothing; with a TTL and no Stamp it keeps each value for the TTL. It is
// safe for concurrent use.
type Cache[V any] struct {
	// TTL is how long a value is served after the read that found it, or
	// after the last read of the stamp that found the stamp unchanged.
	// Zero or less keeps nothing.
	TTL time.Duration
	// Stamp, if set, empties the cache when the store's stamp changes.
	Stamp *Stamp
	// Max bounds the entries (DefaultMax when zero): a full cache drops
	// an arbitrary eighth of them before it takes another, so that more
	// callers than fit in it still find most of theirs.
	Max int

	mu  sync.RWMutex
	m   map[string]entry[V]
	gen uint64 // the stamp generation m is filled under
}

type entry[V any] struct {
	v  V
	at time.Time // when the read that found v started
}

// Get returns the value kept for k if it may be served at now, and the
// stamp generation to give Put with what a read of k, started at now,
// finds.
func (c *Cache[V]) Get(ctx context.Context, k string, now time.Time) (v V, ok bool, gen uint64) {
	if c.TTL <= 0 {
		return v, false, 0
	}
	var confirmed time.Time
	if c.Stamp != nil {
		gen, confirmed = c.Stamp.state(ctx, now)
	}
	c.mu.RLock()
	e, found := c.m[k]
	found = found && c.gen == gen
	c.mu.RUnlock()
	if found && (now.Sub(e.at) < c.TTL || now.Sub(confirmed) < c.TTL) {
		return e.v, true, gen
	}
	return v, false, gen
}

// Put keeps v for k, found by a read that started at now, after a Get
// that returned gen. It keeps nothing if the stamp changed since: the
// read may have found what the change replaced.
func (c *Cache[V]) Put(gen uint64, k string, v V, now time.Time) {
	if c.TTL <= 0 || (c.Stamp != nil && c.Stamp.generation() != gen) {
		return
	}
	max := c.Max
	if max <= 0 {
		max = DefaultMax
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen < c.gen {
		return
	}
	if c.m == nil || gen > c.gen {
		c.m, c.gen = make(map[string]entry[V]), gen
	}
	MakeRoom(c.m, k, max)
	c.m[k] = entry[V]{v: v, at: now}
}

// MakeRoom readies m, which holds at most max entries, to take k: if k is
// new and m is full, it drops an arbitrary eighth of the entries (those
// iteration meets first; it starts at a random place), so that a cache
// with more callers than room still finds most of what it holds. It
// reports whether it dropped any.
func MakeRoom[K comparable, V any](m map[K]V, k K, max int) bool {
	if _, ok := m[k]; ok || len(m) < max {
		return false
	}
	n := max/8 + 1
	for old := range m {
		delete(m, old)
		if n--; n == 0 {
			break
		}
	}
	return true
}
