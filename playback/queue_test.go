package playback

import (
	"errors"
	"slices"
	"testing"

	"github.com/segue/segue"
)

// forEachSource runs body under name/<shuffle mode>/<source> for a track
// alone, an album-like list started at its first entry, and the same list
// started at its fifth, each with shuffle off and on.
func forEachSource(t *testing.T, name string, minLen int, body func(t *testing.T, tq *testQueue, fifth bool)) {
	sources := []struct {
		name     string
		n, start int
	}{{"single", 1, 0}, {"album", 8, 0}, {"fifth", 8, 4}}
	for _, shuf := range []bool{false, true} {
		for _, s := range sources {
			if s.n < minLen {
				continue
			}
			mode := map[bool]string{false: ShuffleOff, true: ShuffleOn}[shuf]
			t.Run(name+"/"+mode+"/"+s.name, func(t *testing.T) {
				body(t, newTestQueue(t, album(s.n), s.start, withShuffle(shuf)), s.start == 4 && !shuf)
			})
		}
	}
}

// moveTo moves with next/previous (loop off) to position i of the play
// order, checking each step lands where the order says.
func moveTo(t *testing.T, tq *testQueue, order []string, i int) {
	t.Helper()
	for at := slices.Index(order, tq.S.Current); at != i; {
		if at < i {
			tq.next()
			at++
		} else {
			tq.prev()
			at--
		}
		if tq.S.Current != order[at] {
			t.Fatalf("moved to %s, want position %d of the play order (%s)", tq.cur(), at, tq.ids(order[at:at+1]))
		}
	}
}

func TestQueue_NextAtLast(t *testing.T) {
	for _, tc := range []struct {
		name string
		loop LoopMode
	}{{"LoopOff_refuses", LoopOff}, {"LoopOne_repeats", LoopOne}, {"LoopAll_wraps", LoopAll}} {
		forEachSource(t, tc.name, 1, func(t *testing.T, tq *testQueue, _ bool) {
			order := tq.order()
			last, first := order[len(order)-1], order[0]
			moveTo(t, tq, order, len(order)-1)
			tq.setLoop(tc.loop)
			before := tq.snapshot()
			q, err := tq.op((*Queue).Next)
			want := map[LoopMode]string{LoopOne: last, LoopAll: first}[tc.loop]
			if want == "" {
				wantCode(t, err, segue.ENoMoreNext)
				tq.unchanged(before, q)
				return
			}
			if err != nil {
				t.Fatalf("Next: %v", err)
			}
			if tq.S.Current != want {
				t.Fatalf("current = %s, want %s", tq.cur(), tq.ids([]string{want}))
			}
			n := before.m[want].Plays + 1
			if p := q.Plays(); len(p) != 1 || p[0].Ref != want || p[0].MetricID != MetricID("s1", want, n) {
				t.Fatalf("plays = %+v, want play %d of %s", p, n, want)
			}
			if tq.src.m[want].Plays != n {
				t.Fatalf("entry plays = %d, want %d", tq.src.m[want].Plays, n)
			}
			if !slices.Equal(tq.order(), order) {
				t.Fatalf("the play order changed when wrapping")
			}
		})
	}
}

func TestQueue_PreviousAtFirst(t *testing.T) {
	for _, loop := range []LoopMode{LoopOff, LoopOne, LoopAll} {
		forEachSource(t, string(loop)+"_refuses", 1, func(t *testing.T, tq *testQueue, _ bool) {
			moveTo(t, tq, tq.order(), 0)
			tq.setLoop(loop)
			before := tq.snapshot()
			q, err := tq.op((*Queue).Previous)
			wantCode(t, err, segue.ENoMorePrevious)
			tq.unchanged(before, q)
		})
	}
}

func TestQueue_PreviousGoesBackOne(t *testing.T) {
	for _, loop := range []LoopMode{LoopOff, LoopOne, LoopAll} {
		forEachSource(t, string(loop)+"_fifth_to_fourth", 5, func(t *testing.T, tq *testQueue, fifth bool) {
			if fifth && tq.cur() != "T5" {
				t.Fatalf("session started at the fifth track is at %s", tq.cur())
			}
			order := tq.order()
			moveTo(t, tq, order, 4)
			tq.setLoop(loop)
			q := tq.prev()
			if tq.S.Current != order[3] || (!tq.S.Shuffle && tq.cur() != "T4") {
				t.Fatalf("previous from position 4 went to %s, want %s", tq.cur(), tq.ids(order[3:4]))
			}
			if p := q.Plays(); len(p) != 1 || p[0].Ref != order[3] {
				t.Fatalf("plays = %+v, want one play of %s", p, order[3])
			}
		})
	}
}

