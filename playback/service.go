package playback

import (
	"context"
	"time"

	"github.com/segue/segue"
	"github.com/segue/segue/auth"
	"github.com/segue/segue/catalog"
)

// Service runs the playback API's operations: each loads a session from the
// Store, applies a queue rule and saves the result in one transaction.
type Service struct {
	Store   Store
	Catalog Catalog
	Now     func() time.Time
}

// Listener is who asks: the user, their tier and the device they use.
type Listener struct {
	UserID   string
	Tier     auth.Tier
	DeviceID string
}

// View is what an operation answers: the session and a run of its entries
// (a window, or a page of the queue) with their tracks and actions.
type View struct {
	Session   Session
	Entries   []WindowEntry
	Tracks    map[string]catalog.Track
	Actions   Actions
	Inserted  []string // entityReferenceIds an insert created
	NextToken string   // where the next page starts; "" on the last page
}

// Window sizes and page sizes (SPEC.md §1, §4).
const (
	DefaultWindow = 1
	MaxWindow     = 10
	DefaultPage   = 100
	MaxPage       = 100
	// StationBatch is how many tracks a station adds at a time; a station
	// keeps at least MaxWindow entries ahead of the current one.
	StationBatch = 25
	// StationHorizon is how many of the latest station tracks are never
	// repeated.
	StationHorizon = 500
	// touchEvery is how stale a session's activity time may get before a
	// read refreshes it.
	touchEvery = time.Minute
)

// CheckLimit validates a window limit.
func CheckLimit(limit int) error {
	if limit < 1 || limit > MaxWindow {
		return segue.Errorf(segue.EBadRequest, "limit: must be between 1 and %d, got %d", MaxWindow, limit)
	}
	return nil
}

func checkPage(limit int) error {
	if limit < 1 || limit > MaxPage {
		return segue.Errorf(segue.EBadRequest, "limit: must be between 1 and %d, got %d", MaxPage, limit)
	}
	return nil
}

type emptySource struct{}

func (emptySource) Entry(ref string) (Entry, error) {
	return Entry{}, segue.Errorf(segue.ENotFound, "entry %s not found", ref)
}

func (emptySource) Entries() ([]Entry, error) { return nil, nil }

// update runs fn on a live session of the listener inside a write
// transaction, stamps the activity time, and builds the answer from the
// window fn returns.
func (s *Service) update(ctx context.Context, l Listener, sessionID string, limit int, fn func(q *Queue, a Actions) error) (*View, error) {
	if err := CheckLimit(limit); err != nil {
		return nil, err
	}
	var (
		saved    *Session // the store bumps its Version when it saves
		win      []WindowEntry
		inserted []string
	)
	now := s.Now().UTC()
	err := s.Store.UpdateSession(ctx, l.UserID, sessionID, func(q *Queue) error {
		if q.S.Expired(now) {
			return sessionNotFound(sessionID)
		}
		before := len(q.added)
		if err := fn(q, s.actions(l, q.S)); err != nil {
			return err
		}
		inserted = append(inserted, q.added[before:]...)
		if q.S.Station {
			if err := s.keepAhead(ctx, q); err != nil {
				return err
			}
		}
		q.S.UpdatedAt = now
		var err error
		win, err = q.Window(limit)
		saved = q.S
		return err
	})
	if err != nil {
		return nil, err
	}
	v, err := s.view(ctx, l, *saved, win)
	if v != nil {
		v.Inserted = inserted
	}
	return v, err
}

func sessionNotFound(id string) error {
	return segue.Errorf(segue.ENotFound, "session %s not found", id)
}

func (s *Service) actions(l Listener, sess *Session) Actions {
	return Entitlements(Policy{Tier: l.Tier, Station: sess.Station})
}

// read runs fn on a consistent read of a live session of the listener
// and returns the session as it was read.
func (s *Service) read(ctx context.Context, l Listener, sessionID string, now time.Time, fn func(q *Queue) error) (Session, error) {
	var sess Session
	err := s.Store.ViewSession(ctx, l.UserID, sessionID, func(q *Queue) error {
		if q.S.Expired(now) {
			return sessionNotFound(sessionID)
		}
		sess = *q.S
		return fn(q)
	})
	return sess, err
}

func (s *Service) view(ctx context.Context, l Listener, sess Session, win []WindowEntry) (*View, error) {
	ids := make([]string, len(win))
	for i, w := range win {
		ids[i] = w.TrackID
	}
	tracks, err := s.Catalog.Tracks(ctx, ids)
	if err != nil {
		return nil, err
	}
	return &View{Session: sess, Entries: win, Tracks: tracks, Actions: s.actions(l, &sess)}, nil
}

// Purge deletes the sessions idle past the restore window.
func (s *Service) Purge(ctx context.Context) (int64, error) {
	return s.Store.PurgeSessions(ctx, s.Now().UTC().Add(-RestoreWindow))
}
