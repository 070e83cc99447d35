package playback

import (
	"context"
	"time"

	"github.com/segue/segue/catalog"
)

// Store keeps sessions, their entries, plays and events. Every method is
// scoped by user: a session of another user is not found.
type Store interface {
	// CreateSession saves a new session with its entries and first play.
	CreateSession(ctx context.Context, s *Session, entries []Entry, plays []Play) error
	// UpdateSession runs fn in one write transaction on the user's session
	// (RESOURCE_NOT_FOUND if there is none). If fn returns nil, the store
	// saves q.S with its version incremented, q.Added(), q.Changed() and
	// q.Plays(); otherwise it saves nothing.
	UpdateSession(ctx context.Context, userID, sessionID string, fn func(q *Queue) error) error
	// ViewSession runs fn on a consistent read of the user's session.
	ViewSession(ctx context.Context, userID, sessionID string, fn func(q *Queue) error) error
	// TouchSession records activity on a session without another change.
	TouchSession(ctx context.Context, userID, sessionID string, at time.Time) error
	// ActiveSessions lists the user's sessions active since since, most
	// recent first, starting after the cursor (nil for the first page),
	// each with its current entry.
	ActiveSessions(ctx context.Context, userID string, since time.Time, after *ActiveCursor, limit int) ([]Session, []Entry, error)
	// LookupPlay returns the user's play that a metric id names.
	LookupPlay(ctx context.Context, userID, metricID string) (Play, error)
	// AddEvent stores an event once; a repeat of the same metric id, type
	// and client timestamp is reported as a duplicate and not stored again.
	AddEvent(ctx context.Context, e *Event) (duplicate bool, err error)
	// PurgeSessions deletes sessions idle since before, with everything
	// that belongs to them, and returns how many it deleted.
	PurgeSessions(ctx context.Context, idleBefore time.Time) (int64, error)
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
	StationTracks(ctx context.Context, seed string, exclude map[string]bool, n int, salt uint64) ([]catalog.TrackRef, error)
}