func TestQueue_Window(t *testing.T) {
	const limit = 12
	for _, tc := range []struct {
		name string
		loop LoopMode
	}{{"LoopOff_stops_at_end", LoopOff}, {"LoopOne_repeats_current", LoopOne}, {"LoopAll_wraps", LoopAll}} {
		forEachSource(t, tc.name, 1, func(t *testing.T, tq *testQueue, _ bool) {
			order := tq.order()
			if len(order) > 1 {
				moveTo(t, tq, order, 1) // so that an entry ahead has been played once
				moveTo(t, tq, order, 0)
			}
			tq.setLoop(tc.loop)
			at := slices.Index(order, tq.S.Current)
			var want []string
			for i := 0; i < limit; i++ {
				switch {
				case tc.loop == LoopOne:
					want = append(want, order[at])
				case tc.loop == LoopAll:
					want = append(want, order[(at+i)%len(order)])
				case at+i < len(order):
					want = append(want, order[at+i])
				}
			}
			w := tq.window(limit)
			if got := refsOf(w); !slices.Equal(got, want) {
				t.Fatalf("window = %v, want %v", tq.ids(got), tq.ids(want))
			}
			if w[0].MetricID != MetricID("s1", w[0].Ref, tq.src.m[w[0].Ref].Plays) {
				t.Errorf("window[0] metric id is not that of the current play")
			}
			seen := map[string]bool{}
			for i, e := range w {
				if seen[e.MetricID] {
					t.Fatalf("window[%d] repeats metric id %s", i, e.MetricID)
				}
				seen[e.MetricID] = true
				if i == 0 {
					continue
				}
				q := tq.next()
				if tq.S.Current != e.Ref || q.Plays()[0].MetricID != e.MetricID {
					t.Fatalf("next #%d vends %s with metric %s; window showed %s with %s",
						i, tq.cur(), q.Plays()[0].MetricID, tq.ids([]string{e.Ref}), e.MetricID)
				}
			}
			if tc.loop == LoopOff {
				_, err := tq.op((*Queue).Next)
				wantCode(t, err, segue.ENoMoreNext) // the window showed all next vends
			}
		})
	}
}

func TestQueue_DuplicatesGetDistinctRefs(t *testing.T) {
	tq := newTestQueue(t, []TrackRef{{TrackID: "X", ArtistID: "A"}, {TrackID: "Y", ArtistID: "B"}, {TrackID: "X", ArtistID: "A"}}, 0)
	refs := append(slices.Clone(tq.refs), tq.insert("", "X")...)
	refs = append(refs, tq.append("X")...)
	w := tq.window(5)
	metrics := map[string]bool{}
	for _, e := range w {
		metrics[e.MetricID] = true
	}
	if slices.Sort(refs); len(slices.Compact(refs)) != 5 || len(metrics) != 5 {
		t.Fatalf("5 entries (4 of track X) got %d distinct refs and %d metric ids", len(refs), len(metrics))
	}
	if got := tq.ids(refsOf(w)); !slices.Equal(got, []string{"X", "X", "Y", "X", "X"}) {
		t.Fatalf("play order = %v", got)
	}
}

