package playback

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/segue/segue"
)

// parseArtists expands "A5 B2 C" into A A A A A B B C (grouped: the worst
// input order for a shuffle that only permutes at random).
func parseArtists(s string) []string {
	var out []string
	for _, f := range strings.Fields(s) {
		name, n := f[:1], 1
		if len(f) > 1 {
			n, _ = strconv.Atoi(f[1:])
		}
		for range n {
			out = append(out, name)
		}
	}
	return out
}

func groupsOf(artists []string) map[string][]int {
	g := map[string][]int{}
	for i, a := range artists {
		g[a] = append(g[a], i)
	}
	return g
}

// checkSpread fails unless order is a permutation of artists' indexes
// and, when a collision-free order exists, has no collision.
func checkSpread(t testing.TB, artists []string, prev string, order []int) {
	t.Helper()
	sorted := slices.Sorted(slices.Values(order))
	for i, v := range sorted {
		if v != i {
			t.Fatalf("Spread(%v) = %v: not a permutation", artists, order)
		}
	}
	if len(order) != len(artists) {
		t.Fatalf("Spread(%v) = %v: %d indexes for %d artists", artists, order, len(order), len(artists))
	}
	if spreadPossible(groupsOf(artists), prev, len(artists)) && collisions(order, artists, prev) > 0 {
		seq := make([]string, len(order))
		for i, j := range order {
			seq[i] = artists[j]
		}
		t.Fatalf("prev %q: %v has %d collisions although a spread exists", prev, seq, collisions(order, artists, prev))
	}
}

func TestSpread_NoNeighboursShareAnArtist(t *testing.T) {
	distinct := ""
	for i := range 26 {
		distinct += string(rune('a'+i)) + " "
	}
	cases := []struct{ name, artists string }{
		{"empty", ""},
		{"one", "A"},
		{"all_same", "A6"},
		{"all_distinct", distinct},
		{"two_halves", "A5 B5"},
		{"five_A_four_others", "A5 B C D E"},
		{"five_A_three_others", "A5 B C D"},
		{"album_runs", "A3 B3 C2 D2"},
		{"dominant_tight", "A40 B10 C10 D10 E9"},
		{"dominant_over", "A41 B10 C10 D10 E9"},
		{"two_dominant", "A20 B19 C"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			artists := parseArtists(tc.artists)
			input := slices.Clone(artists)
			for _, prev := range []string{"", "A", "Z"} {
				for seed := range uint64(200) {
					order := Spread(artists, prev, rand.New(rand.NewPCG(seed, 1)))
					checkSpread(t, artists, prev, order)
				}
			}
			if !slices.Equal(artists, input) {
				t.Fatalf("Spread changed its input")
			}
		})
	}
}

// randomArtists draws n artists of k, skewed towards the first; tight
// makes the first artist exactly as numerous as a spread allows.
func randomArtists(rng *rand.Rand, prev string) []string {
	n, k := rng.IntN(40), 1+rng.IntN(8)
	out := make([]string, n)
	for i := range out {
		out[i] = string(rune('A' + min(rng.IntN(k), rng.IntN(k))))
	}
	if rng.IntN(2) == 0 { // tight: A takes the most places a spread allows
		m := (n + 1) / 2
		if prev == "A" {
			m = n / 2
		}
		for i := range out {
			if i < m {
				out[i] = "A"
			} else if out[i] == "A" || k == 1 {
				out[i] = string(rune('B' + rng.IntN(k)))
			}
		}
		rng.Shuffle(n, func(i, j int) { out[i], out[j] = out[j], out[i] })
	}
	return out
}

func TestSpread_RandomMultisets(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	feasible := 0
	for trial := range 3000 {
		prev := []string{"", "A", "B", "Z"}[rng.IntN(4)]
		artists := randomArtists(rng, prev)
		if spreadPossible(groupsOf(artists), prev, len(artists)) {
			feasible++
		}
		order := Spread(artists, prev, rand.New(rand.NewPCG(uint64(trial), 3)))
		checkSpread(t, artists, prev, order)
	}
	if feasible < 1000 || feasible > 2900 {
		t.Fatalf("%d of 3000 trials could be spread: the generator does not test both kinds", feasible)
	}
}

