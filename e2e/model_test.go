package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"
)

// The sequential specification the recorded histories are checked
// against, partitioned per account: an account's state is the state of
// each of its sessions (version, current entry, loop and shuffle modes,
// stream state) and which of its sessions holds its one stream. Every
// operation touches one account only, so the history is linearizable iff
// each account's part is.

// opKind is what a recorded operation did.
type opKind uint8

const (
	kCreate opKind = iota
	kCurrent
	kNext
	kPrevious
	kRestore
	kQueueNext
	kQueueLast
	kLoop
	kShuffle
	kEvent
	kActive
)

var kindNames = [...]string{"create", "current", "next", "previous", "restore", "queue/next", "queue/last", "loop", "shuffle", "event", "active"}

func (k opKind) String() string { return kindNames[k] }

// changes reports whether the kind is a session change with an ETag.
func (k opKind) changes() bool { return k >= kNext && k <= kShuffle }

// maxSessions is the most sessions one account has in a test.
const maxSessions = 4

// linInput is an operation's request.
type linInput struct {
	Acct, Sess int    // account, and session index within it
	Kind       opKind //
	IfMatch    int64  // If-Match sent with a change, 0 for none
	Loop       string // kCreate, kLoop: the loop mode asked
	Shuffle    bool   // kShuffle: SHUFFLE_ON
	Ref        string // kRestore: the entry to resume at
	Event      string // kEvent: start, resume, pause, stop, progress
	TakeOver   string // kEvent: "", AUTO, FORCE
}

// activeRow is one session as GET /sessions/active shows it.
type activeRow struct {
	Present            bool
	Ref, Loop, Shuffle string
	State              string
	TakenBy            int // session index, -1 for none
}

// linOutput is an operation's answer.
type linOutput struct {
	Status  int
	Code    string // error code, "" on success
	Version int64  // ETag (200 and 412); for a 412 also payload.version must say it
	Ref     string // the current entry of the answer's window
	// Holder is the session a 422 MAX_CONCURRENCY_REACHED or a 409
	// STREAM_TAKEN_OVER names (-1 if none or not one of the account's),
	// HolderDevice the device it names.
	Holder       int
	HolderDevice string
	Duplicate    bool
	Active       [maxSessions]activeRow
}

// linState is one account's state.
type linState struct {
	Ver     [maxSessions]int64 // 0: not created yet
	Ref     [maxSessions]string
	Loop    [maxSessions]string
	Shuffle [maxSessions]bool
	Play    [maxSessions]string // "", PLAYING, PAUSED, STOPPED, TAKEN_OVER
	By      [maxSessions]int8   // who took a TAKEN_OVER session over
	Holder  int8                // session holding the stream, -1 none
}

// deviceOf is the device of an account's session in these tests.
func deviceOf(acct, sess int) string { return fmt.Sprintf("acct%d-device%d", acct, sess) }

func initState() linState {
	s := linState{Holder: -1}
	for i := range s.By {
		s.By[i] = -1
	}
	return s
}

