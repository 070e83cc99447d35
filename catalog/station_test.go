package catalog

import (
	"fmt"
	"reflect"
	"testing"
)

// stationCatalog is a synthetic catalog: the seed artist S (10 tracks,
// genre rock), three more rock artists (10 tracks each), and ten jazz
// artists (10 tracks each), one of whose tracks is Unlimited-only.
func stationCatalog() (seed, near, all []TrackRef, genre map[string]string) {
	genre = map[string]string{}
	add := func(artist, g string, n int) {
		for i := range n {
			t := TrackRef{TrackID: fmt.Sprintf("%s-%02d", artist, i), ArtistID: artist}
			if artist == "J0" && i == 0 {
				t.UnlimitedOnly = true
			}
			all = append(all, t)
			genre[t.TrackID] = g
		}
	}
	add("S", "rock", 10)
	for i := range 3 {
		add(fmt.Sprintf("R%d", i), "rock", 10)
	}
	for i := range 10 {
		add(fmt.Sprintf("J%d", i), "jazz", 10)
	}
	for _, t := range all {
		if t.ArtistID == "S" {
			seed = append(seed, t)
		}
		if genre[t.TrackID] == "rock" {
			near = append(near, t)
		}
	}
	return seed, near, all, genre
}

func TestStation_Properties(t *testing.T) {
	seed, near, all, genre := stationCatalog()
	reads := 0
	readAll := func() ([]TrackRef, error) { reads++; return all, nil }

	t.Run("SeedArtistAndGenreDominate", func(t *testing.T) {
		got, err := Station(seed, near, readAll, nil, 12, 7, true)
		if err != nil || len(got) != 12 {
			t.Fatalf("Station = %d tracks, %v", len(got), err)
		}
		seedArtist, rock := 0, 0
		for _, tr := range got {
			if tr.ArtistID == "S" {
				seedArtist++
			}
			if genre[tr.TrackID] == "rock" {
				rock++
			}
		}
		// The seed's artist takes its full third; the rest is its genre.
		if seedArtist != 4 || rock != 12 {
			t.Fatalf("%d by the seed's artist and %d of its genre in %v, want 4 and 12", seedArtist, rock, got)
		}
		if reads != 0 {
			t.Errorf("the whole catalog was read %d times although near had enough", reads)
		}
	})

	t.Run("ArtistCapHolds", func(t *testing.T) {
		for _, n := range []int{3, 9, 25} {
			got, _ := Station(seed, near, readAll, nil, n, 3, true)
			per := map[string]int{}
			for _, tr := range got {
				per[tr.ArtistID]++
			}
			for a, k := range per {
				if k > (n+2)/3 {
					t.Errorf("n=%d: artist %s has %d tracks, cap %d", n, a, k, (n+2)/3)
				}
			}
		}
	})

	t.Run("NoRepeatsOverAHorizon", func(t *testing.T) {
		// Draw batches as a station does, excluding what was played.
		played := map[string]bool{}
		for batch := 0; batch < 5; batch++ {
			got, err := Station(seed, near, readAll, played, 25, uint64(batch), true)
			if err != nil || len(got) != 25 {
				t.Fatalf("batch %d: %d tracks, %v", batch, len(got), err)
			}
			for _, tr := range got {
				if played[tr.TrackID] {
					t.Fatalf("batch %d repeats %s", batch, tr.TrackID)
				}
				played[tr.TrackID] = true
			}
		}
		if reads == 0 {
			t.Error("the catalog ran short of near tracks but the rest was never read")
		}
	})

	t.Run("Reproducible", func(t *testing.T) {
		a, _ := Station(seed, near, readAll, nil, 10, 42, true)
		b, _ := Station(seed, near, readAll, nil, 10, 42, true)
		c, _ := Station(seed, near, readAll, nil, 10, 43, true)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("same salt, different tracks: %v %v", a, b)
		}
		if reflect.DeepEqual(a, c) {
			t.Fatalf("salts 42 and 43 chose the same tracks %v", a)
		}
	})

	t.Run("UnlimitedOnlyLeftOut", func(t *testing.T) {
		got, _ := Station(seed, nil, readAll, nil, len(all), 1, false)
		for _, tr := range got {
			if tr.UnlimitedOnly {
				t.Fatalf("a lower tier's station holds the Unlimited-only %s", tr.TrackID)
			}
		}
		if len(got) != len(all)-1 {
			t.Fatalf("%d tracks, want all %d but the Unlimited-only one", len(got), len(all)-1)
		}
	})
}
