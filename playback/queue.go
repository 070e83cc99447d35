package playback

import (
	"errors"
	"fmt"

	"github.com/segue/segue"
)

// EntrySource reads a session's entries. A store implements it inside a
// transaction; tests implement it with a map.
type EntrySource interface {
	// Entry returns the entry named ref, or an error with code
	// RESOURCE_NOT_FOUND.
	Entry(ref string) (Entry, error)
	// Entries returns every entry of the session, in any order.
	Entries() ([]Entry, error)
}

// ErrQueueEnd is returned by Next when the queue has no successor but the
// session continues (a station, or autoplay): the caller appends tracks
// with Extend and asks again.
var ErrQueueEnd = errors.New("playback: queue needs more entries")

// Queue applies the queue rules to one session. It reads entries through
// an EntrySource, keeps those it touched, and reports what changed so the
// caller can save exactly that. A Queue is used for one operation.
type Queue struct {
	S *Session

	src   EntrySource
	cache map[string]*Entry
	dirty map[string]bool
	added []string
	plays []Play
}

// NewQueue starts an operation on session s.
func NewQueue(s *Session, src EntrySource) *Queue {
	return &Queue{S: s, src: src, cache: map[string]*Entry{}, dirty: map[string]bool{}}
}

// Changed returns the entries that existed before and were modified.
func (q *Queue) Changed() []Entry {
	isNew := make(map[string]bool, len(q.added))
	for _, r := range q.added {
		isNew[r] = true
	}
	var out []Entry
	for r := range q.dirty {
		if !isNew[r] {
			out = append(out, *q.cache[r])
		}
	}
	return out
}

// Added returns the entries created by this operation, in creation order.
func (q *Queue) Added() []Entry {
	out := make([]Entry, len(q.added))
	for i, r := range q.added {
		out[i] = *q.cache[r]
	}
	return out
}

// Plays returns the plays started by this operation.
func (q *Queue) Plays() []Play { return q.plays }

func (q *Queue) get(ref string) (*Entry, error) {
	if e, ok := q.cache[ref]; ok {
		return e, nil
	}
	e, err := q.src.Entry(ref)
	if err != nil {
		return nil, err
	}
	q.cache[ref] = &e
	return &e, nil
}

func (q *Queue) touch(e *Entry) { q.dirty[e.Ref] = true }

// Get returns the entry named ref.
func (q *Queue) Get(ref string) (Entry, error) {
	e, err := q.get(ref)
	if err != nil {
		return Entry{}, err
	}
	return *e, nil
}

func (q *Queue) succ(e *Entry) string {
	if q.S.Shuffle {
		return e.ShufNext
	}
	return e.NatNext
}

func (q *Queue) pred(e *Entry) string {
	if q.S.Shuffle {
		return e.ShufPrev
	}
	return e.NatPrev
}

func (q *Queue) head() string {
	if q.S.Shuffle {
		return q.S.ShufHead
	}
	return q.S.NatHead
}

// become makes ref the current entry and starts a play of it.
func (q *Queue) become(ref string) (*Entry, error) {
	e, err := q.get(ref)
	if err != nil {
		return nil, err
	}
	q.S.PlaySeq++
	e.Plays++
	e.LastPlayed = q.S.PlaySeq
	e.UpNext = false
	q.touch(e)
	q.S.Current = ref
	if q.S.UpNextTail == ref {
		q.S.UpNextTail = ""
	}
	q.plays = append(q.plays, Play{
		MetricID:  MetricID(q.S.ID, ref, e.Plays),
		UserID:    q.S.UserID,
		SessionID: q.S.ID,
		Ref:       ref,
		TrackID:   e.TrackID,
		DeviceID:  q.S.DeviceID,
	})
	return e, nil
}

// Start makes ref the first current entry of a new session.
func (q *Queue) Start(ref string) error {
	_, err := q.become(ref)
	return err
}

// Next moves one entry forward in the play order, as the API's next does:
// LOOP_ONE repeats the current entry, LOOP_ALL wraps at the end, a station
// or autoplay session returns ErrQueueEnd so the caller can extend it, and
// otherwise the end is NO_MORE_NEXT_ENTITY. A refused move changes nothing.
func (q *Queue) Next() error {
	cur, err := q.get(q.S.Current)
	if err != nil {
		return err
	}
	target := q.succ(cur)
	switch {
	case q.S.Loop == LoopOne:
		target = cur.Ref
	case target != "":
	case q.S.Loop == LoopAll:
		target = q.head()
		q.S.CycleStart = q.S.PlaySeq
	case q.S.Station || q.S.Autoplay:
		return ErrQueueEnd
	default:
		return segue.Errorf(segue.ENoMoreNext, "there is no next entry: the queue ended")
	}
	_, err = q.become(target)
	return err
}