// bruteFeasible reports whether counts can be ordered with no two
// neighbours alike, the first unlike last.
func bruteFeasible(counts map[string]int, last string, left int, memo map[string]bool) bool {
	if left == 0 {
		return true
	}
	key := fmt.Sprint(counts, last)
	if v, ok := memo[key]; ok {
		return v
	}
	ok := false
	for a, c := range counts {
		if c > 0 && a != last && !ok {
			counts[a]--
			ok = bruteFeasible(counts, a, left-1, memo)
			counts[a]++
		}
	}
	memo[key] = ok
	return ok
}

// The oracle the other Spread tests rely on must be exact.
func TestSpread_SpreadPossibleIsExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	for range 1500 {
		prev := []string{"", "A", "B"}[rng.IntN(3)]
		var artists []string
		for range rng.IntN(11) {
			artists = append(artists, string(rune('A'+rng.IntN(1+rng.IntN(4)))))
		}
		counts := map[string]int{}
		for _, a := range artists {
			counts[a]++
		}
		want := bruteFeasible(counts, prev, len(artists), map[string]bool{})
		if got := spreadPossible(groupsOf(artists), prev, len(artists)); got != want {
			t.Fatalf("spreadPossible(%v, prev %q) = %v, brute force says %v", artists, prev, got, want)
		}
	}
}

func TestSpread_DeterministicAndVaried(t *testing.T) {
	artists := parseArtists("A3 B3 C2 D2 E F G H I J")
	firsts := map[int]bool{}
	for seed := range uint64(300) {
		a := Spread(artists, "", rand.New(rand.NewPCG(seed, 5)))
		b := Spread(artists, "", rand.New(rand.NewPCG(seed, 5)))
		if !slices.Equal(a, b) {
			t.Fatalf("seed %d: two runs differ: %v, %v", seed, a, b)
		}
		firsts[a[0]] = true
	}
	if len(firsts) != len(artists) { // a shuffle: any entry may come first
		t.Fatalf("over 300 seeds only %d of %d entries ever came first", len(firsts), len(artists))
	}
}

func TestSpread_Large(t *testing.T) {
	artists := zipfArtists(20_000, 400)
	checkSpread(t, artists, artists[0], Spread(artists, artists[0], rand.New(rand.NewPCG(1, 2))))
}

func zipfArtists(n, k int) []string {
	rng := rand.New(rand.NewPCG(3, 4))
	z := rand.NewZipf(rng, 1.1, 4, uint64(k-1))
	out := make([]string, n)
	for i := range out {
		out[i] = "R" + strconv.FormatUint(z.Uint64(), 10)
	}
	return out
}

func BenchmarkSpread(b *testing.B) {
	artists := zipfArtists(100_000, 2_000)
	if !spreadPossible(groupsOf(artists), "", len(artists)) {
		b.Fatal("benchmark input cannot be spread")
	}
	seed := uint64(0)
	for b.Loop() {
		seed++
		if order := Spread(artists, "", rand.New(rand.NewPCG(seed, 1))); collisions(order, artists, "") > 0 {
			b.Fatal("collisions in a spreadable queue")
		}
	}
}

// The shuffled play order of a queue (SetShuffle / ShuffleOrder).

func TestQueue_ShuffleOn(t *testing.T) {
	cases := []struct {
		name   string
		start  int
		before func(tq *testQueue)
		cur    string
		played []string // entries before the current one, in the order they played
		upNext []string // entries right after it
	}{
		{"fresh_from_first", 0, func(*testQueue) {}, "T1", nil, nil},
		{"fresh_from_fifth", 4, func(*testQueue) {}, "T5", nil, nil},
		{"after_three_nexts", 0, func(tq *testQueue) { tq.next(); tq.next(); tq.next() },
			"T4", []string{"T1", "T2", "T3"}, nil},
		{"next_next_previous", 0, func(tq *testQueue) { tq.next(); tq.next(); tq.prev() },
			"T2", []string{"T1", "T3"}, nil},
		{"back_to_start", 0, func(tq *testQueue) { tq.next(); tq.next(); tq.prev(); tq.prev() },
			"T1", []string{"T3", "T2"}, nil},
		{"with_stacked_inserts", 1, func(tq *testQueue) { tq.insert("", "X"); tq.insert("", "Y") },
			"T2", nil, []string{"X", "Y"}},
		{"plays_then_insert", 0, func(tq *testQueue) { tq.next(); tq.insert("", "X") },
			"T2", []string{"T1"}, []string{"X"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tq := newTestQueue(t, album(10, "A", "A", "A", "B", "B", "B", "C", "C", "D", "D"), tc.start)
			tc.before(tq)
			natural := tq.walk(false)
			tq.shuffle(true)
			if !tq.S.Shuffle || tq.S.ShuffleEpoch != 1 || tq.cur() != tc.cur {
				t.Fatalf("shuffle %v epoch %d current %s; want on, 1, %s", tq.S.Shuffle, tq.S.ShuffleEpoch, tq.cur(), tc.cur)
			}
			order := tq.order()
			at := slices.Index(order, tq.S.Current)
			if got := tq.ids(order[:at]); !slices.Equal(got, tc.played) {
				t.Fatalf("before current: %v, want %v", got, tc.played)
			}
			if got := tq.ids(order[at+1 : at+1+len(tc.upNext)]); !slices.Equal(got, tc.upNext) {
				t.Fatalf("after current: %v, want %v", got, tc.upNext)
			}
			rest := order[at+len(tc.upNext):] // from the last fixed entry on
			artists := make([]string, len(rest))
			for i, r := range rest {
				artists[i] = tq.src.m[r].ArtistID
			}
			inOrder := make([]int, len(rest)-1)
			for i := range inOrder {
				inOrder[i] = i
			}
			checkSpread(t, artists[1:], artists[0], inOrder)
			if !slices.Equal(tq.walk(false), natural) {
				t.Fatalf("shuffle on changed the natural order")
			}
			if len(tc.played) > 0 {
				if tq.prev(); tq.cur() != tc.played[len(tc.played)-1] {
					t.Fatalf("previous after shuffle on went to %s, want %s", tq.cur(), tc.played[len(tc.played)-1])
				}
			}
		})
	}
}

