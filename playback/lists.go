package playback

import (
	"context"

	"github.com/segue/segue"
)

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
