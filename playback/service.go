package playback

import (
	"context"
	"errors"
	"math/rand/v2"
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

// CreateRequest is what a new session is made from.
type CreateRequest struct {
	ID           string
	ContainerIDs []string
	Shuffle      bool
	Loop         LoopMode
	Station      bool
	Autoplay     bool
	Limit        int
}

// Create starts a session and returns its first window.
func (s *Service) Create(ctx context.Context, l Listener, r CreateRequest) (*View, error) {
	if err := CheckLimit(r.Limit); err != nil {
		return nil, err
	}
	if l.DeviceID == "" {
		return nil, segue.Errorf(segue.EBadRequest, "the X-Amzn-Device-Id header is required to create a session")
	}
	src, err := s.resolve(ctx, r.ID, r.ContainerIDs)
	if err != nil {
		return nil, err
	}
	now := s.Now().UTC()
	sess := &Session{
		ID: auth.NewID(), UserID: l.UserID, DeviceID: l.DeviceID,
		Loop: r.Loop, Station: r.Station || src.station, Autoplay: r.Autoplay,
		StationSeed: src.seed, Seed: rand.Uint64(), CreatedAt: now, UpdatedAt: now,
	}
	q := NewQueue(sess, emptySource{})
	if err := q.SetLoop(r.Loop); err != nil {
		return nil, err
	}
	var refs []string
	switch {
	case !sess.Station:
		refs, err = q.Append(src.tracks)
	case src.explicit: // a station from a track starts with that track
		refs, err = q.Append(src.tracks[src.start : src.start+1])
		src.start = 0
	}
	if err != nil {
		return nil, err
	}
	if sess.Station {
		if err := s.extend(ctx, q); err != nil {
			return nil, err
		}
		if q.S.NatHead == "" {
			return nil, segue.Errorf(segue.ENotFound, "nothing to play on a station from %s", src.seed)
		}
		if len(refs) == 0 {
			refs = []string{q.S.NatHead}
		}
	}
	start := refs[src.start]
	shuffle := r.Shuffle && !sess.Station
	if shuffle && !src.explicit {
		start = refs[rand.New(rand.NewPCG(sess.Seed, 0)).IntN(len(refs))]
	}
	if err := q.Start(start); err != nil {
		return nil, err
	}
	if shuffle {
		if err := q.SetShuffle(true); err != nil {
			return nil, err
		}
	}
	win, err := q.Window(r.Limit)
	if err != nil {
		return nil, err
	}
	if err := s.Store.CreateSession(ctx, sess, q.Added(), q.Plays()); err != nil {
		return nil, err
	}
	return s.view(ctx, l, *sess, win)
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

// Current returns the window from the current entry.
func (s *Service) Current(ctx context.Context, l Listener, sessionID string, limit int) (*View, error) {
	if err := CheckLimit(limit); err != nil {
		return nil, err
	}
	now := s.Now().UTC()
	var win []WindowEntry
	sess, err := s.read(ctx, l, sessionID, now, func(q *Queue) (err error) {
		win, err = q.Window(limit)
		return err
	})
	if err != nil {
		return nil, err
	}
	if now.Sub(sess.UpdatedAt) > touchEvery {
		if err := s.Store.TouchSession(ctx, l.UserID, sessionID, now); err != nil {
			return nil, err
		}
		sess.UpdatedAt = now
	}
	return s.view(ctx, l, sess, win)
}

// Next advances one entry and returns the window from the new current one.
func (s *Service) Next(ctx context.Context, l Listener, sessionID string, limit int) (*View, error) {
	return s.update(ctx, l, sessionID, limit, func(q *Queue, a Actions) error {
		if err := Refuse(a.Next, "next"); err != nil {
			return err
		}
		err := q.Next()
		if errors.Is(err, ErrQueueEnd) {
			if err := s.extend(ctx, q); err != nil {
				return err
			}
			err = q.Next()
		}
		if errors.Is(err, ErrQueueEnd) {
			return segue.Errorf(segue.ENoMoreNext, "there is no next entry: nothing similar is left to play")
		}
		return err
	})
}

// Previous goes back one entry and returns the window from there.
func (s *Service) Previous(ctx context.Context, l Listener, sessionID string, limit int) (*View, error) {
	return s.update(ctx, l, sessionID, limit, func(q *Queue, a Actions) error {
		if err := Refuse(a.Previous, "previous"); err != nil {
			return err
		}
		return q.Previous()
	})
}

// Restore resumes a session (idle up to 30 days) at an entry, on the
// caller's device, and returns the window from there with fresh URLs.
func (s *Service) Restore(ctx context.Context, l Listener, sessionID, ref string, limit int) (*View, error) {
	return s.update(ctx, l, sessionID, limit, func(q *Queue, _ Actions) error {
		if err := q.JumpTo(ref); err != nil {
			if segue.ErrorCode(err) == segue.ENotFound {
				return segue.Errorf(segue.ENotFound, "entity %s not found in session %s", ref, sessionID)
			}
			return err
		}
		if l.DeviceID != "" {
			q.S.DeviceID = l.DeviceID
		}
		return nil
	})
}

// SetLoop sets the loop mode and returns the window.
func (s *Service) SetLoop(ctx context.Context, l Listener, sessionID string, m LoopMode, limit int) (*View, error) {
	return s.update(ctx, l, sessionID, limit, func(q *Queue, a Actions) error {
		switch m {
		case LoopOne:
			if err := Refuse(a.LoopOne, "LOOP_ONE"); err != nil {
				return err
			}
		case LoopAll:
			if err := Refuse(a.LoopAll, "LOOP_ALL"); err != nil {
				return err
			}
		}
		return q.SetLoop(m)
	})
}

// SetShuffle turns shuffle on or off and returns the window.
func (s *Service) SetShuffle(ctx context.Context, l Listener, sessionID string, on bool, limit int) (*View, error) {
	return s.update(ctx, l, sessionID, limit, func(q *Queue, a Actions) error {
		if err := Refuse(a.Shuffle, "shuffle"); err != nil {
			return err
		}
		return q.SetShuffle(on)
	})
}

// InsertNext queues what id/containerIDs name to play next (after anchor
// when it is given) and returns the window.
func (s *Service) InsertNext(ctx context.Context, l Listener, sessionID, id string, containerIDs []string, anchor string, limit int) (*View, error) {
	tracks, err := s.insertTracks(ctx, id, containerIDs)
	if err != nil {
		return nil, err
	}
	return s.update(ctx, l, sessionID, limit, func(q *Queue, a Actions) error {
		if err := Refuse(a.QueueNext, "queue next"); err != nil {
			return err
		}
		_, err := q.InsertNext(tracks, anchor)
		if segue.ErrorCode(err) == segue.ENotFound && anchor != "" {
			return segue.Errorf(segue.ENotFound, "entityReferenceId %s is not in session %s", anchor, sessionID)
		}
		return err
	})
}

// InsertLast appends what id/containerIDs name to the queue and returns
// the window.
func (s *Service) InsertLast(ctx context.Context, l Listener, sessionID, id string, containerIDs []string, limit int) (*View, error) {
	tracks, err := s.insertTracks(ctx, id, containerIDs)
	if err != nil {
		return nil, err
	}
	return s.update(ctx, l, sessionID, limit, func(q *Queue, a Actions) error {
		if err := Refuse(a.QueueLast, "queue last"); err != nil {
			return err
		}
		_, err := q.Append(tracks)
		return err
	})
}

// insertTracks resolves what an insert names: the id's tracks if an id is
// given (containerIDs are then only its context), else the containers'.
func (s *Service) insertTracks(ctx context.Context, id string, containerIDs []string) ([]TrackRef, error) {
	if id != "" {
		containerIDs = nil
	}
	src, err := s.resolve(ctx, id, containerIDs)
	if err != nil {
		return nil, err
	}
	if src.station {
		return nil, segue.Errorf(segue.EBadRequest, "playParams.id: a station cannot be queued")
	}
	return src.tracks, nil
}

// Queue returns a page of the whole queue in play order, starting at the
// entry the cursor names (the first entry when cursor is "").
func (s *Service) Queue(ctx context.Context, l Listener, sessionID, cursor string, limit int) (*View, error) {
	if err := checkPage(limit); err != nil {
		return nil, err
	}
	var (
		page []WindowEntry
		next string
	)
	sess, err := s.read(ctx, l, sessionID, s.Now().UTC(), func(q *Queue) error {
		ref := q.head()
		if cursor != "" {
			if _, err := q.get(cursor); err != nil {
				return segue.Errorf(segue.EBadRequest, "cursor: not a position in this queue")
			}
			ref = cursor
		}
		for ref != "" && len(page) < limit {
			e, err := q.get(ref)
			if err != nil {
				return err
			}
			n := e.Plays + 1
			if ref == q.S.Current {
				n = e.Plays
			}
			page = append(page, WindowEntry{Entry: *e, MetricID: MetricID(q.S.ID, ref, n)})
			ref = q.succ(e)
		}
		next = ref
		return nil
	})
	if err != nil {
		return nil, err
	}
	v, err := s.view(ctx, l, sess, page)
	if v != nil {
		v.NextToken = next
	}
	return v, err
}

// Active returns the listener's sessions active within the restore window,
// most recent first, each with its current entry, and the cursor of the
// next page.
func (s *Service) Active(ctx context.Context, l Listener, after *ActiveCursor, limit int) ([]View, *ActiveCursor, error) {
	if err := checkPage(limit); err != nil {
		return nil, nil, err
	}
	since := s.Now().UTC().Add(-RestoreWindow)
	sessions, current, err := s.Store.ActiveSessions(ctx, l.UserID, since, after, limit+1)
	if err != nil {
		return nil, nil, err
	}
	var next *ActiveCursor
	if len(sessions) > limit {
		sessions, current = sessions[:limit], current[:limit]
		last := sessions[limit-1]
		next = &ActiveCursor{UpdatedAt: last.UpdatedAt, ID: last.ID}
	}
	ids := make([]string, len(current))
	for i, e := range current {
		ids[i] = e.TrackID
	}
	tracks, err := s.Catalog.Tracks(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	views := make([]View, len(sessions))
	for i, sess := range sessions {
		e := current[i]
		views[i] = View{
			Session: sess, Tracks: tracks, Actions: s.actions(l, &sess),
			Entries: []WindowEntry{{Entry: e, MetricID: MetricID(sess.ID, e.Ref, e.Plays)}},
		}
	}
	return views, next, nil
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

// ReportEvent validates and stores one playback event of the listener.
func (s *Service) ReportEvent(ctx context.Context, l Listener, in EventInput) (EventResult, error) {
	if err := in.Validate(); err != nil {
		return EventResult{}, err
	}
	if l.DeviceID == "" {
		return EventResult{}, segue.Errorf(segue.EBadRequest, "the X-Amzn-Device-Id header is required to report events")
	}
	p, err := s.Store.LookupPlay(ctx, l.UserID, in.MetricID)
	if segue.ErrorCode(err) == segue.ENotFound {
		return EventResult{}, segue.Errorf(segue.ENotFound, "metricId %s names no play of yours", in.MetricID)
	} else if err != nil {
		return EventResult{}, err
	}
	e := &Event{
		EventInput: in, UserID: l.UserID, SessionID: p.SessionID, Ref: p.Ref,
		TrackID: p.TrackID, DeviceID: l.DeviceID, ReceivedAt: s.Now().UTC(),
	}
	dup, err := s.Store.AddEvent(ctx, e)
	if err != nil {
		return EventResult{}, err
	}
	return EventResult{MetricID: in.MetricID, Duplicate: dup}, nil
}

// MaxBatch is the most events one batch may carry.
const MaxBatch = 100

// EventOutcome is the result of one event of a batch: a result or an error.
type EventOutcome struct {
	Result EventResult
	Err    error
}

// ReportEvents judges each event of a batch on its own.
func (s *Service) ReportEvents(ctx context.Context, l Listener, in []EventInput) ([]EventOutcome, error) {
	if len(in) == 0 || len(in) > MaxBatch {
		return nil, segue.Errorf(segue.EBadRequest, "events: must hold 1 to %d events, got %d", MaxBatch, len(in))
	}
	out := make([]EventOutcome, len(in))
	for i, e := range in {
		r, err := s.ReportEvent(ctx, l, e)
		if err != nil && segue.ErrorCode(err) == segue.EInternal {
			return nil, err
		}
		out[i] = EventOutcome{Result: r, Err: err}
	}
	return out, nil
}

// Purge deletes the sessions idle past the restore window.
func (s *Service) Purge(ctx context.Context) (int64, error) {
	return s.Store.PurgeSessions(ctx, s.Now().UTC().Add(-RestoreWindow))
}
