package playback

import (
	"testing"
	"time"

	"github.com/segue/segue"
)

func TestClaim(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	a := Stream{SessionID: "a", DeviceID: "da", ClaimedAt: t0, LastEventAt: t0}
	b := Stream{SessionID: "b", DeviceID: "db", ClaimedAt: t0.Add(time.Minute), LastEventAt: t0.Add(time.Minute)}
	cases := []struct {
		name     string
		live     []Stream
		max      int
		session  string
		takeOver string
		victim   string // "" for none
		code     string // error code, "" for none
	}{
		{"Free", nil, 1, "c", TakeOverAuto, "", ""},
		{"UnderLimit", []Stream{a}, 2, "c", TakeOverAuto, "", ""},
		{"HoldsAlready", []Stream{a}, 1, "a", TakeOverAuto, "", ""},
		{"AutoRefuses", []Stream{a}, 1, "c", TakeOverAuto, "", segue.EMaxConcurrency},
		{"ForceTakesOldest", []Stream{b, a}, 2, "c", TakeOverForce, "a", ""},
		{"DefaultTakesOldest", []Stream{b, a}, 2, "c", TakeOverDefault, "a", ""},
		{"AutoRefusesAtTwo", []Stream{b, a}, 2, "c", TakeOverAuto, "", segue.EMaxConcurrency},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, err := Claim(c.live, c.max, c.session, c.takeOver)
			if got := segue.ErrorCode(err); err != nil && got != c.code || err == nil && c.code != "" {
				t.Fatalf("err = %v, want code %q", err, c.code)
			}
			if err != nil {
				p := segue.ErrorPayload(err).(map[string]any)
				if p["sessionId"] != "a" || p["deviceId"] != "da" {
					t.Errorf("payload %v does not name the oldest stream", p)
				}
			}
			got := ""
			if v != nil {
				got = v.SessionID
			}
			if got != c.victim {
				t.Fatalf("victim %q, want %q", got, c.victim)
			}
		})
	}
}

func TestLiveAndEffective(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	fresh := Stream{SessionID: "f", LastEventAt: t0.Add(-time.Minute)}
	idle := Stream{SessionID: "i", LastEventAt: t0.Add(-11 * time.Minute)}
	live, stale := Live([]Stream{fresh, idle}, t0, DefaultStreamIdle)
	if len(live) != 1 || live[0].SessionID != "f" || len(stale) != 1 || stale[0].SessionID != "i" {
		t.Fatalf("Live = %v, %v", live, stale)
	}
	playing := StreamStatus{State: StatePlaying}
	for _, c := range []struct {
		name string
		st   StreamStatus
		held *Stream
		want StreamState
	}{
		{"PlayingHeld", playing, &fresh, StatePlaying},
		{"PlayingIdle", playing, &idle, StateStopped},
		{"PlayingGone", playing, nil, StateStopped},
		{"Paused", StreamStatus{State: StatePaused}, nil, StatePaused},
		{"TakenOver", StreamStatus{State: StateTakenOver, TakenBySession: "x"}, nil, StateTakenOver},
		{"Unset", StreamStatus{}, nil, StateStopped},
	} {
		if got := Effective(c.st, c.held, t0, DefaultStreamIdle); got.State != c.want {
			t.Errorf("%s: %s, want %s", c.name, got.State, c.want)
		}
	}
}
