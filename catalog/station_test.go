package catalog

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"testing"
)

// memStation is a StationSource over an in-memory catalog. It counts the
// rows it returns, so that tests can tell how much of the catalog a batch
// reads.
type memStation struct {
	tracks    []StationTrack // sorted by id
	byID      map[string]StationTrack
	playlists map[string][]string
	rows      int // rows returned so far
	following []int
}

func newMemStation(tracks []StationTrack, playlists map[string][]string) *memStation {
	m := &memStation{tracks: slices.Clone(tracks), byID: map[string]StationTrack{}, playlists: playlists}
	sort.Slice(m.tracks, func(i, j int) bool { return m.tracks[i].TrackID < m.tracks[j].TrackID })
	for _, t := range tracks {
		m.byID[t.TrackID] = t
	}
	return m
}

func (m *memStation) Tracks(_ context.Context, ids []string, unlimited bool) ([]StationTrack, error) {
	var out []StationTrack
	for _, id := range ids {
		if t, ok := m.byID[id]; ok && (unlimited || !t.UnlimitedOnly) {
			out = append(out, t)
		}
	}
	m.rows += len(out)
	return out, nil
}

func (m *memStation) CatalogSize(context.Context) (int, error) { m.rows++; return len(m.tracks), nil }

func (m *memStation) TracksAt(_ context.Context, positions []int) ([]string, error) {
	var out []string
	for _, pos := range positions {
		out = append(out, m.tracks[pos].TrackID)
	}
	m.rows += len(out)
	return out, nil
}

func (m *memStation) ArtistPlaylists(_ context.Context, artists []string) (map[string][]string, error) {
	want := map[string]bool{}
	for _, a := range artists {
		want[a] = true
	}
	out := map[string][]string{}
	for p, ids := range m.playlists {
		seen := map[string]bool{}
		for _, id := range ids {
			if a := m.byID[id].ArtistID; want[a] && !seen[a] {
				seen[a] = true
				out[a] = append(out[a], p)
				m.rows++
			}
		}
	}
	return out, nil
}

func (m *memStation) PlaylistSizes(_ context.Context, ids []string, max int) (map[string]int, error) {
	out := map[string]int{}
	for _, p := range ids {
		out[p] = min(len(m.playlists[p]), max+1)
		m.rows++
	}
	return out, nil
}

func (m *memStation) PlaylistEntries(_ context.Context, ids []string) ([]PlaylistEntry, error) {
	var out []PlaylistEntry
	for _, p := range ids {
		for _, id := range m.playlists[p] {
			out = append(out, PlaylistEntry{PlaylistID: p, TrackID: id, ArtistID: m.byID[id].ArtistID})
		}
	}
	m.rows += len(out)
	return out, nil
}

// wrapped returns up to limit tracks that pass ok, from pivot on in id
// order, then from the first.
func (m *memStation) wrapped(pivot string, limit int, ok func(StationTrack) bool) []StationTrack {
	var out []StationTrack
	for _, from := range []bool{true, false} {
		for _, t := range m.tracks {
			if len(out) == limit {
				break
			}
			if (t.TrackID >= pivot) == from && ok(t) {
				out = append(out, t)
			}
		}
	}
	m.rows += len(out)
	return out
}

func (m *memStation) Windows(_ context.Context, windows []StationWindow, pivots []string, unlimited bool) ([]StationTrack, error) {
	var out []StationTrack
	for _, w := range windows {
		out = append(out, m.wrapped(pivots[w.Pivot], w.Limit, func(t StationTrack) bool {
			key := t.ArtistID
			if w.Genre {
				key = t.GenreID
			}
			return key == w.Key && (unlimited || !t.UnlimitedOnly)
		})...)
	}
	return out, nil
}

func (m *memStation) ArtistGenres(_ context.Context, artists []string) (map[string]map[string]int, error) {
	out := map[string]map[string]int{}
	for _, a := range artists {
		for _, t := range m.tracks {
			if t.ArtistID == a {
				if out[a] == nil {
					out[a] = map[string]int{}
					m.rows++
				}
				out[a][t.GenreID]++
			}
		}
	}
	return out, nil
}

func (m *memStation) Following(_ context.Context, pivot string, exclude []string, limit int, unlimited bool) ([]StationTrack, error) {
	m.following = append(m.following, limit)
	return m.wrapped(pivot, limit, func(t StationTrack) bool {
		return !slices.Contains(exclude, t.TrackID) && (unlimited || !t.UnlimitedOnly)
	}), nil
}

