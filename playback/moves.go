package playback

import (
	"context"
	"errors"

	"github.com/segue/segue"
)

// Current returns the window from the current entry.
func (s *Service) Current(ctx context.Context, l Listener, sessionID string, limit int) (*View, error) {
	if err := CheckLimit(limit); err != nil {
		return nil, err
	}
	now := s.Now().UTC()
	var win []WindowEntry
	sess, acts, err := s.read(ctx, l, sessionID, now, func(q *Queue) (err error) {
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
	return s.view(ctx, sess, win, acts)
}

// Next advances one entry and returns the window from the new current one.
// Under a skip budget, leaving an entry whose play has not finished spends
// a skip.
func (s *Service) Next(ctx context.Context, l Listener, sessionID string, limit int) (*View, error) {
	return s.update(ctx, l, sessionID, limit, func(o op) error {
		next := Entitlements(o.p).Next
		if err := Refuse(next, "next"); err != nil {
			return err
		}
		left, err := o.q.CurrentMetric()
		if err != nil {
			return err
		}
		err = o.q.Next()
		if errors.Is(err, ErrQueueEnd) {
			if err := s.extend(ctx, o.q, o.p.Tier); err != nil {
				return err
			}
			err = o.q.Next()
		}
		if errors.Is(err, ErrQueueEnd) {
			return segue.Errorf(segue.ENoMoreNext, "there is no next entry: nothing similar is left to play")
		}
		if err != nil || next.RemainingSkips == nil || o.p.Finished {
			return err
		}
		return o.a.AddSkip(o.now, left)
	})
}

// Previous goes back one entry and returns the window from there.
func (s *Service) Previous(ctx context.Context, l Listener, sessionID string, limit int) (*View, error) {
	return s.update(ctx, l, sessionID, limit, func(o op) error {
		if err := Refuse(Entitlements(o.p).Previous, "previous"); err != nil {
			return err
		}
		return o.q.Previous()
	})
}

// Restore resumes a session (idle up to 30 days) at an entry, on the
// caller's device, and returns the window from there with fresh URLs.
func (s *Service) Restore(ctx context.Context, l Listener, sessionID, ref string, limit int) (*View, error) {
	return s.update(ctx, l, sessionID, limit, func(o op) error {
		if err := o.q.JumpTo(ref); err != nil {
			if segue.ErrorCode(err) == segue.ENotFound {
				return segue.Errorf(segue.ENotFound, "entity %s not found in session %s", ref, sessionID)
			}
			return err
		}
		if l.DeviceID != "" {
			o.q.S.DeviceID = l.DeviceID
		}
		return nil
	})
}

// SetLoop sets the loop mode and returns the window.
func (s *Service) SetLoop(ctx context.Context, l Listener, sessionID string, m LoopMode, limit int) (*View, error) {
	return s.update(ctx, l, sessionID, limit, func(o op) error {
		acts := Entitlements(o.p)
		switch m {
		case LoopOne:
			if err := Refuse(acts.LoopOne, "LOOP_ONE"); err != nil {
				return err
			}
		case LoopAll:
			if err := Refuse(acts.LoopAll, "LOOP_ALL"); err != nil {
				return err
			}
		}
		return o.q.SetLoop(m)
	})
}

// SetShuffle turns shuffle on or off and returns the window.
func (s *Service) SetShuffle(ctx context.Context, l Listener, sessionID string, on bool, limit int) (*View, error) {
	return s.update(ctx, l, sessionID, limit, func(o op) error {
		if err := Refuse(Entitlements(o.p).Shuffle, "shuffle"); err != nil {
			return err
		}
		return o.q.SetShuffle(on)
	})
}

// InsertNext queues what id/containerIDs name to play next (after anchor
// when it is given) and returns the window.
func (s *Service) InsertNext(ctx context.Context, l Listener, sessionID, id string, containerIDs []string, anchor string, limit int) (*View, error) {
	src, err := s.insertTracks(ctx, id, containerIDs)
	if err != nil {
		return nil, err
	}
	return s.update(ctx, l, sessionID, limit, func(o op) error {
		tracks, err := insertable(o.p, Entitlements(o.p).QueueNext, "queue next", src)
		if err != nil {
			return err
		}
		_, err = o.q.InsertNext(tracks, anchor)
		if segue.ErrorCode(err) == segue.ENotFound && anchor != "" {
			return segue.Errorf(segue.ENotFound, "entityReferenceId %s is not in session %s", anchor, sessionID)
		}
		return err
	})
}

// InsertLast appends what id/containerIDs name to the queue and returns
// the window.
func (s *Service) InsertLast(ctx context.Context, l Listener, sessionID, id string, containerIDs []string, limit int) (*View, error) {
	src, err := s.insertTracks(ctx, id, containerIDs)
	if err != nil {
		return nil, err
	}
	return s.update(ctx, l, sessionID, limit, func(o op) error {
		tracks, err := insertable(o.p, Entitlements(o.p).QueueLast, "queue last", src)
		if err != nil {
			return err
		}
		_, err = o.q.Append(tracks)
		return err
	})
}

// insertable checks the insert's action and keeps the tracks the listener
// may play.
func insertable(p Policy, a Action, what string, src source) ([]TrackRef, error) {
	if err := Refuse(a, what); err != nil {
		return nil, err
	}
	tracks, _, err := playable(p, src.tracks, 0, src.explicit)
	return tracks, err
}

// insertTracks resolves what an insert names: the id's tracks if an id is
// given (containerIDs are then only its context), else the containers'.
func (s *Service) insertTracks(ctx context.Context, id string, containerIDs []string) (source, error) {
	if id != "" {
		containerIDs = nil
	}
	src, err := s.resolve(ctx, id, containerIDs)
	if err != nil {
		return source{}, err
	}
	if src.station {
		return source{}, segue.Errorf(segue.EBadRequest, "playParams.id: a station cannot be queued")
	}
	return src, nil
}
