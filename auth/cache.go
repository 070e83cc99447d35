package auth

import (
	"context"
	"time"

	"github.com/segue/segue/internal/storecache"
)

// Stamper is a Store that keeps a stamp of its keys, tokens and users: a
// counter that every change of a stored one (a key disabled or enabled)
// increments, from whichever process makes it. CacheFor keeps what
// Authenticate found until the stamp changes.
type Stamper interface {
	AuthStamp(ctx context.Context) (int64, error)
}

// cached returns the value for k from c while it may be served, or else
// from load, remembering what load found. Lookups that find nothing are
// not remembered: a key or token just created works at once.
func cached[V any](ctx context.Context, c *storecache.Cache[V], k string, now time.Time, load func(context.Context, string) (V, error)) (V, error) {
	v, ok, gen := c.Get(ctx, k, now)
	if ok {
		return v, nil
	}
	v, err := load(ctx, k)
	if err == nil {
		c.Put(gen, k, v, now)
	}
	return v, err
}