// station gathers and chooses a batch from m.
func (m *memStation) station(t *testing.T, seed []string, exclude map[string]bool, n int, salt uint64, unlimited bool) []TrackRef {
	t.Helper()
	in, err := GatherStation(context.Background(), m, seed, exclude, n, salt, unlimited)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Station(in, exclude, n, salt, unlimited)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// stationCatalog is a synthetic catalog of 362 tracks. The seed artist S
// (12 rock tracks) and ten more rock artists R0–R9; five metal artists
// M0–M4, of whom M0 and M1 share the small playlist "heavy" with S's first
// track; twenty jazz artists J0–J19, one of whose tracks is
// Unlimited-only. The playlist "all" holds every track.
func stationCatalog() (tracks []StationTrack, playlists map[string][]string) {
	add := func(artist, genre string, n int) {
		for i := range n {
			t := StationTrack{TrackRef: TrackRef{TrackID: fmt.Sprintf("%s-%02d", artist, i), ArtistID: artist}, GenreID: genre}
			t.UnlimitedOnly = artist == "J0" && i == 0
			tracks = append(tracks, t)
		}
	}
	add("S", "rock", 12)
	for i := range 10 {
		add(fmt.Sprintf("R%d", i), "rock", 10)
	}
	for i := range 5 {
		add(fmt.Sprintf("M%d", i), "metal", 10)
	}
	for i := range 20 {
		add(fmt.Sprintf("J%d", i), "jazz", 10)
	}
	playlists = map[string][]string{
		"heavy": {"S-00", "M0-00", "M0-01", "M0-02", "M0-03", "M1-00", "M1-01"},
	}
	for _, t := range tracks {
		playlists["all"] = append(playlists["all"], t.TrackID)
	}
	return tracks, playlists
}

func TestStation_Properties(t *testing.T) {
	tracks, playlists := stationCatalog()
	genre := map[string]string{}
	for _, tr := range tracks {
		genre[tr.TrackID] = tr.GenreID
	}
	seed := []string{"S-00"}
	played := map[string]bool{"S-00": true} // a station from a track starts with it

	t.Run("SeedArtistNeighboursAndGenreDominateEarly", func(t *testing.T) {
		m := newMemStation(tracks, playlists)
		got := m.station(t, seed, played, 25, 7, true)
		if len(got) != 25 {
			t.Fatalf("%d tracks, want 25", len(got))
		}
		per := map[string]int{}
		for _, tr := range got {
			per[tr.ArtistID]++
			if tr.ArtistID != "S" && tr.ArtistID != "M0" && tr.ArtistID != "M1" && genre[tr.TrackID] != "rock" {
				t.Errorf("%s is neither by the seed's artist, nor by a neighbour, nor of the seed's genre", tr.TrackID)
			}
		}
		// The seed's artist takes its full third, and the neighbours'
		// tracks that share "heavy" with the seed make it in.
		if per["S"] != 9 {
			t.Errorf("%d tracks by the seed's artist in %v, want 9", per["S"], got)
		}
		if per["M0"]+per["M1"] < 4 {
			t.Errorf("%d tracks by the neighbours M0 and M1 in %v, want at least 4", per["M0"]+per["M1"], got)
		}
		if len(m.following) != 0 {
			t.Errorf("the broader pool was read (%v) although the similar tracks were enough", m.following)
		}
	})

	t.Run("SpreadHolds", func(t *testing.T) {
		m := newMemStation(tracks, playlists)
		for _, n := range []int{1, 3, 10, 25} {
			for salt := range uint64(5) {
				got := m.station(t, seed, played, n, salt, true)
				per := map[string]int{}
				for _, tr := range got {
					per[tr.ArtistID]++
				}
				for a, k := range per {
					limit := (n + 4) / 5
					if a == "S" {
						limit = (n + 2) / 3
					}
					if k > limit {
						t.Errorf("n=%d salt %d: artist %s has %d tracks, cap %d", n, salt, a, k, limit)
					}
				}
			}
		}
		// When the only candidates left are one artist's, the batch is
		// still full: the caps give way.
		only := map[string]bool{}
		for _, tr := range tracks {
			only[tr.TrackID] = tr.ArtistID != "R0"
		}
		got := m.station(t, seed, only, 6, 1, true)
		if len(got) != 6 {
			t.Errorf("with R0's tracks alone left, %d tracks, want 6", len(got))
		}
	})

	t.Run("NoRepeatsWithinTheHorizon", func(t *testing.T) {
		// Draw batches as a station does: the latest horizon tracks are
		// excluded. The catalog outlasts the horizon, so every batch is
		// full, and a track comes back only after horizon others.
		const horizon, n = 200, 25
		m := newMemStation(tracks, playlists)
		history := []string{"S-00"}
		for batch := range 40 {
			exclude := map[string]bool{}
			for _, id := range history[max(0, len(history)-horizon):] {
				exclude[id] = true
			}
			got := m.station(t, seed, exclude, n, uint64(batch)*7919, true)
			if len(got) != n {
				t.Fatalf("batch %d: %d tracks, want %d", batch, len(got), n)
			}
			for _, tr := range got {
				if i := slices.Index(history[max(0, len(history)-horizon):], tr.TrackID); i >= 0 {
					t.Fatalf("batch %d repeats %s within the horizon", batch, tr.TrackID)
				}
				history = append(history, tr.TrackID)
			}
		}
		if len(m.following) == 0 {
			t.Error("the similar tracks never ran short, so the broader pool was never tried")
		}
	})

	t.Run("Reproducible", func(t *testing.T) {
		m := newMemStation(tracks, playlists)
		a := m.station(t, seed, played, 10, 42, true)
		b := m.station(t, seed, played, 10, 42, true)
		c := m.station(t, seed, played, 10, 43, true)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("same salt, different tracks: %v %v", a, b)
		}
		if reflect.DeepEqual(a, c) {
			t.Fatalf("salts 42 and 43 chose the same tracks %v", a)
		}
	})

	t.Run("UnlimitedOnlyLeftOut", func(t *testing.T) {
		m := newMemStation(tracks, playlists)
		// Everything but jazz is excluded: the broader pool holds J0-00.
		exclude := map[string]bool{}
		for _, tr := range tracks {
			exclude[tr.TrackID] = tr.GenreID != "jazz"
		}
		for _, unlimited := range []bool{false, true} {
			got := m.station(t, []string{"J0-01"}, exclude, 200, 3, unlimited)
			has := slices.ContainsFunc(got, func(r TrackRef) bool { return r.UnlimitedOnly })
			if has != unlimited || len(got) != 199+btoi(unlimited) {
				t.Errorf("unlimited=%v: %d tracks, Unlimited-only among them: %v", unlimited, len(got), has)
			}
		}
	})

	t.Run("ExhaustedSeedFallsBackBoundedly", func(t *testing.T) {
		// The seed's artist, its genre and its neighbours are all in the
		// horizon: the batch comes from the broader pool, which is asked
		// for StationBroader tracks per track of the batch, no more.
		m := newMemStation(tracks, playlists)
		exclude := map[string]bool{}
		for _, tr := range tracks {
			exclude[tr.TrackID] = tr.GenreID == "rock" || tr.ArtistID == "M0" || tr.ArtistID == "M1"
		}
		got := m.station(t, seed, exclude, 25, 9, true)
		if len(got) != 25 {
			t.Fatalf("%d tracks, want 25", len(got))
		}
		for _, tr := range got {
			if exclude[tr.TrackID] {
				t.Fatalf("%s is excluded", tr.TrackID)
			}
		}
		if !slices.Equal(m.following, []int{StationBroader * 25}) {
			t.Errorf("the broader pool was asked for %v tracks, want once %d", m.following, StationBroader*25)
		}
	})
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// A batch reads a few hundred rows of a catalog of 20,000 tracks, with or
// without the broader pool.
func TestGatherStation_ReadsBoundedRows(t *testing.T) {
	var tracks []StationTrack
	playlists := map[string][]string{}
	for g := range 50 {
		for a := range 40 {
			artist := fmt.Sprintf("A%02d-%02d", g, a)
			for i := range 10 {
				id := fmt.Sprintf("%s-%02d", artist, i)
				tracks = append(tracks, StationTrack{TrackRef: TrackRef{TrackID: id, ArtistID: artist}, GenreID: fmt.Sprintf("G%02d", g)})
				playlists[fmt.Sprintf("P%02d-%d", g, a%4)] = append(playlists[fmt.Sprintf("P%02d-%d", g, a%4)], id)
				playlists["everything"] = append(playlists["everything"], id)
			}
		}
	}
	seed := []string{"A07-03-00"}
	for _, exhausted := range []bool{false, true} {
		m := newMemStation(tracks, playlists)
		exclude := map[string]bool{"A07-03-00": true}
		if exhausted { // the seed's genre is spent
			for _, tr := range tracks {
				exclude[tr.TrackID] = exclude[tr.TrackID] || tr.GenreID == "G07"
			}
		}
		got := m.station(t, seed, exclude, 25, 11, true)
		if len(got) != 25 {
			t.Fatalf("exhausted=%v: %d tracks, want 25", exhausted, len(got))
		}
		if m.rows > 1000 {
			t.Errorf("exhausted=%v: a batch read %d rows of a catalog of %d", exhausted, m.rows, len(tracks))
		}
		if (len(m.following) > 0) != exhausted {
			t.Errorf("exhausted=%v: the broader pool was read %v", exhausted, m.following)
		}
	}
}

func TestPlaylistWeight(t *testing.T) {
	const catalog = 3503
	if w := PlaylistWeight(1, catalog); w != 1 {
		t.Errorf("one track: w = %v, want 1", w)
	}
	if w := PlaylistWeight(catalog, catalog); w != 0 {
		t.Errorf("the whole catalog: w = %v, want 0", w)
	}
	if w := PlaylistWeight(StationPlaylistMax+1, catalog); w != 0 {
		t.Errorf("over StationPlaylistMax: w = %v, want 0", w)
	}
	if w := PlaylistWeight(15, catalog); math.Abs(w-0.67) > 0.005 {
		t.Errorf("Chinook's Grunge: w = %v, want 0.67 as documented", w)
	}
	for size := 1; size < StationPlaylistMax; size++ {
		if PlaylistWeight(size+1, catalog) >= PlaylistWeight(size, catalog) {
			t.Fatalf("w(%d) >= w(%d): a bigger playlist must weigh less", size+1, size)
		}
	}
}

// The terms rank as Station documents them, on a hand-made input: same
// artist, then a track that co-occurs with the seed and is of its genre,
// then a neighbour's track of the seed's genre, then a stranger's track of
// the seed's genre, then a stranger of another genre.
func TestStation_TermsRank(t *testing.T) {
	tr := func(id, artist, genre string) StationTrack {
		return StationTrack{TrackRef: TrackRef{TrackID: id, ArtistID: artist}, GenreID: genre}
	}
	in := StationInput{
		Seed:            []StationTrack{tr("s1", "a", "rock")},
		CatalogSize:     1000,
		Playlists:       map[string]int{"small": 10, "other": 10},
		SeedPlaylists:   []string{"small"},
		ArtistPlaylists: map[string][]string{"a": {"small"}, "n": {"small"}},
		ArtistGenres: map[string]map[string]int{"a": {"rock": 5}, "n": {"rock": 2, "jazz": 2},
			"c": {"rock": 1}, "x": {"rock": 3}, "y": {"jazz": 3}},
		Candidates: []StationCandidate{
			{StationTrack: tr("y1", "y", "jazz")},
			{StationTrack: tr("x1", "x", "rock")},
			{StationTrack: tr("n1", "n", "rock")},
			{StationTrack: tr("c1", "c", "rock"), Playlists: []string{"small", "other"}},
			{StationTrack: tr("a2", "a", "rock")},
		},
	}
	for salt := range uint64(20) {
		got, err := Station(in, nil, 5, salt, true)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range got {
			ids = append(ids, r.TrackID)
		}
		if want := []string{"a2", "c1", "n1", "x1", "y1"}; !slices.Equal(ids, want) {
			t.Fatalf("salt %d: %v, want %v", salt, ids, want)
		}
	}
}

func TestSampleSeed(t *testing.T) {
	var ids []string
	for i := range 3290 {
		ids = append(ids, fmt.Sprint(i))
	}
	got := SampleSeed(ids)
	if len(got) != StationSeedMax || got[0] != "0" || got[StationSeedMax-1] != "3257" {
		t.Errorf("SampleSeed of 3290 = %d ids from %s to %s", len(got), got[0], got[len(got)-1])
	}
	if short := ids[:7]; !slices.Equal(SampleSeed(short), short) {
		t.Errorf("a short seed was sampled")
	}
}
