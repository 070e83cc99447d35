package playback

import (
	"container/heap"
	"fmt"
	"math/rand/v2"
	"sort"

	"github.com/segue/segue"
)

// ShuffleOrder returns the shuffled play order of a queue whose entries
// are all, current being the current entry and natHead the first entry of
// the natural order: the entries already played (in this pass: after play
// number playedAfter) in the order they played,
// the current entry, the unplayed queue-next entries in natural order, and
// then every other entry artist-spread by Spread. The result depends only
// on the entries, seed and epoch, so it is reproducible.
func ShuffleOrder(all []Entry, current, natHead string, playedAfter, seed, epoch uint64) ([]string, error) {
	byRef := make(map[string]*Entry, len(all))
	for i := range all {
		byRef[all[i].Ref] = &all[i]
	}
	cur, ok := byRef[current]
	if !ok {
		return nil, fmt.Errorf("playback: current entry %s not in queue", current)
	}
	natural := make([]*Entry, 0, len(all))
	for ref := natHead; ref != ""; {
		e, ok := byRef[ref]
		if !ok || len(natural) > len(all) {
			return nil, fmt.Errorf("playback: natural order broken at %s", ref)
		}
		natural = append(natural, e)
		ref = e.NatNext
	}
	if len(natural) != len(all) {
		return nil, fmt.Errorf("playback: natural order reaches %d of %d entries", len(natural), len(all))
	}
	var played, upNext, rest []*Entry
	for _, e := range natural {
		switch {
		case e == cur:
		case e.UpNext:
			upNext = append(upNext, e)
		case e.LastPlayed > playedAfter:
			played = append(played, e)
		default:
			rest = append(rest, e)
		}
	}
	sort.Slice(played, func(i, j int) bool { return played[i].LastPlayed < played[j].LastPlayed })

	order := make([]string, 0, len(all))
	for _, e := range played {
		order = append(order, e.Ref)
	}
	order = append(order, cur.Ref)
	prevArtist := cur.ArtistID
	for _, e := range upNext {
		order = append(order, e.Ref)
		prevArtist = e.ArtistID
	}
	artists := make([]string, len(rest))
	for i, e := range rest {
		artists[i] = e.ArtistID
	}
	rng := rand.New(rand.NewPCG(seed, epoch))
	for _, i := range Spread(artists, prevArtist, rng) {
		order = append(order, rest[i].Ref)
	}
	return order, nil
}

// Spread returns a random permutation of the indexes of artists in which
// no two neighbours share an artist (nor the first with prev) wherever the
// counts allow it. Each artist's tracks are first spread evenly over the
// order with a random offset and jitter (a "balanced shuffle"), then the
// few collisions left are repaired locally; if that cannot remove them all
// although a collision-free order exists, a greedy pass that always places
// the most numerous allowed artist builds one. Cost: O(n log n).
func Spread(artists []string, prev string, rng *rand.Rand) []int {
	n := len(artists)
	groups := map[string][]int{}
	var names []string
	for i, a := range artists {
		if _, ok := groups[a]; !ok {
			names = append(names, a)
		}
		groups[a] = append(groups[a], i)
	}
	pos := make([]float64, n)
	for _, a := range names { // names in first-seen order: deterministic
		g := groups[a]
		rng.Shuffle(len(g), func(i, j int) { g[i], g[j] = g[j], g[i] })
		k := float64(len(g))
		off := rng.Float64()
		for j, idx := range g {
			pos[idx] = (float64(j) + off + (rng.Float64()-0.5)*0.3) / k
		}
	}
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return pos[order[i]] < pos[order[j]] })

	repair(order, artists, prev)
	if collisions(order, artists, prev) > 0 && spreadPossible(groups, prev, n) {
		order = greedySpread(groups, names, prev, rng)
	}
	return order
}

// repair swaps each colliding element with a near later one that fits.
func repair(order []int, artists []string, prev string) {
	const window = 64
	before := func(i int) string {
		if i == 0 {
			return prev
		}
		return artists[order[i-1]]
	}
	for i := range order {
		a := before(i)
		if artists[order[i]] != a {
			continue
		}
		for j := i + 1; j < len(order) && j <= i+window; j++ {
			cand := artists[order[j]]
			if cand == a {
				continue
			}
			// After the swap, position j holds artist a: its neighbours
			// must differ (j-1 is i itself when j == i+1).
			if j-1 > i && artists[order[j-1]] == a {
				continue
			}
			if j+1 < len(order) && artists[order[j+1]] == a {
				continue
			}
			order[i], order[j] = order[j], order[i]
			break
		}
	}
}

func collisions(order []int, artists []string, prev string) int {
	c := 0
	last := prev
	for _, i := range order {
		if artists[i] == last {
			c++
		}
		last = artists[i]
	}
	return c
}

// spreadPossible reports whether n items grouped by artist can be ordered
// with no two neighbours alike, the first unlike prev.
func spreadPossible(groups map[string][]int, prev string, n int) bool {
	for a, g := range groups {
		limit := (n + 1) / 2
		if a == prev {
			limit = n / 2
		}
		if len(g) > limit {
			return false
		}
	}
	return true
}

type artistCount struct {
	name  string
	left  []int
	order uint64
}

type countHeap []*artistCount

func (h countHeap) Len() int { return len(h) }

func (h countHeap) Less(i, j int) bool {
	if len(h[i].left) != len(h[j].left) {
		return len(h[i].left) > len(h[j].left)
	}
	return h[i].order < h[j].order
}

func (h countHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }

func (h *countHeap) Push(x any) { *h = append(*h, x.(*artistCount)) }

func (h *countHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// greedySpread places, at each step, a track of the artist with the most
// tracks left that differs from the last placed; it finds a collision-free
// order whenever one exists.
func greedySpread(groups map[string][]int, names []string, prev string, rng *rand.Rand) []int {
	h := &countHeap{}
	for _, a := range names {
		heap.Push(h, &artistCount{name: a, left: groups[a], order: rng.Uint64()})
	}
	var out []int
	last := prev
	for h.Len() > 0 {
		top := heap.Pop(h).(*artistCount)
		if top.name == last && h.Len() > 0 {
			second := heap.Pop(h).(*artistCount)
			heap.Push(h, top)
			top = second
		}
		out = append(out, top.left[0])
		top.left = top.left[1:]
		last = top.name
		if len(top.left) > 0 {
			top.order = rng.Uint64()
			heap.Push(h, top)
		}
	}
	return out
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
