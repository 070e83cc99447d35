package ttlcache

import (
	"testing"
	"time"
)

func TestCache(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := Cache[int]{TTL: time.Second, Max: 2}
	if _, ok := c.Get("a", t0); ok {
		t.Fatal("empty cache has a")
	}
	c.Put("a", 1, t0)
	if v, ok := c.Get("a", t0.Add(999*time.Millisecond)); !ok || v != 1 {
		t.Fatalf("fresh a = %d, %v", v, ok)
	}
	if _, ok := c.Get("a", t0.Add(time.Second)); ok {
		t.Fatal("a is still fresh after the TTL")
	}
	c.Put("b", 2, t0)
	c.Put("c", 3, t0) // full: emptied first
	if _, ok := c.Get("a", t0); ok {
		t.Fatal("a survived a full cache")
	}
	if v, ok := c.Get("c", t0); !ok || v != 3 {
		t.Fatalf("c = %d, %v", v, ok)
	}
	off := Cache[int]{}
	off.Put("a", 1, t0)
	if _, ok := off.Get("a", t0); ok {
		t.Fatal("a cache with no TTL kept a value")
	}
}