// step is the specification: whether out may answer in from state s,
// and the state after it.
func step(s linState, in linInput, out linOutput) (bool, linState) {
	i := in.Sess
	if in.Kind == kCreate {
		if s.Ver[i] != 0 || out.Status != 200 || out.Version != 1 || out.Ref == "" {
			return false, s
		}
		s.Ver[i], s.Ref[i], s.Loop[i] = 1, out.Ref, in.Loop
		return true, s
	}
	if in.Kind != kActive && s.Ver[i] == 0 {
		return false, s // no such session yet
	}
	switch {
	case in.Kind == kCurrent:
		return out.Status == 200 && out.Version == s.Ver[i] && out.Ref == s.Ref[i], s

	case in.Kind.changes():
		if in.IfMatch != 0 && in.IfMatch != s.Ver[i] {
			// A stale If-Match is refused with the current version.
			return out.Status == 412 && out.Code == "PRECONDITION_FAILED" && out.Version == s.Ver[i], s
		}
		switch out.Status {
		case 404: // a refused move changes nothing
			if in.Kind == kNext && out.Code == "NO_MORE_NEXT_ENTITY" {
				return s.Loop[i] == "LOOP_OFF", s // LOOP_ALL wraps, LOOP_ONE repeats
			}
			return in.Kind == kPrevious && out.Code == "NO_MORE_PREVIOUS_ENTITY", s
		case 200:
		default:
			return false, s
		}
		if out.Version != s.Ver[i]+1 || out.Ref == "" {
			return false, s
		}
		switch in.Kind {
		case kNext:
			if s.Loop[i] == "LOOP_ONE" && out.Ref != s.Ref[i] {
				return false, s // LOOP_ONE vends the current entry again
			}
		case kPrevious:
		case kRestore:
			if out.Ref != in.Ref {
				return false, s
			}
		default: // inserts, loop and shuffle keep the current entry
			if out.Ref != s.Ref[i] {
				return false, s
			}
		}
		s.Ver[i], s.Ref[i] = out.Version, out.Ref
		switch in.Kind {
		case kLoop:
			s.Loop[i] = in.Loop
		case kShuffle:
			s.Shuffle[i] = in.Shuffle
		}
		return true, s

	case in.Kind == kEvent:
		if in.Event == "start" || in.Event == "resume" {
			h := s.Holder
			if h >= 0 && int(h) != i {
				if in.TakeOver == "AUTO" {
					// Refused, naming the holder; nothing changes.
					return out.Status == 422 && out.Code == "MAX_CONCURRENCY_REACHED" &&
						out.Holder == int(h) && out.HolderDevice == deviceOf(in.Acct, int(h)), s
				}
				if !out.ok() {
					return false, s
				}
				// FORCE, or no takeOverType: the holder is taken over.
				s.Ver[h]++
				s.Play[h], s.By[h] = "TAKEN_OVER", int8(i)
			} else if !out.ok() {
				return false, s
			}
			s.Ver[i]++
			s.Play[i], s.Holder = "PLAYING", int8(i)
			return true, s
		}
		if s.Play[i] == "TAKEN_OVER" {
			return out.Status == 409 && out.Code == "STREAM_TAKEN_OVER" &&
				out.Holder == int(s.By[i]) && out.HolderDevice == deviceOf(in.Acct, int(s.By[i])), s
		}
		if !out.ok() {
			return false, s
		}
		switch in.Event {
		case "pause", "stop":
			if int(s.Holder) == i {
				s.Holder = -1
			}
			s.Play[i] = map[string]string{"pause": "PAUSED", "stop": "STOPPED"}[in.Event]
			s.Ver[i]++
		}
		return true, s

	case in.Kind == kActive:
		if out.Status != 200 {
			return false, s
		}
		for j := range maxSessions {
			row := out.Active[j]
			if row.Present != (s.Ver[j] != 0) {
				return false, s
			}
			if !row.Present {
				continue
			}
			state := s.Play[j]
			if state == "" {
				state = "STOPPED"
			}
			shuffle := "SHUFFLE_OFF"
			if s.Shuffle[j] {
				shuffle = "SHUFFLE_ON"
			}
			by := -1
			if state == "TAKEN_OVER" {
				by = int(s.By[j])
			}
			if row.Ref != s.Ref[j] || row.Loop != s.Loop[j] || row.Shuffle != shuffle || row.State != state || row.TakenBy != by {
				return false, s
			}
		}
		return true, s
	}
	return false, s
}

// ok reports whether an event was accepted as new.
func (o linOutput) ok() bool { return o.Status == 200 && !o.Duplicate }

// segueModel is the porcupine model of the specification.
var segueModel = porcupine.Model{
	Partition: func(h []porcupine.Operation) [][]porcupine.Operation {
		by := map[int][]porcupine.Operation{}
		var order []int
		for _, op := range h {
			a := op.Input.(linInput).Acct
			if _, ok := by[a]; !ok {
				order = append(order, a)
			}
			by[a] = append(by[a], op)
		}
		var out [][]porcupine.Operation
		for _, a := range order {
			out = append(out, by[a])
		}
		return out
	},
	Init: func() any { return initState() },
	Step: func(state, input, output any) (bool, any) {
		return step(state.(linState), input.(linInput), output.(linOutput))
	},
	DescribeOperation: func(input, output any) string {
		in, out := input.(linInput), output.(linOutput)
		var b strings.Builder
		fmt.Fprintf(&b, "s%d %s", in.Sess, in.Kind)
		switch in.Kind {
		case kLoop, kCreate:
			b.WriteString(" " + in.Loop)
		case kShuffle:
			fmt.Fprintf(&b, " %v", in.Shuffle)
		case kRestore:
			b.WriteString(" " + in.Ref)
		case kEvent:
			b.WriteString(" " + in.Event + " " + in.TakeOver)
		}
		if in.IfMatch != 0 {
			fmt.Fprintf(&b, " If-Match %d", in.IfMatch)
		}
		fmt.Fprintf(&b, " → %d %s", out.Status, out.Code)
		if out.Version != 0 {
			fmt.Fprintf(&b, " v%d", out.Version)
		}
		if out.Ref != "" {
			b.WriteString(" " + out.Ref)
		}
		if out.Status == 422 || out.Status == 409 {
			fmt.Fprintf(&b, " holder s%d", out.Holder)
		}
		if in.Kind == kActive {
			for j, r := range out.Active {
				if r.Present {
					fmt.Fprintf(&b, " [s%d %s %s %s %s by %d]", j, r.Ref, r.Loop, r.Shuffle, r.State, r.TakenBy)
				}
			}
		}
		return b.String()
	},
	DescribeState: func(state any) string {
		s := state.(linState)
		var b strings.Builder
		for j := range maxSessions {
			if s.Ver[j] != 0 {
				fmt.Fprintf(&b, "s%d v%d %s %s shuffle=%v %s; ", j, s.Ver[j], s.Ref[j], s.Loop[j], s.Shuffle[j], s.Play[j])
			}
		}
		fmt.Fprintf(&b, "holder s%d", s.Holder)
		return b.String()
	},
}