func TestQueue_ShuffleOffResumesAtNaturalSuccessor(t *testing.T) {
	for seed := range uint64(12) {
		t.Run(fmt.Sprintf("seed_%d", seed), func(t *testing.T) {
			tq := newTestQueue(t, album(5), 0, withSeed(seed))
			tq.shuffle(true)
			tq.next()
			tq.next()
			x := tq.S.Current
			tq.shuffle(false)
			if tq.S.Shuffle || tq.S.Current != x {
				t.Fatalf("shuffle off: shuffle %v, current %s; want off, current unchanged", tq.S.Shuffle, tq.cur())
			}
			succ := tq.src.m[x].NatNext
			_, err := tq.op((*Queue).Next)
			if succ == "" {
				wantCode(t, err, segue.ENoMoreNext)
			} else if err != nil || tq.S.Current != succ {
				t.Fatalf("next after shuffle off from %s: %v, got %s, want %s",
					tq.ids([]string{x}), err, tq.cur(), tq.ids([]string{succ}))
			}
		})
	}
}

func TestQueue_ShuffleReproducible(t *testing.T) {
	build := func(seed uint64) *testQueue {
		tq := newTestQueue(t, album(20, "A", "B", "C", "A", "D"), 3, withSeed(seed))
		tq.next()
		tq.shuffle(true)
		return tq
	}
	a, b := build(9), build(9)
	if !slices.Equal(a.order(), b.order()) {
		t.Fatalf("same seed, same queue, different shuffles:\n%v\n%v", a.ids(a.order()), b.ids(b.order()))
	}
	all := slices.Collect(maps.Values(a.src.m))
	orderOf := func(seed, epoch uint64) []string {
		rng := rand.New(rand.NewPCG(seed, epoch))
		rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] }) // input order must not matter
		o, err := ShuffleOrder(all, a.S.Current, a.S.NatHead, 0, 9, epoch)
		if err != nil {
			t.Fatalf("ShuffleOrder: %v", err)
		}
		return o
	}
	if o1, o2 := orderOf(1, 1), orderOf(2, 1); !slices.Equal(o1, o2) || !slices.Equal(o1, a.order()) {
		t.Fatalf("ShuffleOrder with the same seed and epoch differs between calls or from SetShuffle")
	}
	if slices.Equal(orderOf(1, 1), orderOf(1, 2)) {
		t.Fatalf("epochs 1 and 2 give the same order of 20 entries")
	}
	if c := build(10); slices.Equal(a.order(), c.order()) {
		t.Fatalf("seeds 9 and 10 give the same order of 20 entries")
	}
	a.shuffle(false) // off and on again: a new epoch, a new order of what is left
	a.shuffle(true)
	if a.S.ShuffleEpoch != 2 || slices.Equal(a.order(), b.order()) {
		t.Fatalf("reshuffle: epoch %d, order unchanged %v", a.S.ShuffleEpoch, slices.Equal(a.order(), b.order()))
	}
}
