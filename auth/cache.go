package auth

import (
	"context"
	"time"

	"github.com/segue/segue/internal/ttlcache"
)

// cached returns the value for k from c while it is fresh, or else from
// load, remembering what load found. Lookups that find nothing are not
// remembered: a key or token just created works at once. A change to a
// remembered item (a key disabled, a token revoked) reaches this instance
// within the TTL.
func cached[V any](ctx context.Context, c *ttlcache.Cache[V], k string, now time.Time, load func(context.Context, string) (V, error)) (V, error) {
	if v, ok := c.Get(k, now); ok {
		return v, nil
	}
	v, err := load(ctx, k)
	if err == nil {
		c.Put(k, v, now)
	}
	return v, err
}
