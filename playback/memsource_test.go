package playback

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"testing"

	"github.com/segue/segue"
)

// memSource is an in-memory EntrySource: the stored entries of one
// session by Ref. Entries returns them in map order, which varies from run
// to run, so code that depends on that order shows up as flaky.
type memSource struct{ m map[string]Entry }

func (s *memSource) Entry(ref string) (Entry, error) {
	e, ok := s.m[ref]
	if !ok {
		return Entry{}, segue.Errorf(segue.ENotFound, "entry %s not found", ref)
	}
	return e, nil
}

func (s *memSource) Entries() ([]Entry, error) {
	out := make([]Entry, 0, len(s.m))
	for _, e := range s.m {
		out = append(out, e)
	}
	return out, nil
}

// apply saves what q changed into src, as a Store does after a successful
// operation.
func apply(t testing.TB, src *memSource, q *Queue) {
	t.Helper()
	for _, e := range q.Changed() {
		if _, ok := src.m[e.Ref]; !ok {
			t.Fatalf("Changed() reports %s, which was never stored", e.Ref)
		}
		src.m[e.Ref] = e
	}
	for _, e := range q.Added() {
		if _, ok := src.m[e.Ref]; ok {
			t.Fatalf("Added() reports %s, which is already stored", e.Ref)
		}
		src.m[e.Ref] = e
	}
}

type queueCfg struct {
	loop                       LoopMode
	shuffle, station, autoplay bool
	seed                       uint64
}

type queueOpt func(*queueCfg)

func withLoop(m LoopMode) queueOpt { return func(c *queueCfg) { c.loop = m } }
func withShuffle(on bool) queueOpt { return func(c *queueCfg) { c.shuffle = on } }
func withSeed(s uint64) queueOpt   { return func(c *queueCfg) { c.seed = s } }
func asStation() queueOpt          { return func(c *queueCfg) { c.station = true } }
func withAutoplay() queueOpt       { return func(c *queueCfg) { c.autoplay = true } }

// testQueue is a session with its stored entries. Every operation goes
// through op: a fresh Queue per operation, changes saved with apply.
type testQueue struct {
	t       testing.TB
	S       *Session
	src     *memSource
	refs    []string // the entries created with the session, natural order
	fakeLen int      // added to S.Length by tests that fake a long queue
}

// newTestQueue builds session "s1" of user "u1" the way Service.Create
// does (one operation: Append, Start, then SHUFFLE_ON if asked) and saves
// it.
func newTestQueue(t testing.TB, tracks []TrackRef, start int, opts ...queueOpt) *testQueue {
	t.Helper()
	cfg := queueCfg{loop: LoopOff, seed: 42}
	for _, o := range opts {
		o(&cfg)
	}
	s := &Session{ID: "s1", UserID: "u1", DeviceID: "d1", Loop: LoopOff, Seed: cfg.seed,
		Station: cfg.station, Autoplay: cfg.autoplay}
	tq := &testQueue{t: t, S: s, src: &memSource{m: map[string]Entry{}}}
	q := NewQueue(s, tq.src)
	var err error
	if tq.refs, err = q.Append(tracks); err != nil {
		t.Fatalf("Append: %v", err)
	}
	if err := q.SetLoop(cfg.loop); err != nil {
		t.Fatalf("SetLoop: %v", err)
	}
	if err := q.Start(tq.refs[start]); err != nil {
		t.Fatalf("Start: %v", err)
	}
	if cfg.shuffle {
		if err := q.SetShuffle(true); err != nil {
			t.Fatalf("SetShuffle: %v", err)
		}
	}
	if got := len(q.Plays()); got != 1 {
		t.Fatalf("a new session starts %d plays, want 1", got)
	}
	apply(t, tq.src, q)
	tq.check()
	return tq
}

// op runs one operation on a fresh Queue; its changes are saved only if
// fn succeeds.
func (tq *testQueue) op(fn func(q *Queue) error) (*Queue, error) {
	tq.t.Helper()
	q := NewQueue(tq.S, tq.src)
	err := fn(q)
	if err == nil {
		apply(tq.t, tq.src, q)
		tq.check()
	}
	return q, err
}

func (tq *testQueue) must(fn func(q *Queue) error) *Queue {
	tq.t.Helper()
	q, err := tq.op(fn)
	if err != nil {
		tq.t.Fatalf("operation failed: %v", err)
	}
	return q
}

func (tq *testQueue) next() *Queue { tq.t.Helper(); return tq.must((*Queue).Next) }
func (tq *testQueue) prev() *Queue { tq.t.Helper(); return tq.must((*Queue).Previous) }
func (tq *testQueue) shuffle(on bool) {
	tq.t.Helper()
	tq.must(func(q *Queue) error { return q.SetShuffle(on) })
}
func (tq *testQueue) setLoop(m LoopMode) {
	tq.t.Helper()
	tq.must(func(q *Queue) error { return q.SetLoop(m) })
}

// insert queues tracks next, after the entry of anchorTrack if not empty.
func (tq *testQueue) insert(anchorTrack string, ids ...string) []string {
	tq.t.Helper()
	anchor := ""
	if anchorTrack != "" {
		anchor = tq.ref(anchorTrack)
	}
	var refs []string
	tq.must(func(q *Queue) (err error) { refs, err = q.InsertNext(tracksOf(ids...), anchor); return err })
	return refs
}

func (tq *testQueue) append(ids ...string) []string {
	tq.t.Helper()
	var refs []string
	tq.must(func(q *Queue) (err error) { refs, err = q.Append(tracksOf(ids...)); return err })
	return refs
}