func TestQueue_Inserts(t *testing.T) {
	cases := []struct {
		name    string
		shuffle bool
		run     func(tq *testQueue)
		want    []string // current and what next vends after it (a prefix)
		last    string   // the last entry of the play order, when set
	}{
		{name: "stacked_inserts_keep_order", run: func(tq *testQueue) { tq.insert("", "A"); tq.insert("", "B") },
			want: []string{"T1", "A", "B", "T2", "T3", "T4", "T5", "T6"}},
		{name: "one_insert_of_two", run: func(tq *testQueue) { tq.insert("", "A", "B") },
			want: []string{"T1", "A", "B", "T2"}},
		{name: "explicit_anchor", run: func(tq *testQueue) { tq.insert("T3", "A") },
			want: []string{"T1", "T2", "T3", "A", "T4"}},
		{name: "anchored_insert_does_not_stack", run: func(tq *testQueue) { tq.insert("T3", "A"); tq.insert("", "B") },
			want: []string{"T1", "B", "T2", "T3", "A", "T4"}},
		{name: "stack_grows_while_its_block_plays", run: func(tq *testQueue) {
			tq.insert("", "A", "B")
			tq.next()
			tq.insert("", "C")
		}, want: []string{"A", "B", "C", "T2"}},
		{name: "after_block_played_insert_follows_current", run: func(tq *testQueue) {
			tq.insert("", "A")
			tq.insert("", "B")
			tq.next()
			tq.next()
			tq.insert("", "C")
		}, want: []string{"B", "C", "T2"}},
		{name: "after_block_passed_insert_follows_current", run: func(tq *testQueue) {
			tq.insert("", "A")
			tq.next()
			tq.next()
			tq.insert("", "C")
		}, want: []string{"T2", "C", "T3"}},
		{name: "shuffle_on_then_inserts_stay_next", shuffle: true,
			run:  func(tq *testQueue) { tq.insert("", "A"); tq.insert("", "B") },
			want: []string{"T1", "A", "B"}},
		{name: "inserts_then_shuffle_on_stay_next", run: func(tq *testQueue) {
			tq.insert("", "A")
			tq.insert("", "B")
			tq.shuffle(true)
		}, want: []string{"T1", "A", "B"}},
		{name: "insert_shuffle_on_insert", run: func(tq *testQueue) {
			tq.insert("", "A")
			tq.shuffle(true)
			tq.insert("", "B")
		}, want: []string{"T1", "A", "B"}},
		{name: "insert_under_shuffle_then_shuffle_off", shuffle: true, run: func(tq *testQueue) {
			tq.insert("", "A")
			tq.shuffle(false)
		}, want: []string{"T1", "A", "T2", "T3"}},
		{name: "append_goes_last", run: func(tq *testQueue) { tq.append("Z") }, last: "Z",
			want: []string{"T1", "T2", "T3", "T4", "T5", "T6", "Z"}},
		{name: "append_under_shuffle_goes_last", shuffle: true, run: func(tq *testQueue) { tq.append("Y", "Z") },
			last: "Z", want: []string{"T1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tq := newTestQueue(t, album(6), 0, withShuffle(tc.shuffle))
			tc.run(tq)
			if got := tq.ahead(); len(got) < len(tc.want) || !slices.Equal(got[:len(tc.want)], tc.want) {
				t.Fatalf("play order from current = %v, want it to start %v", got, tc.want)
			}
			if order := tq.order(); tc.last != "" && tq.ids(order)[len(order)-1] != tc.last {
				t.Fatalf("last of the play order = %v, want %s", tq.ids(order)[len(order)-1], tc.last)
			}
			for _, want := range tc.want[1:] { // next vends what the window showed
				if tq.next(); tq.cur() != want {
					t.Fatalf("next played %s, want %s", tq.cur(), want)
				}
			}
		})
	}
}

// A queue-next insert must land ahead of the current entry. Here the
// stack's last insert (A) ends up behind it: Previous moves back past A
// under shuffle, then SHUFFLE_OFF restores a natural order in which A
// precedes the current entry, and the next insert (B) stacks after A.
func TestQueue_InsertNextAfterShuffleOffPlaysNext(t *testing.T) {
	tq := newTestQueue(t, album(5), 4, withShuffle(true)) // current: T5, the natural last
	tq.next()
	tq.insert("", "A")
	tq.prev()
	tq.shuffle(false)
	tq.insert("", "B")
	got := tq.ahead()
	if i := slices.Index(got, "B"); got[0] != "T5" || i < 1 || i > 2 || (i == 2 && got[1] != "A") {
		t.Fatalf("after queue-next of B at T5, next vends %v; want B right after T5 (or after A); order %v",
			got[1:], tq.ids(tq.order()))
	}
}

func TestQueue_MaxQueueLength(t *testing.T) {
	tq := newTestQueue(t, album(3), 0)
	tq.fakeLen = MaxQueueLength - 4
	tq.S.Length += tq.fakeLen // 1 entry short of the maximum
	for _, do := range []func(q *Queue) error{
		func(q *Queue) error { _, err := q.Append(tracksOf("A", "B")); return err },
		func(q *Queue) error { _, err := q.InsertNext(tracksOf("A", "B"), ""); return err },
	} {
		before := tq.snapshot()
		q, err := tq.op(do)
		wantCode(t, err, segue.EBadRequest)
		tq.unchanged(before, q)
	}
	tq.insert("", "A")
	if tq.S.Length != MaxQueueLength {
		t.Fatalf("Length = %d, want %d", tq.S.Length, MaxQueueLength)
	}
	_, err := tq.op(func(q *Queue) error { _, err := q.Append(tracksOf("B")); return err })
	wantCode(t, err, segue.EBadRequest)
}

