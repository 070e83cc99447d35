package playback

import (
	"time"

	"github.com/segue/segue"
	"github.com/segue/segue/auth"
)

// Action says whether a client may do one thing now and, if not, why.
type Action struct {
	IsAllowed      bool
	DisableType    string // one of the Disable* values when not allowed
	RemainingSkips *int
	SkipsResetAt   *time.Time // when the oldest skip of the window comes back
}

// Reasons an action is not allowed; the endpoint refuses with the same
// string as its error code.
const (
	DisableNoMoreSkips        = "NO_MORE_SKIPS"
	DisableNeedSubscription   = "NEED_AMAZON_MUSIC_SUBSCRIPTION_FOR_AD_FREE_PLAYBACK"
	DisableNeedUnlimited      = "NEED_AMAZON_MUSIC_UNLIMITED_CATALOG_ACCESS"
	DisableNeedShuffleSub     = "NEED_AMAZON_MUSIC_SUBSCRIPTION_TO_SHUFFLE_NON_STATION"
	DisableFeatureUnavailable = "FEATURE_NOT_AVAILABLE"
)

// Actions is the set of actions of an entity (SPEC.md §3), and Play:
// whether the track in question may be played at all (not sent to
// clients; creating a session and queueing refuse with it).
type Actions struct {
	Next, Previous, ScrubForward, ScrubBackward Action
	Shuffle, LoopOne, LoopAll                   Action
	QueueNext, QueueLast                        Action
	Play                                        Action
}

// Skip budget of the tiers that have one (SPEC.md §5).
const (
	SkipsPerWindow = 6
	SkipWindow     = time.Hour
)

// SkipBudget is what a user has spent of the rolling skip window.
type SkipBudget struct {
	Used    int       // skips within the window
	ResetAt time.Time // when the oldest of them leaves the window
}

// Budget returns the budget given the times of the user's skips within
// the window, oldest first.
func Budget(skips []time.Time) SkipBudget {
	if len(skips) == 0 {
		return SkipBudget{}
	}
	return SkipBudget{Used: len(skips), ResetAt: skips[0].Add(SkipWindow).UTC()}
}

// Policy is everything that decides what a listener may do.
type Policy struct {
	Tier    auth.Tier
	Station bool       // the queue is a station (else on-demand)
	Skips   SkipBudget // the user's rolling skip budget now
	// Finished: the current play reported stop with trackFinished, so a
	// next is not a skip.
	Finished bool
	// UnlimitedOnly: the track in question is in the Unlimited catalog
	// only.
	UnlimitedOnly bool
}

var allowed = Action{IsAllowed: true}

func refused(reason string) Action { return Action{DisableType: reason} }

// Entitlements returns what a listener may do (SPEC.md §5). It is the one
// place these rules live: entities show its result and endpoints refuse
// with it (see Refuse).
//
//   - Everyone: on a station there is no previous, shuffle or LOOP_ALL
//     (FEATURE_NOT_AVAILABLE).
//   - UNLIMITED: everything else.
//   - PRIME: on-demand queues play shuffled, so shuffle is refused
//     (NEED_AMAZON_MUSIC_SUBSCRIPTION_TO_SHUFFLE_NON_STATION); previous and
//     scrubbing are FEATURE_NOT_AVAILABLE; 6 skips per rolling hour, then
//     NO_MORE_SKIPS; Unlimited-only tracks are refused
//     (NEED_AMAZON_MUSIC_UNLIMITED_CATALOG_ACCESS).
//   - FREE: as PRIME, but stations only: on-demand playback and queueing
//     are refused (NEED_AMAZON_MUSIC_SUBSCRIPTION_FOR_AD_FREE_PLAYBACK).
func Entitlements(p Policy) Actions {
	a := Actions{
		Next: allowed, Previous: allowed, ScrubForward: allowed, ScrubBackward: allowed,
		Shuffle: allowed, LoopOne: allowed, LoopAll: allowed, QueueNext: allowed, QueueLast: allowed,
		Play: allowed,
	}
	if p.Tier != auth.TierUnlimited {
		a.Previous = refused(DisableFeatureUnavailable)
		a.ScrubForward = refused(DisableFeatureUnavailable)
		a.ScrubBackward = refused(DisableFeatureUnavailable)
		a.Shuffle = refused(DisableNeedShuffleSub)
		a.Next = skipAction(p)
		if p.UnlimitedOnly {
			a.Play = refused(DisableNeedUnlimited)
		}
	}
	if p.Tier != auth.TierUnlimited && p.Tier != auth.TierPrime { // FREE, or unknown
		a.QueueNext = refused(DisableNeedSubscription)
		a.QueueLast = refused(DisableNeedSubscription)
		a.Shuffle = refused(DisableNeedSubscription)
		if !p.Station {
			a.Play = refused(DisableNeedSubscription)
		}
	}
	if p.Station {
		a.Previous = refused(DisableFeatureUnavailable)
		a.Shuffle = refused(DisableFeatureUnavailable)
		a.LoopAll = refused(DisableFeatureUnavailable)
	}
	return a
}

// skipAction is next under a skip budget.
func skipAction(p Policy) Action {
	left := max(0, SkipsPerWindow-p.Skips.Used)
	a := Action{IsAllowed: left > 0 || p.Finished, RemainingSkips: &left}
	if !a.IsAllowed {
		a.DisableType = DisableNoMoreSkips
	}
	if p.Skips.Used > 0 {
		at := p.Skips.ResetAt
		a.SkipsResetAt = &at
	}
	return a
}

// Refuse returns the error an endpoint answers when a is not allowed, or
// nil when it is; the error code is the action's disableType.
func Refuse(a Action, what string) error {
	if a.IsAllowed {
		return nil
	}
	why := map[string]string{
		DisableNoMoreSkips:        "no skips are left in this hour",
		DisableNeedSubscription:   "this subscription plays stations only",
		DisableNeedUnlimited:      "the track is in the Amazon Music Unlimited catalog only",
		DisableNeedShuffleSub:     "on-demand queues of this subscription always play shuffled",
		DisableFeatureUnavailable: "it is not available here",
	}[a.DisableType]
	e := segue.Errorf(a.DisableType, "%s is not allowed: %s", what, why)
	if a.RemainingSkips != nil {
		p := map[string]any{"remainingSkips": *a.RemainingSkips}
		if a.SkipsResetAt != nil {
			p["skipsResetAt"] = a.SkipsResetAt.UTC().Format(time.RFC3339)
		}
		e.Payload = p
	}
	return e
}
