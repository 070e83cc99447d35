package playback

import (
	"context"

	"github.com/segue/segue"
	"github.com/segue/segue/catalog"
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
	sess, acts, err := s.read(ctx, l, sessionID, s.Now().UTC(), func(q *Queue) error {
		page, next = page[:0], "" // fn may run again (Store.ViewSession)
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
	v, err := s.view(ctx, sess, page, acts)
	if v != nil {
		v.NextToken = next
	}
	return v, err
}

// Active returns the listener's sessions active within the restore window,
// most recent first, each with its current entry, its actions and its
// stream state, and the cursor of the next page. Sessions and streams are
// read in one snapshot, so a state shown is one that was.
func (s *Service) Active(ctx context.Context, l Listener, after *ActiveCursor, limit int) ([]View, *ActiveCursor, error) {
	if err := checkPage(limit); err != nil {
		return nil, nil, err
	}
	now := s.Now().UTC()
	var (
		views []View
		next  *ActiveCursor
	)
	err := s.Store.ReadAccount(ctx, l.UserID, func(a AccountReader) error {
		sessions, current, err := a.ActiveSessions(now.Add(-RestoreWindow), after, limit+1)
		if err != nil {
			return err
		}
		if len(sessions) > limit {
			sessions, current = sessions[:limit], current[:limit]
			last := sessions[limit-1]
			next = &ActiveCursor{UpdatedAt: last.UpdatedAt, ID: last.ID}
		}
		streams, err := a.Streams()
		if err != nil {
			return err
		}
		held := map[string]*Stream{}
		for i := range streams {
			held[streams[i].SessionID] = &streams[i]
		}
		views = make([]View, len(sessions))
		for i := range sessions {
			sess, e := &sessions[i], current[i]
			p, err := s.policy(l, NewQueue(sess, oneEntry{e}), a, now)
			if err != nil {
				return err
			}
			sess.Status = Effective(sess.Status, held[sess.ID], now, s.streamIdle())
			views[i] = View{
				Session: *sess, Actions: Entitlements(p),
				Entries: []WindowEntry{{Entry: e, MetricID: MetricID(sess.ID, e.Ref, e.Plays)}},
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	ids := make([]string, len(views))
	for i, v := range views {
		ids[i] = v.Entries[0].TrackID
	}
	tracks, err := s.Catalog.Tracks(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	for i := range views {
		views[i].Tracks = tracks
	}
	return views, next, nil
}

// oneEntry is an EntrySource that knows one entry.
type oneEntry struct{ e Entry }

func (o oneEntry) Entry(ref string) (Entry, error) {
	if ref != o.e.Ref {
		return Entry{}, segue.Errorf(segue.ENotFound, "entry %s not found", ref)
	}
	return o.e, nil
}

func (o oneEntry) Entries() ([]Entry, error) { return []Entry{o.e}, nil }

// HistoryItem is a play that counted, with its track.
type HistoryItem struct {
	Play  Play
	Track catalog.Track
}

// History lists the listener's recently played tracks, newest first: the
// plays that counted (30 seconds played, or finished), whatever the
// device or session, and the cursor of the next page.
func (s *Service) History(ctx context.Context, l Listener, after *HistoryCursor, limit int) ([]HistoryItem, *HistoryCursor, error) {
	if err := checkPage(limit); err != nil {
		return nil, nil, err
	}
	plays, err := s.Store.History(ctx, l.UserID, after, limit+1)
	if err != nil {
		return nil, nil, err
	}
	var next *HistoryCursor
	if len(plays) > limit {
		plays = plays[:limit]
		last := plays[limit-1]
		next = &HistoryCursor{CountedAt: last.CountedAt, MetricID: last.MetricID}
	}
	ids := make([]string, len(plays))
	for i, p := range plays {
		ids[i] = p.TrackID
	}
	tracks, err := s.Catalog.Tracks(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	out := make([]HistoryItem, len(plays))
	for i, p := range plays {
		out[i] = HistoryItem{Play: p, Track: tracks[p.TrackID]}
		if out[i].Track.ID == "" {
			out[i].Track = catalog.Track{ID: p.TrackID}
		}
	}
	return out, next, nil
}
