package playback

import (
	"github.com/segue/segue"
	"github.com/segue/segue/auth"
)

// Action says whether a client may do one thing now and, if not, why.
type Action struct {
	IsAllowed      bool
	DisableType    string // one of the Disable* values when not allowed
	RemainingSkips *int
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

// Actions is the set of actions of an entity (SPEC.md §3).
type Actions struct {
	Next, Previous, ScrubForward, ScrubBackward Action
	Shuffle, LoopOne, LoopAll                   Action
	QueueNext, QueueLast                        Action
}

// Policy is what decides a session's actions.
type Policy struct {
	Tier    auth.Tier
	Station bool
}

var allowed = Action{IsAllowed: true}

func unavailable(reason string) Action { return Action{DisableType: reason} }

// Entitlements returns the actions a listener has on a session. It is the
// one place these rules live: entities show its result and endpoints refuse
// with it (see Refuse). Every tier may do everything on plain queues for
// now; on a station there is no going back, no shuffle and no looping the
// whole (endless) queue.
func Entitlements(p Policy) Actions {
	a := Actions{
		Next: allowed, Previous: allowed, ScrubForward: allowed, ScrubBackward: allowed,
		Shuffle: allowed, LoopOne: allowed, LoopAll: allowed, QueueNext: allowed, QueueLast: allowed,
	}
	if p.Station {
		a.Previous = unavailable(DisableFeatureUnavailable)
		a.Shuffle = unavailable(DisableFeatureUnavailable)
		a.LoopAll = unavailable(DisableFeatureUnavailable)
	}
	return a
}

// Refuse returns the error an endpoint answers when a is not allowed, or
// nil when it is; the error code is the action's disableType.
func Refuse(a Action, what string) error {
	if a.IsAllowed {
		return nil
	}
	return segue.Errorf(a.DisableType, "%s is not allowed in this session", what)
}
