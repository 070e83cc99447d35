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
