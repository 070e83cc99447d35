package playback

import "testing"

// After LOOP_ALL wraps, the entries of the finished pass count as not yet
// played: turning shuffle on reorders them after the current entry instead
// of leaving nothing ahead.
func TestQueue_ShuffleAfterLoopAllWrap(t *testing.T) {
	tq := newTestQueue(t, album(5), 0, withLoop(LoopAll))
	for range 5 {
		tq.next()
	}
	if got := tq.cur(); got != "T1" {
		t.Fatalf("after a full pass the current track is %s, want T1", got)
	}
	tq.setLoop(LoopOff)
	tq.shuffle(true)
	if got := tq.ahead(); len(got) != 5 || got[0] != "T1" {
		t.Fatalf("after wrap and SHUFFLE_ON the play order from the current entry is %v, want T1 and then the 4 others", got)
	}
}