// Previous moves one entry back in the play order. At the first entry it
// is NO_MORE_PREVIOUS_ENTITY; stations have no previous.
func (q *Queue) Previous() error {
	if q.S.Station {
		return segue.Errorf(segue.EFeatureNotAvailable, "previous is not available on a station")
	}
	cur, err := q.get(q.S.Current)
	if err != nil {
		return err
	}
	p := q.pred(cur)
	if p == "" {
		return segue.Errorf(segue.ENoMorePrevious, "there is no previous entry: this is the first")
	}
	if _, err = q.become(p); err != nil {
		return err
	}
	// Earlier queue-next entries may now lie anywhere relative to the
	// current entry; new ones go right after it.
	q.S.UpNextTail = ""
	return nil
}

// JumpTo makes ref current (restoring a session at an entry). Jumping to
// the current entry changes nothing.
func (q *Queue) JumpTo(ref string) error {
	if ref == q.S.Current {
		_, err := q.get(ref)
		return err
	}
	if _, err := q.become(ref); err != nil {
		return err
	}
	q.S.UpNextTail = ""
	return nil
}

// WindowEntry is one element of a window: an entry and the metric id of
// the play it will be (or is) when it plays.
type WindowEntry struct {
	Entry
	MetricID string
}

// Window returns the current entry and up to limit-1 entries that would
// play after it, as Next would vend them with loop and shuffle applied.
// It never changes the queue. For stations the caller extends first.
func (q *Queue) Window(limit int) ([]WindowEntry, error) {
	cur, err := q.get(q.S.Current)
	if err != nil {
		return nil, err
	}
	out := []WindowEntry{{Entry: *cur, MetricID: MetricID(q.S.ID, cur.Ref, cur.Plays)}}
	seen := map[string]int{}
	pos := cur
	for len(out) < limit {
		var ref string
		switch {
		case q.S.Loop == LoopOne:
			ref = cur.Ref
		default:
			ref = q.succ(pos)
			if ref == "" && q.S.Loop == LoopAll {
				ref = q.head()
			}
		}
		if ref == "" {
			break
		}
		if pos, err = q.get(ref); err != nil {
			return nil, err
		}
		seen[ref]++
		out = append(out, WindowEntry{Entry: *pos, MetricID: MetricID(q.S.ID, ref, pos.Plays+seen[ref])})
	}
	return out, nil
}

// Ahead reports how many entries follow the current one in the play order,
// counting at most max. It ignores loop modes.
func (q *Queue) Ahead(max int) (int, error) {
	pos, err := q.get(q.S.Current)
	if err != nil {
		return 0, err
	}
	n := 0
	for n < max {
		ref := q.succ(pos)
		if ref == "" {
			break
		}
		if pos, err = q.get(ref); err != nil {
			return 0, err
		}
		n++
	}
	return n, nil
}

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

// SetLoop sets the loop mode.
func (q *Queue) SetLoop(m LoopMode) error {
	switch m {
	case LoopOff, LoopOne, LoopAll:
		q.S.Loop = m
		return nil
	}
	return segue.Errorf(segue.EBadRequest, "loopMode: %q is not one of LOOP_ONE, LOOP_ALL, LOOP_OFF", m)
}

// SetShuffle turns shuffle on or off. On: the current entry stays current,
// the entries already played stay before it in the order they played,
// entries queued with queue-next stay right after it, and every other
// entry is reordered after them, artist-spread, from the session's seed.
// Off: the natural order comes back and the natural successor of the
// current entry plays next. Setting the mode it already has changes
// nothing. Turning shuffle on reads and rewrites every entry once.
func (q *Queue) SetShuffle(on bool) error {
	if q.S.Station {
		return segue.Errorf(segue.EFeatureNotAvailable, "shuffle is not available on a station")
	}
	if on == q.S.Shuffle {
		return nil
	}
	if !on {
		q.S.Shuffle = false
		q.S.UpNextTail = "" // the natural order may put earlier inserts behind
		return nil
	}
	all, err := q.src.Entries()
	if err != nil {
		return err
	}
	stored := make(map[string]bool, len(all))
	for i := range all {
		stored[all[i].Ref] = true
		if c, ok := q.cache[all[i].Ref]; ok {
			all[i] = *c // keep changes made earlier in this operation
		}
	}
	for _, ref := range q.added {
		if !stored[ref] {
			all = append(all, *q.cache[ref])
		}
	}
	q.S.ShuffleEpoch++
	order, err := ShuffleOrder(all, q.S.Current, q.S.NatHead, q.S.CycleStart, q.S.Seed, q.S.ShuffleEpoch)
	if err != nil {
		return err
	}
	byRef := make(map[string]*Entry, len(all))
	for i := range all {
		byRef[all[i].Ref] = &all[i]
	}
	for i, ref := range order {
		e := byRef[ref]
		e.ShufPrev, e.ShufNext = "", ""
		if i > 0 {
			e.ShufPrev = order[i-1]
		}
		if i+1 < len(order) {
			e.ShufNext = order[i+1]
		}
		q.cache[ref] = e
		q.dirty[ref] = true
	}
	q.S.ShufHead, q.S.ShufTail = order[0], order[len(order)-1]
	q.S.Shuffle = true
	return nil
}
