package playback

import (
	"context"
	"time"

	"github.com/segue/segue/catalog"
)

// Store keeps sessions, their entries, plays and events. Every method is
// scoped by user: a session of another user is not found. Changes to one
// account (its sessions, streams and skips) are serialised.
type Store interface {
	// CreateSession saves a new session with its entries and first play.
	// fn, when not nil, runs first in the same transaction on the
	// account; if it fails nothing is saved.
	CreateSession(ctx context.Context, s *Session, entries []Entry, plays []Play, fn func(a AccountTx) error) error
	// UpdateSession runs fn in one write transaction on the user's session
	// (RESOURCE_NOT_FOUND if there is none). If fn returns nil, the store
	// saves q.S with its version incremented, q.Added(), q.Changed() and
	// q.Plays(), with what fn did through the account; otherwise nothing.
	UpdateSession(ctx context.Context, userID, sessionID string, fn func(q *Queue, a AccountTx) error) error
	// ViewSession runs fn on a consistent read of the user's session. fn
	// may be called more than once (a store that keeps sessions in memory
	// calls it again on the file when an entry is not there), and must
	// not keep what an earlier call gathered; only the last call counts.
	ViewSession(ctx context.Context, userID, sessionID string, fn func(q *Queue, a AccountReader) error) error
	// Account runs fn in one write transaction on the user's account.
	Account(ctx context.Context, userID string, fn func(a AccountTx) error) error
	// ReadAccount runs fn on a consistent read of the user's account.
	ReadAccount(ctx context.Context, userID string, fn func(a AccountReader) error) error
	// TouchSession records activity on a session without another change.
	TouchSession(ctx context.Context, userID, sessionID string, at time.Time) error
	// History lists the user's counted plays, newest first, starting after
	// the cursor (nil for the first page).
	History(ctx context.Context, userID string, after *HistoryCursor, limit int) ([]Play, error)
	// PurgeSessions deletes sessions idle since before, with everything
	// that belongs to them, and returns how many it deleted. Plays and
	// events stay: they are the play ledger.
	PurgeSessions(ctx context.Context, idleBefore time.Time) (int64, error)
}

// AccountReader reads one user's account inside a transaction.
type AccountReader interface {
	// Skips returns the times of the user's skips after since, oldest
	// first.
	Skips(since time.Time) ([]time.Time, error)
	// Finished reports whether the play reported a stop with
	// terminationReason trackFinished.
	Finished(metricID string) (bool, error)
	// Streams returns the streams the account holds.
	Streams() ([]Stream, error)
	// ActiveSessions lists the user's sessions active since since, most
	// recent first, starting after the cursor (nil for the first page),
	// each with its current entry.
	ActiveSessions(since time.Time, after *ActiveCursor, limit int) ([]Session, []Entry, error)
}

// AccountTx changes one user's account inside a transaction.
type AccountTx interface {
	AccountReader
	// AddSkip spends a skip at the given time, for the play it skipped.
	AddSkip(at time.Time, metricID string) error
	// Play returns the user's play that a metric id names.
	Play(metricID string) (Play, error)
	// HasEvent reports whether the event is stored already.
	HasEvent(metricID, typ string, clientTimestampMs int64) (bool, error)
	// AddEvent stores an event.
	AddEvent(e *Event) error
	// CountPlay marks a play as counted (for history) unless it is.
	CountPlay(metricID string, at time.Time) error
	// PutStream adds or replaces the session's stream.
	PutStream(s Stream) error
	// DeleteStream frees the session's stream, if it holds one.
	DeleteStream(sessionID string) error
	// Status returns a session's stream status; ok is false when the
	// session is gone (purged).
	Status(sessionID string) (st StreamStatus, ok bool, err error)
	// SetStatus sets a session's stream status.
	SetStatus(sessionID string, st StreamStatus) error
	// Replay returns the response remembered for an idempotency key.
	Replay(key string) (fingerprint string, response []byte, ok bool, err error)
	// Remember saves the response to a request sent with an idempotency
	// key.
	Remember(key, fingerprint string, response []byte, at time.Time) error
}

// HistoryCursor is where a page of history continues.
type HistoryCursor struct {
	CountedAt time.Time
	MetricID  string
}

// ActiveCursor is where a page of active sessions continues.
type ActiveCursor struct {
	UpdatedAt time.Time
	ID        string
}

// Catalog is what playback needs of the music catalog.
type Catalog interface {
	// Resolve returns the kind and tracks of a catalog id (plain or MRN),
	// or RESOURCE_NOT_FOUND.
	Resolve(ctx context.Context, id string) (catalog.Item, error)
	// Tracks returns the tracks with the given ids that exist.
	Tracks(ctx context.Context, ids []string) (map[string]catalog.Track, error)
	// StationTracks returns up to n tracks similar to the seed item,
	// leaving out the tracks in exclude, chosen reproducibly from salt.
	// Unlimited-only tracks are left out unless unlimited is true.
	StationTracks(ctx context.Context, seed string, exclude map[string]bool, n int, salt uint64, unlimited bool) ([]catalog.TrackRef, error)
}

// CatalogStamper is a Catalog that tells when its catalog changed: the
// stamp differs after any change. CacheTracks keeps the tracks of a
// CatalogStamper until its stamp changes.
type CatalogStamper interface {
	// CatalogStamp returns the catalog's stamp: a change, committed by
	// any process, makes it differ from every stamp returned before.
	CatalogStamp(ctx context.Context) (int64, error)
}