func TestQueue_RefusedMoveChangesNothing(t *testing.T) {
	cases := []struct {
		name    string
		start   int // -1: the last entry of the play order
		opts    []queueOpt
		do      func(q *Queue) error
		code    string
		isError error
	}{
		{"Next_at_last", 2, nil, (*Queue).Next, segue.ENoMoreNext, nil},
		{"Next_at_last_shuffled", -1, []queueOpt{withShuffle(true)}, (*Queue).Next, segue.ENoMoreNext, nil},
		{"Previous_at_first", 0, nil, (*Queue).Previous, segue.ENoMorePrevious, nil},
		{"Previous_at_first_shuffled", 1, []queueOpt{withShuffle(true)}, (*Queue).Previous, segue.ENoMorePrevious, nil},
		{"Previous_on_station", 1, []queueOpt{asStation()}, (*Queue).Previous, segue.EFeatureNotAvailable, nil},
		{"ShuffleOn_on_station", 0, []queueOpt{asStation()},
			func(q *Queue) error { return q.SetShuffle(true) }, segue.EFeatureNotAvailable, nil},
		{"ShuffleOff_on_station", 0, []queueOpt{asStation()},
			func(q *Queue) error { return q.SetShuffle(false) }, segue.EFeatureNotAvailable, nil},
		{"Next_at_end_of_station", 2, []queueOpt{asStation()}, (*Queue).Next, "", ErrQueueEnd},
		{"Next_at_end_with_autoplay", 2, []queueOpt{withAutoplay()}, (*Queue).Next, "", ErrQueueEnd},
		{"Append_nothing", 0, nil, func(q *Queue) error { _, err := q.Append(nil); return err }, segue.EBadRequest, nil},
		{"InsertNext_nothing", 0, nil,
			func(q *Queue) error { _, err := q.InsertNext(nil, ""); return err }, segue.EBadRequest, nil},
		{"InsertNext_unknown_anchor", 0, nil,
			func(q *Queue) error { _, err := q.InsertNext(tracksOf("A"), "nope"); return err }, segue.ENotFound, nil},
		{"SetLoop_unknown_mode", 0, nil,
			func(q *Queue) error { return q.SetLoop("LOOP_ON") }, segue.EBadRequest, nil},
		{"JumpTo_unknown", 0, nil, func(q *Queue) error { return q.JumpTo("nope") }, segue.ENotFound, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tq := newTestQueue(t, album(3), max(tc.start, 0), tc.opts...)
			if tc.start < 0 { // move to the last entry of the play order
				order := tq.order()
				moveTo(t, tq, order, len(order)-1)
			}
			before := tq.snapshot()
			q, err := tq.op(tc.do)
			if tc.isError != nil {
				if !errors.Is(err, tc.isError) {
					t.Fatalf("err = %v, want %v", err, tc.isError)
				}
			} else {
				wantCode(t, err, tc.code)
			}
			tq.unchanged(before, q)
		})
	}
}

func TestQueue_StationsAndAutoplayAtEnd(t *testing.T) {
	cases := []struct {
		name     string
		opts     []queueOpt
		wrap     bool   // LOOP_ALL wraps before autoplay continues
		prevCode string // what previous answers, "" = allowed
	}{
		{"station_needs_more", []queueOpt{asStation()}, false, segue.EFeatureNotAvailable},
		{"autoplay_needs_more", []queueOpt{withAutoplay()}, false, ""},
		{"autoplay_LoopAll_wraps_first", []queueOpt{withAutoplay(), withLoop(LoopAll)}, true, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tq := newTestQueue(t, album(2), 0, tc.opts...)
			tq.next()
			before := tq.snapshot()
			q, err := tq.op((*Queue).Next)
			if tc.wrap {
				if err != nil || tq.cur() != "T1" {
					t.Fatalf("next at the end: %v, current %s; want a wrap to T1", err, tq.cur())
				}
				return
			}
			if !errors.Is(err, ErrQueueEnd) {
				t.Fatalf("next at the end: err = %v, want ErrQueueEnd", err)
			}
			tq.unchanged(before, q)
			tq.append("T3", "T4")
			for _, want := range []string{"T3", "T4"} {
				if tq.next(); tq.cur() != want {
					t.Fatalf("after extending, next played %s, want %s", tq.cur(), want)
				}
			}
			if _, err := tq.op((*Queue).Previous); tc.prevCode != "" {
				wantCode(t, err, tc.prevCode)
			} else if err != nil || tq.cur() != "T3" {
				t.Fatalf("previous: %v, current %s; want T3", err, tq.cur())
			}
		})
	}
}
