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
	// StreamIdle is how long a stream lives without an event
	// (DefaultStreamIdle when zero).
	StreamIdle time.Duration
	// OnTakeOver, when set, is called after a stream was taken over.
	OnTakeOver func()
}

// Listener is who asks: the user, their tier and stream limit, and the
// device they use.
type Listener struct {
	UserID     string
	Tier       auth.Tier
	MaxStreams int
	DeviceID   string
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

// op is one operation on a session inside its transaction: the queue,
// the listener's entitlements as they stood before it, and the account.
type op struct {
	q   *Queue
	p   Policy
	a   AccountTx
	now time.Time
}

// update runs fn on a live session of the listener inside a write
// transaction, stamps the activity time, and answers the window from the
// current entry with the entitlements as they stand after fn.
func (s *Service) update(ctx context.Context, l Listener, sessionID string, limit int, fn func(o op) error) (*View, error) {
	if err := CheckLimit(limit); err != nil {
		return nil, err
	}
	var (
		saved    *Session // the store bumps its Version when it saves
		win      []WindowEntry
		acts     Actions
		inserted []string
		replay   []byte
	)
	now := s.Now().UTC()
	err := s.Store.UpdateSession(ctx, l.UserID, sessionID, func(q *Queue, a AccountTx) error {
		var err error
		if replay, err = replayed(ctx, a); err != nil {
			return err // ErrReplay when answered before
		}
		if q.S.Expired(now) {
			return sessionNotFound(sessionID)
		}
		if err := checkVersion(ctx, q.S); err != nil {
			return err
		}
		p, err := s.policy(l, q, a, now)
		if err != nil {
			return err
		}
		before := len(q.added)
		if err := fn(op{q: q, p: p, a: a, now: now}); err != nil {
			return err
		}
		inserted = append(inserted, q.added[before:]...)
		if q.S.Station {
			if err := s.keepAhead(ctx, q, l.Tier); err != nil {
				return err
			}
		}
		q.S.UpdatedAt = now
		if win, err = q.Window(limit); err != nil {
			return err
		}
		saved = q.S
		if p, err = s.policy(l, q, a, now); err != nil {
			return err
		}
		acts = Entitlements(p)
		after := *q.S
		after.Version++ // as the store will save it
		return remember(ctx, a, answer{Session: after, Entries: win, Actions: acts, Inserted: inserted}, now)
	})
	if replay != nil {
		return s.replayView(ctx, replay)
	}
	if err != nil {
		return nil, err
	}
	v, err := s.view(ctx, *saved, win, acts)
	if v != nil {
		v.Inserted = inserted
	}
	return v, err
}

func sessionNotFound(id string) error {
	return segue.Errorf(segue.ENotFound, "session %s not found", id)
}

// policy gathers what decides the listener's entitlements on the
// session: tier, kind of queue, the skip budget and whether the current
// play has finished (so that a next is not a skip).
func (s *Service) policy(l Listener, q *Queue, a AccountReader, now time.Time) (Policy, error) {
	p := Policy{Tier: l.Tier, Station: q.S.Station}
	if l.Tier == auth.TierUnlimited {
		return p, nil // no skip budget to read
	}
	skips, err := a.Skips(now.Add(-SkipWindow))
	if err != nil {
		return p, err
	}
	p.Skips = Budget(skips)
	metric, err := q.CurrentMetric()
	if err != nil {
		return p, err
	}
	p.Finished, err = a.Finished(metric)
	return p, err
}

// read runs fn on a consistent read of a live session of the listener
// and returns the session as it was read and the listener's actions.
func (s *Service) read(ctx context.Context, l Listener, sessionID string, now time.Time, fn func(q *Queue) error) (Session, Actions, error) {
	var (
		sess Session
		acts Actions
	)
	err := s.Store.ViewSession(ctx, l.UserID, sessionID, func(q *Queue, a AccountReader) error {
		if q.S.Expired(now) {
			return sessionNotFound(sessionID)
		}
		sess = *q.S
		p, err := s.policy(l, q, a, now)
		if err != nil {
			return err
		}
		acts = Entitlements(p)
		return fn(q)
	})
	return sess, acts, err
}

func (s *Service) view(ctx context.Context, sess Session, win []WindowEntry, acts Actions) (*View, error) {
	ids := make([]string, len(win))
	for i, w := range win {
		ids[i] = w.TrackID
	}
	tracks, err := s.Catalog.Tracks(ctx, ids)
	if err != nil {
		return nil, err
	}
	return &View{Session: sess, Entries: win, Tracks: tracks, Actions: acts}, nil
}

// playable keeps the tracks the policy lets the listener play, with the
// index of start among them. An explicit start track that may not be
// played, or nothing left, is refused with the reason.
func playable(p Policy, tracks []TrackRef, start int, explicit bool) ([]TrackRef, int, error) {
	out := make([]TrackRef, 0, len(tracks))
	newStart := 0
	var refusal *Action
	for i, t := range tracks {
		p.UnlimitedOnly = t.UnlimitedOnly
		if a := Entitlements(p).Play; !a.IsAllowed {
			if i == start && explicit {
				return nil, 0, Refuse(a, "playing "+t.TrackID)
			}
			refusal = &a
			continue
		}
		if i == start {
			newStart = len(out)
		}
		out = append(out, t)
	}
	if len(out) == 0 && refusal != nil {
		return nil, 0, Refuse(*refusal, "playing these tracks")
	}
	return out, newStart, nil
}

// Purge deletes the sessions idle past the restore window.
func (s *Service) Purge(ctx context.Context) (int64, error) {
	return s.Store.PurgeSessions(ctx, s.Now().UTC().Add(-RestoreWindow))
}
