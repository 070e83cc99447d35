package playback

import (
	"testing"
	"time"

	"github.com/segue/segue/auth"
)

// summary renders the actions compactly: "ok", or the disable type, with
// the remaining skips when there is a budget.
func summary(a Action) string {
	s := "ok"
	if !a.IsAllowed {
		s = a.DisableType
	}
	if a.RemainingSkips != nil {
		s += "/" + string(rune('0'+*a.RemainingSkips))
	}
	return s
}

func TestEntitlements(t *testing.T) {
	const (
		ok   = "ok"
		na   = DisableFeatureUnavailable
		shuf = DisableNeedShuffleSub
		sub  = DisableNeedSubscription
		unl  = DisableNeedUnlimited
		none = DisableNoMoreSkips
	)
	reset := time.Date(2026, 1, 1, 11, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		p    Policy
		// next, previous, scrub, shuffle, loopOne, loopAll, queueNext, play
		want [8]string
	}{
		{"Unlimited", Policy{Tier: auth.TierUnlimited}, [8]string{ok, ok, ok, ok, ok, ok, ok, ok}},
		{"UnlimitedStation", Policy{Tier: auth.TierUnlimited, Station: true}, [8]string{ok, na, ok, na, ok, na, ok, ok}},
		{"UnlimitedUnlimitedOnly", Policy{Tier: auth.TierUnlimited, UnlimitedOnly: true}, [8]string{ok, ok, ok, ok, ok, ok, ok, ok}},
		{"Prime", Policy{Tier: auth.TierPrime}, [8]string{"ok/6", na, na, shuf, ok, ok, ok, ok}},
		{"PrimeStation", Policy{Tier: auth.TierPrime, Station: true}, [8]string{"ok/6", na, na, na, ok, na, ok, ok}},
		{"PrimeSkipsLeft", Policy{Tier: auth.TierPrime, Skips: SkipBudget{Used: 5, ResetAt: reset}}, [8]string{"ok/1", na, na, shuf, ok, ok, ok, ok}},
		{"PrimeNoSkips", Policy{Tier: auth.TierPrime, Skips: SkipBudget{Used: 6, ResetAt: reset}}, [8]string{none + "/0", na, na, shuf, ok, ok, ok, ok}},
		{"PrimeNoSkipsFinished", Policy{Tier: auth.TierPrime, Skips: SkipBudget{Used: 6, ResetAt: reset}, Finished: true}, [8]string{"ok/0", na, na, shuf, ok, ok, ok, ok}},
		{"PrimeUnlimitedOnly", Policy{Tier: auth.TierPrime, UnlimitedOnly: true}, [8]string{"ok/6", na, na, shuf, ok, ok, ok, unl}},
		{"Free", Policy{Tier: auth.TierFree}, [8]string{"ok/6", na, na, sub, ok, ok, sub, sub}},
		{"FreeStation", Policy{Tier: auth.TierFree, Station: true}, [8]string{"ok/6", na, na, na, ok, na, sub, ok}},
		{"FreeStationUnlimitedOnly", Policy{Tier: auth.TierFree, Station: true, UnlimitedOnly: true}, [8]string{"ok/6", na, na, na, ok, na, sub, unl}},
		{"UnknownTierIsFree", Policy{Tier: "GOLD"}, [8]string{"ok/6", na, na, sub, ok, ok, sub, sub}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := Entitlements(c.p)
			got := [8]string{summary(a.Next), summary(a.Previous), summary(a.ScrubForward), summary(a.Shuffle),
				summary(a.LoopOne), summary(a.LoopAll), summary(a.QueueNext), summary(a.Play)}
			if got != c.want {
				t.Fatalf("got  %v\nwant %v", got, c.want)
			}
			if a.ScrubBackward != a.ScrubForward || a.QueueLast != a.QueueNext {
				t.Errorf("scrub or queue actions differ: %+v %+v / %+v %+v", a.ScrubForward, a.ScrubBackward, a.QueueNext, a.QueueLast)
			}
			if (c.p.Skips.Used > 0) != (a.Next.SkipsResetAt != nil) {
				t.Errorf("skipsResetAt %v with %d skips used", a.Next.SkipsResetAt, c.p.Skips.Used)
			}
			if a.Next.SkipsResetAt != nil && !a.Next.SkipsResetAt.Equal(reset) {
				t.Errorf("skipsResetAt %v, want %v", a.Next.SkipsResetAt, reset)
			}
			if err := Refuse(a.Next, "next"); (err == nil) != a.Next.IsAllowed {
				t.Errorf("Refuse(next) = %v for %+v", err, a.Next)
			}
		})
	}
}

func TestBudget(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	if b := Budget(nil); b.Used != 0 || !b.ResetAt.IsZero() {
		t.Errorf("Budget(nil) = %+v", b)
	}
	b := Budget([]time.Time{t0, t0.Add(10 * time.Minute)})
	if b.Used != 2 || !b.ResetAt.Equal(t0.Add(SkipWindow)) {
		t.Errorf("Budget = %+v, want 2 used, reset at %v", b, t0.Add(SkipWindow))
	}
}