// checkHistory runs the checker (bounded in time) and, when the history is
// not linearizable, writes porcupine's visualization to a file it names.
func checkHistory(t *testing.T, h []porcupine.Operation, timeout time.Duration) porcupine.CheckResult {
	t.Helper()
	start := time.Now()
	res, info := porcupine.CheckOperationsVerbose(segueModel, h, timeout)
	t.Logf("porcupine: %d operations, %s in %v", len(h), res, time.Since(start).Round(time.Millisecond))
	if res == porcupine.Illegal && !quietIllegal {
		// One file per test, overwritten by the next failing run.
		name := strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())
		path := filepath.Join(os.TempDir(), "segue-e2e-"+name+".html")
		if err := porcupine.VisualizePath(segueModel, info, path); err == nil {
			t.Logf("visualization of the failed check: %s", path)
		}
	}
	return res
}

// quietIllegal is set while the negative controls expect Illegal.
var quietIllegal bool

// opAt builds a hand-made operation.
func opAt(client int, call, ret int64, in linInput, out linOutput) porcupine.Operation {
	if out.Holder == 0 && out.Status != 422 && out.Status != 409 {
		out.Holder = -1
	}
	return porcupine.Operation{ClientId: client, Input: in, Call: call, Output: out, Return: ret}
}