// walk follows the natural or shuffled links from the head, checking that
// prev links mirror next links and that the tail is where the walk ends.
func (tq *testQueue) walk(shuf bool) []string {
	tq.t.Helper()
	head, tail := tq.S.NatHead, tq.S.NatTail
	if shuf {
		head, tail = tq.S.ShufHead, tq.S.ShufTail
	}
	var out []string
	prev := ""
	for ref := head; ref != ""; {
		e, ok := tq.src.m[ref]
		if !ok {
			tq.t.Fatalf("shuffled=%v: link to %s, which is not stored", shuf, ref)
		}
		p, n := e.NatPrev, e.NatNext
		if shuf {
			p, n = e.ShufPrev, e.ShufNext
		}
		if p != prev {
			tq.t.Fatalf("shuffled=%v: %s has prev %q, want %q", shuf, ref, p, prev)
		}
		if out = append(out, ref); len(out) > len(tq.src.m) {
			tq.t.Fatalf("shuffled=%v: cycle in the list", shuf)
		}
		prev, ref = ref, n
	}
	if prev != tail {
		tq.t.Fatalf("shuffled=%v: walk ends at %q, tail is %q", shuf, prev, tail)
	}
	return out
}

// order returns the play order: the shuffled order while shuffle is on.
func (tq *testQueue) order() []string { tq.t.Helper(); return tq.walk(tq.S.Shuffle) }

// check verifies the stored state: each list holds every entry once, the
// length is right and the current entry exists.
func (tq *testQueue) check() {
	tq.t.Helper()
	all := slices.Sorted(maps.Keys(tq.src.m))
	lists := []bool{false}
	if tq.S.Shuffle {
		lists = append(lists, true)
	}
	for _, shuf := range lists {
		if got := slices.Sorted(slices.Values(tq.walk(shuf))); !slices.Equal(got, all) {
			tq.t.Fatalf("shuffled=%v list holds %d entries, %d are stored", shuf, len(got), len(all))
		}
	}
	if tq.S.Length != len(all)+tq.fakeLen {
		tq.t.Fatalf("Length = %d, %d entries are stored", tq.S.Length, len(all))
	}
	if _, ok := tq.src.m[tq.S.Current]; !ok {
		tq.t.Fatalf("current entry %q is not stored", tq.S.Current)
	}
}

// window asks a fresh Queue for a window and checks it changed nothing.
func (tq *testQueue) window(limit int) []WindowEntry {
	tq.t.Helper()
	before := tq.snapshot()
	q := NewQueue(tq.S, tq.src)
	w, err := q.Window(limit)
	if err != nil {
		tq.t.Fatalf("Window(%d): %v", limit, err)
	}
	tq.unchanged(before, q)
	return w
}

// ahead returns the track ids of the current entry and of every entry
// Next would vend after it (loop off), from the window.
func (tq *testQueue) ahead() []string {
	tq.t.Helper()
	return tq.ids(refsOf(tq.window(1000)))
}

func refsOf(w []WindowEntry) []string {
	out := make([]string, len(w))
	for i, e := range w {
		out[i] = e.Ref
	}
	return out
}

func (tq *testQueue) ids(refs []string) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = tq.src.m[r].TrackID
	}
	return out
}

func (tq *testQueue) cur() string { return tq.src.m[tq.S.Current].TrackID }

// ref returns the ref of the one entry of track id.
func (tq *testQueue) ref(id string) string {
	tq.t.Helper()
	var found []string
	for r, e := range tq.src.m {
		if e.TrackID == id {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		tq.t.Fatalf("track %s has %d entries, want 1", id, len(found))
	}
	return found[0]
}

type queueSnapshot struct {
	s Session
	m map[string]Entry
}

func (tq *testQueue) snapshot() queueSnapshot { return queueSnapshot{*tq.S, maps.Clone(tq.src.m)} }

// unchanged fails unless the session and its entries equal before and q
// has nothing to save.
func (tq *testQueue) unchanged(before queueSnapshot, q *Queue) {
	tq.t.Helper()
	if !reflect.DeepEqual(before.s, *tq.S) {
		tq.t.Errorf("session changed:\n got %+v\nwant %+v", *tq.S, before.s)
	}
	if !maps.Equal(before.m, tq.src.m) {
		tq.t.Errorf("stored entries changed")
	}
	if n, a, p := len(q.Changed()), len(q.Added()), len(q.Plays()); n+a+p > 0 {
		tq.t.Errorf("queue has changes to save: %d changed, %d added, %d plays", n, a, p)
	}
}

func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want code %s", code)
	}
	if got := segue.ErrorCode(err); got != code {
		t.Fatalf("error code = %s (%v), want %s", got, err, code)
	}
}

// album returns tracks T1..Tn; track i is by artists[i%len] or, with no
// artists given, by its own artist Ri.
func album(n int, artists ...string) []TrackRef {
	out := make([]TrackRef, n)
	for i := range out {
		a := fmt.Sprintf("R%d", i+1)
		if len(artists) > 0 {
			a = artists[i%len(artists)]
		}
		out[i] = TrackRef{TrackID: fmt.Sprintf("T%d", i+1), ArtistID: a}
	}
	return out
}

// tracksOf returns tracks with the given ids, track X by artist R-X.
func tracksOf(ids ...string) []TrackRef {
	out := make([]TrackRef, len(ids))
	for i, id := range ids {
		out[i] = TrackRef{TrackID: id, ArtistID: "R-" + id}
	}
	return out
}
