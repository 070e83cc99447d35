package playback

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/segue/segue"
)

// IdempotencyTTL is how long the answer to a request sent with an
// Idempotency-Key is remembered.
const IdempotencyTTL = 24 * time.Hour

type ctxKey int

const (
	idempotencyKey ctxKey = iota
	ifMatchKey
)

type idempotency struct{ key, fingerprint string }

// WithIdempotencyKey returns a context in which a change is done once per
// key: a retry with the same key and request fingerprint gets the first
// answer again, and the same key with another request is a CONFLICT. The
// answer is saved in the transaction of the change it answers.
func WithIdempotencyKey(ctx context.Context, key, fingerprint string) context.Context {
	return context.WithValue(ctx, idempotencyKey, idempotency{key, fingerprint})
}

// WithIfMatch returns a context in which a change applies only to a
// session at the given version; otherwise it is PRECONDITION_FAILED.
func WithIfMatch(ctx context.Context, version int64) context.Context {
	return context.WithValue(ctx, ifMatchKey, version)
}

// ErrReplay ends a transaction whose request was answered before: nothing
// changes and the remembered answer is sent again.
var ErrReplay = errors.New("playback: request answered before")

// replayed returns the remembered answer of the context's idempotency key
// with ErrReplay, or nil when there is none (or no key).
func replayed(ctx context.Context, a AccountTx) ([]byte, error) {
	idem, ok := ctx.Value(idempotencyKey).(idempotency)
	if !ok {
		return nil, nil
	}
	fp, body, found, err := a.Replay(idem.key)
	if err != nil || !found {
		return nil, err
	}
	if fp != idem.fingerprint {
		return nil, segue.Errorf(segue.EConflict, "the Idempotency-Key was used for another request")
	}
	return body, ErrReplay
}

// remember saves v as the answer to the context's idempotency key.
func remember(ctx context.Context, a AccountTx, v any, now time.Time) error {
	idem, ok := ctx.Value(idempotencyKey).(idempotency)
	if !ok {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return a.Remember(idem.key, idem.fingerprint, b, now)
}

// checkVersion enforces the context's If-Match.
func checkVersion(ctx context.Context, s *Session) error {
	want, ok := ctx.Value(ifMatchKey).(int64)
	if !ok || want == s.Version {
		return nil
	}
	e := segue.Errorf(segue.EPreconditionFailed, "the session is at version %d, not %d", s.Version, want)
	e.Payload = map[string]any{"version": s.Version}
	return e
}

// answer is what a change answers, as remembered for a replay.
type answer struct {
	Session  Session
	Entries  []WindowEntry
	Actions  Actions
	Inserted []string
}

// replayView turns a remembered answer back into a view.
func (s *Service) replayView(ctx context.Context, body []byte) (*View, error) {
	var a answer
	if err := json.Unmarshal(body, &a); err != nil {
		return nil, err
	}
	v, err := s.view(ctx, a.Session, a.Entries, a.Actions)
	if v != nil {
		v.Inserted = a.Inserted
	}
	return v, err
}