// TestModel checks the specification itself on hand-made histories: legal
// ones pass, and illegal ones (the negative control that needs no server)
// are refused.
func TestModel(t *testing.T) {
	create := func(sess int, ref string) porcupine.Operation {
		return opAt(0, int64(sess*2), int64(sess*2+1), linInput{Sess: sess, Kind: kCreate, Loop: "LOOP_OFF"},
			linOutput{Status: 200, Version: 1, Ref: ref})
	}
	base := []porcupine.Operation{create(0, "r1"), create(1, "q1")}
	ev := func(client int, call, ret int64, sess int, typ, takeOver string, out linOutput) porcupine.Operation {
		return opAt(client, call, ret, linInput{Sess: sess, Kind: kEvent, Event: typ, TakeOver: takeOver}, out)
	}
	ok := linOutput{Status: 200}
	tests := []struct {
		name  string
		ops   []porcupine.Operation
		legal bool
	}{
		{"next then read the new version", []porcupine.Operation{
			opAt(1, 10, 11, linInput{Kind: kNext}, linOutput{Status: 200, Version: 2, Ref: "r2"}),
			opAt(1, 12, 13, linInput{Kind: kCurrent}, linOutput{Status: 200, Version: 2, Ref: "r2"}),
		}, true},
		{"a read concurrent with a next may see either version", []porcupine.Operation{
			opAt(1, 10, 20, linInput{Kind: kNext}, linOutput{Status: 200, Version: 2, Ref: "r2"}),
			opAt(2, 11, 12, linInput{Kind: kCurrent}, linOutput{Status: 200, Version: 1, Ref: "r1"}),
			opAt(3, 13, 14, linInput{Kind: kCurrent}, linOutput{Status: 200, Version: 2, Ref: "r2"}),
		}, true},
		{"stale read after a next returned", []porcupine.Operation{
			opAt(1, 10, 11, linInput{Kind: kNext}, linOutput{Status: 200, Version: 2, Ref: "r2"}),
			opAt(1, 12, 13, linInput{Kind: kCurrent}, linOutput{Status: 200, Version: 1, Ref: "r1"}),
		}, false},
		{"read goes back after a newer read", []porcupine.Operation{
			opAt(1, 10, 30, linInput{Kind: kNext}, linOutput{Status: 200, Version: 2, Ref: "r2"}),
			opAt(2, 11, 12, linInput{Kind: kCurrent}, linOutput{Status: 200, Version: 2, Ref: "r2"}),
			opAt(3, 13, 14, linInput{Kind: kCurrent}, linOutput{Status: 200, Version: 1, Ref: "r1"}),
		}, false},
		{"two changes answer the same version", []porcupine.Operation{
			opAt(1, 10, 20, linInput{Kind: kNext}, linOutput{Status: 200, Version: 2, Ref: "r2"}),
			opAt(2, 10, 20, linInput{Kind: kQueueLast}, linOutput{Status: 200, Version: 2, Ref: "r1"}),
		}, false},
		{"a version skipped", []porcupine.Operation{
			opAt(1, 10, 11, linInput{Kind: kNext}, linOutput{Status: 200, Version: 3, Ref: "r2"}),
		}, false},
		{"an insert moved the current entry", []porcupine.Operation{
			opAt(1, 10, 11, linInput{Kind: kQueueNext}, linOutput{Status: 200, Version: 2, Ref: "r9"}),
		}, false},
		{"a 412 although If-Match was right", []porcupine.Operation{
			opAt(1, 10, 11, linInput{Kind: kNext, IfMatch: 1}, linOutput{Status: 412, Code: "PRECONDITION_FAILED", Version: 1}),
		}, false},
		{"a 412 for a stale If-Match, then the change with the right one", []porcupine.Operation{
			opAt(1, 10, 11, linInput{Kind: kNext, IfMatch: 5}, linOutput{Status: 412, Code: "PRECONDITION_FAILED", Version: 1}),
			opAt(1, 12, 13, linInput{Kind: kNext, IfMatch: 1}, linOutput{Status: 200, Version: 2, Ref: "r2"}),
		}, true},
		{"the end of a LOOP_ALL queue", []porcupine.Operation{
			opAt(1, 10, 11, linInput{Kind: kLoop, Loop: "LOOP_ALL"}, linOutput{Status: 200, Version: 2, Ref: "r1"}),
			opAt(1, 12, 13, linInput{Kind: kNext}, linOutput{Status: 404, Code: "NO_MORE_NEXT_ENTITY"}),
		}, false},
		{"two AUTO claims both win", []porcupine.Operation{
			ev(1, 10, 11, 0, "start", "AUTO", ok),
			ev(2, 12, 13, 1, "start", "AUTO", ok),
		}, false},
		{"AUTO refused naming the holder, FORCE takes over, the loser is told", []porcupine.Operation{
			ev(1, 10, 11, 0, "start", "AUTO", ok),
			ev(2, 12, 13, 1, "start", "AUTO", linOutput{Status: 422, Code: "MAX_CONCURRENCY_REACHED", Holder: 0, HolderDevice: deviceOf(0, 0)}),
			ev(2, 14, 15, 1, "resume", "FORCE", ok),
			ev(1, 16, 17, 0, "progress", "", linOutput{Status: 409, Code: "STREAM_TAKEN_OVER", Holder: 1, HolderDevice: deviceOf(0, 1)}),
			opAt(1, 18, 19, linInput{Sess: 0, Kind: kCurrent}, linOutput{Status: 200, Version: 3, Ref: "r1"}),
			opAt(1, 18, 19, linInput{Sess: 1, Kind: kCurrent}, linOutput{Status: 200, Version: 2, Ref: "q1"}),
		}, true},
		{"a 422 names the wrong holder", []porcupine.Operation{
			ev(1, 10, 11, 0, "start", "AUTO", ok),
			ev(2, 12, 13, 1, "start", "AUTO", linOutput{Status: 422, Code: "MAX_CONCURRENCY_REACHED", Holder: 1, HolderDevice: deviceOf(0, 1)}),
		}, false},
		{"pause frees the stream", []porcupine.Operation{
			ev(1, 10, 11, 0, "start", "AUTO", ok),
			ev(1, 12, 13, 0, "pause", "", ok),
			ev(2, 14, 15, 1, "start", "AUTO", ok),
		}, true},
		{"the taken-over session's events accepted", []porcupine.Operation{
			ev(1, 10, 11, 0, "start", "", ok),
			ev(2, 12, 13, 1, "start", "FORCE", ok),
			ev(1, 14, 15, 0, "stop", "", ok),
		}, false},
		{"the active list shows a state that never was", []porcupine.Operation{
			ev(1, 10, 11, 0, "start", "", ok),
			ev(2, 12, 20, 1, "start", "FORCE", ok),
			opAt(3, 13, 14, linInput{Kind: kActive}, linOutput{Status: 200, Active: [maxSessions]activeRow{
				{Present: true, Ref: "r1", Loop: "LOOP_OFF", Shuffle: "SHUFFLE_OFF", State: "STOPPED", TakenBy: -1},
				{Present: true, Ref: "q1", Loop: "LOOP_OFF", Shuffle: "SHUFFLE_OFF", State: "STOPPED", TakenBy: -1},
			}}),
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := append(append([]porcupine.Operation(nil), base...), tc.ops...)
			quietIllegal = !tc.legal
			defer func() { quietIllegal = false }()
			res := checkHistory(t, h, 10*time.Second)
			want := porcupine.Ok
			if !tc.legal {
				want = porcupine.Illegal
			}
			if res != want {
				t.Errorf("checker says %s, want %s", res, want)
			}
		})
	}
}
