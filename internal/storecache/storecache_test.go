package storecache

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

var ctx = context.Background()

// TestCacheTTL: without a stamp a value is served for the TTL after its
// read, a full cache drops some before it takes another, and a cache
// without a TTL keeps nothing.
func TestCacheTTL(t *testing.T) {
	c := Cache[int]{TTL: time.Second, Max: 2}
	if _, ok, _ := c.Get(ctx, "a", t0); ok {
		t.Fatal("empty cache has a")
	}
	c.Put(0, "a", 1, t0)
	if v, ok, _ := c.Get(ctx, "a", t0.Add(999*time.Millisecond)); !ok || v != 1 {
		t.Fatalf("fresh a = %d, %v", v, ok)
	}
	if _, ok, _ := c.Get(ctx, "a", t0.Add(time.Second)); ok {
		t.Fatal("a is still served after the TTL")
	}
	c.Put(0, "b", 2, t0)
	c.Put(0, "b", 3, t0) // replaces: not a new entry
	if v, ok, _ := c.Get(ctx, "a", t0); !ok || v != 1 {
		t.Fatalf("a = %d, %v after b replaced itself", v, ok)
	}
	c.Put(0, "c", 4, t0) // full: one of a and b is dropped first
	_, okA, _ := c.Get(ctx, "a", t0)
	_, okB, _ := c.Get(ctx, "b", t0)
	if okA == okB {
		t.Fatalf("a kept %v, b kept %v: want one of them dropped", okA, okB)
	}
	if v, ok, _ := c.Get(ctx, "c", t0); !ok || v != 4 {
		t.Fatalf("c = %d, %v", v, ok)
	}
	var off Cache[int]
	off.Put(0, "a", 1, t0)
	if _, ok, _ := off.Get(ctx, "a", t0); ok {
		t.Fatal("a cache with no TTL kept a value")
	}
}

// stamp is a store's stamp that a test changes, fails, and counts reads of.
type stamp struct {
	mu    sync.Mutex
	n     int64
	err   error
	reads int
}

func (s *stamp) read(context.Context) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	return s.n, s.err
}

func (s *stamp) set(n int64, err error) {
	s.mu.Lock()
	s.n, s.err = n, err
	s.mu.Unlock()
}

func (s *stamp) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reads
}

// TestCacheStamp: over a stamp, values are served past the TTL while the
// stamp stays, the stamp is read at most every Every for all the caches
// that share it, a change empties them at the next read, and while the
// stamp cannot be read the TTL rule applies.
func TestCacheStamp(t *testing.T) {
	st := &stamp{}
	sh := &Stamp{Read: st.read}
	a := Cache[string]{TTL: time.Second, Stamp: sh}
	b := Cache[string]{TTL: time.Second, Stamp: sh}
	now := t0
	get := func(c *Cache[string], k string) (string, bool) {
		t.Helper()
		v, ok, _ := c.Get(ctx, k, now)
		return v, ok
	}
	put := func(c *Cache[string], k, v string) {
		t.Helper()
		_, _, gen := c.Get(ctx, k, now)
		c.Put(gen, k, v, now)
	}
	put(&a, "k", "one")
	put(&b, "u", "ann")
	if st.count() != 1 {
		t.Fatalf("stamp read %d times for two caches at one time, want 1", st.count())
	}
	for i := 0; i < 50; i++ { // 5 s, five times the TTL
		now = now.Add(DefaultEvery)
		if v, ok := get(&a, "k"); !ok || v != "one" {
			t.Fatalf("at +%v with the stamp unchanged: k = %q, %v", now.Sub(t0), v, ok)
		}
		if v, ok := get(&b, "u"); !ok || v != "ann" {
			t.Fatalf("at +%v with the stamp unchanged: u = %q, %v", now.Sub(t0), v, ok)
		}
	}
	if got := st.count(); got != 51 {
		t.Errorf("stamp read %d times in 5 s, want 51 (every %v)", got, DefaultEvery)
	}

	st.set(1, nil)
	now = now.Add(DefaultEvery / 2)
	if _, ok := get(&a, "k"); !ok {
		t.Error("k dropped before the stamp was due")
	}
	now = now.Add(DefaultEvery / 2)
	if _, ok := get(&a, "k"); ok {
		t.Error("k served after the stamp changed")
	}
	if _, ok := get(&b, "u"); ok {
		t.Error("u served after the stamp changed")
	}

	// A read that began before the change puts nothing.
	_, _, old := a.Get(ctx, "k", now)
	st.set(2, nil)
	now = now.Add(DefaultEvery)
	put(&a, "k", "two") // finds the new stamp
	a.Put(old, "k", "stale", now)
	if v, _ := get(&a, "k"); v != "two" {
		t.Errorf("k = %q after a read from before the change ended, want two", v)
	}

	// The stamp cannot be read: the TTL rule.
	st.set(2, errors.New("database is locked"))
	now = now.Add(DefaultEvery)
	put(&a, "x", "ex")
	now = now.Add(DefaultEvery + 800*time.Millisecond) // k is 1 s old, x 0.9 s
	if _, ok := get(&a, "k"); ok {
		t.Error("k served 1 s after its read while the stamp fails")
	}
	if _, ok := get(&a, "x"); !ok {
		t.Error("x not served 0.9 s after its read")
	}
	st.set(2, nil)
	now = now.Add(DefaultEvery)
	if v, ok := get(&a, "x"); !ok || v != "ex" {
		t.Errorf("x = %q, %v once the unchanged stamp is read again", v, ok)
	}
}

