package playback

import (
	"fmt"

	"github.com/segue/segue"
)

func (q *Queue) newEntry(t TrackRef) *Entry {
	q.S.RefCounter++
	e := &Entry{Ref: EntryRef(q.S.ID, q.S.RefCounter), TrackID: t.TrackID, ArtistID: t.ArtistID}
	q.cache[e.Ref] = e
	q.added = append(q.added, e.Ref)
	q.touch(e)
	q.S.Length++
	return e
}

func (q *Queue) checkRoom(n int) error {
	if n == 0 {
		return segue.Errorf(segue.EBadRequest, "nothing to add: the request names no tracks")
	}
	if q.S.Length+n > MaxQueueLength {
		return segue.Errorf(segue.EBadRequest, "the queue would hold %d entries; at most %d are allowed", q.S.Length+n, MaxQueueLength)
	}
	return nil
}

// Append adds tracks at the end of the natural order, and of the shuffled
// order while shuffle is on (queue-last, and new entries of a new queue).
func (q *Queue) Append(tracks []TrackRef) ([]string, error) {
	if err := q.checkRoom(len(tracks)); err != nil {
		return nil, err
	}
	refs := make([]string, 0, len(tracks))
	for _, t := range tracks {
		e := q.newEntry(t)
		if err := q.linkAfter(e, q.S.NatTail, false); err != nil {
			return nil, err
		}
		if q.S.Shuffle {
			if err := q.linkAfter(e, q.S.ShufTail, true); err != nil {
				return nil, err
			}
		}
		refs = append(refs, e.Ref)
	}
	return refs, nil
}

// InsertNext inserts tracks to play next (queue-next). With an anchor they
// go right after that entry; without one they go after the current entry,
// or after the entries earlier queue-next calls inserted and that have not
// played yet, so several inserts stack in the order they were asked. They
// go into both orders, so they stay next under shuffle.
func (q *Queue) InsertNext(tracks []TrackRef, anchor string) ([]string, error) {
	if err := q.checkRoom(len(tracks)); err != nil {
		return nil, err
	}
	stack := anchor == ""
	if stack {
		anchor = q.S.Current
		if q.S.UpNextTail != "" {
			anchor = q.S.UpNextTail
		}
	}
	if _, err := q.get(anchor); err != nil {
		return nil, err
	}
	refs := make([]string, 0, len(tracks))
	for _, t := range tracks {
		e := q.newEntry(t)
		e.UpNext = stack
		if err := q.linkAfter(e, anchor, false); err != nil {
			return nil, err
		}
		if q.S.Shuffle {
			if err := q.linkAfter(e, anchor, true); err != nil {
				return nil, err
			}
		}
		anchor = e.Ref
		refs = append(refs, e.Ref)
	}
	if stack {
		q.S.UpNextTail = anchor
	}
	return refs, nil
}

// linkAfter links e after the entry named after ("" = at the head) in the
// natural or the shuffled list.
func (q *Queue) linkAfter(e *Entry, after string, shuf bool) error {
	headp, tailp := &q.S.NatHead, &q.S.NatTail
	if shuf {
		headp, tailp = &q.S.ShufHead, &q.S.ShufTail
	}
	next := *headp
	if after != "" {
		a, err := q.get(after)
		if err != nil {
			return err
		}
		next = *links(a, shuf).next
		*links(a, shuf).next = e.Ref
		q.touch(a)
	} else {
		*headp = e.Ref
	}
	l := links(e, shuf)
	*l.prev, *l.next = after, next
	if next != "" {
		n, err := q.get(next)
		if err != nil {
			return fmt.Errorf("playback: broken link %s: %w", next, err)
		}
		*links(n, shuf).prev = e.Ref
		q.touch(n)
	} else {
		*tailp = e.Ref
	}
	return nil
}

type linkPair struct{ prev, next *string }

func links(e *Entry, shuf bool) linkPair {
	if shuf {
		return linkPair{&e.ShufPrev, &e.ShufNext}
	}
	return linkPair{&e.NatPrev, &e.NatNext}
}
