package playback

import (
	"errors"

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

// CurrentMetric returns the metric id of the current play.
func (q *Queue) CurrentMetric() (string, error) {
	cur, err := q.get(q.S.Current)
	if err != nil {
		return "", err
	}
	return MetricID(q.S.ID, cur.Ref, cur.Plays), nil
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

// SetLoop sets the loop mode.
func (q *Queue) SetLoop(m LoopMode) error {
	switch m {
	case LoopOff, LoopOne, LoopAll:
		q.S.Loop = m
		return nil
	}
	return segue.Errorf(segue.EBadRequest, "loopMode: %q is not one of LOOP_ONE, LOOP_ALL, LOOP_OFF", m)
}