// TestCacheStampCancelled: a read of the stamp that failed because the
// caller's context ended is tried again by the next caller.
func TestCacheStampCancelled(t *testing.T) {
	st := &stamp{}
	c := Cache[int]{TTL: time.Second, Stamp: &Stamp{Read: func(ctx context.Context) (int64, error) {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		return st.read(ctx)
	}}}
	done, cancel := context.WithCancel(ctx)
	cancel()
	c.Get(done, "k", t0)
	if _, _, gen := c.Get(ctx, "k", t0); gen != 1 || st.count() != 1 {
		t.Errorf("after a cancelled read: generation %d, %d reads; want 1, 1", gen, st.count())
	}
}

// TestCacheConcurrent, for the race detector: readers and writers of two
// caches over one stamp that changes.
func TestCacheConcurrent(t *testing.T) {
	st := &stamp{}
	sh := &Stamp{Read: st.read, Every: time.Nanosecond}
	var caches [2]Cache[int]
	for i := range caches {
		caches[i] = Cache[int]{TTL: time.Second, Stamp: sh, Max: 4}
	}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			c := &caches[w%2]
			for i := range 500 {
				k := string(rune('a' + i%6))
				now := t0.Add(time.Duration(i) * time.Millisecond)
				if _, ok, gen := c.Get(ctx, k, now); !ok {
					c.Put(gen, k, i, now)
				}
				if w == 0 && i%50 == 0 {
					st.set(int64(i), nil)
				}
			}
		})
	}
	wg.Wait()
	st.set(1000, nil)
	now := t0.Add(time.Hour)
	_, _, gen := caches[0].Get(ctx, "a", now)
	caches[0].Put(gen, "a", 7, now)
	if v, ok, _ := caches[0].Get(ctx, "a", now); !ok || v != 7 {
		t.Errorf("after the last change a = %d, %v; want 7", v, ok)
	}
}

// TestCacheFullDropsAnEighth: a cache with more callers than it holds
// keeps serving most of what it holds, instead of starting over.
func TestCacheFullDropsAnEighth(t *testing.T) {
	const max = 800
	c := Cache[int]{TTL: time.Hour, Max: max}
	key := func(i int) string { return fmt.Sprintf("k%d", i) }
	for i := range max {
		c.Put(0, key(i), i, t0)
	}
	c.Put(0, "one more", -1, t0)
	kept := 0
	for i := range max {
		if v, ok, _ := c.Get(ctx, key(i), t0); ok {
			if v != i {
				t.Fatalf("%s = %d", key(i), v)
			}
			kept++
		}
	}
	if want := max - (max/8 + 1); kept != want {
		t.Errorf("kept %d of %d, want %d", kept, max, want)
	}
	if v, ok, _ := c.Get(ctx, "one more", t0); !ok || v != -1 {
		t.Errorf("the new entry: %d, %v", v, ok)
	}
	// Many more callers than room: the cache stays bounded.
	for i := max; i < 10*max; i++ {
		c.Put(0, key(i), i, t0)
	}
	c.mu.RLock()
	n := len(c.m)
	c.mu.RUnlock()
	if n > max {
		t.Errorf("%d entries, more than Max %d", n, max)
	}
}
