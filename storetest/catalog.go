package storetest

import (
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/segue/segue"
	"github.com/segue/segue/catalog"
)

// testCatalog checks what playback reads of the shared Chinook catalog.
func (s *suite) testCatalog(t *testing.T) {
	if n, err := s.cat.CatalogSize(ctx); err != nil || n != len(s.data.Tracks) {
		t.Fatalf("CatalogSize = %d, %v; want %d", n, err, len(s.data.Tracks))
	}
	t.Run("Resolve", s.testResolve)
	t.Run("Tracks", s.testTracks)
	t.Run("StationTracks", s.testStationTracks)
}

func (s *suite) testResolve(t *testing.T) {
	d := s.data
	var album1, artist1 []string
	for _, tr := range d.Tracks {
		if tr.AlbumID == "B0CA000001" {
			album1 = append(album1, tr.ID)
		}
		if tr.ArtistID == "B0CR000001" { // AC/DC's albums 1 and 4, in track order
			artist1 = append(artist1, tr.ID)
		}
	}
	const mrn = "mrn:1.0:catalog:"
	tests := []struct {
		in, id string
		kind   catalog.Kind
		tracks []string
	}{
		{"B0CT000001", "B0CT000001", catalog.KindTrack, []string{"B0CT000001"}},
		{mrn + "track:asin:B0CT000002", "B0CT000002", catalog.KindTrack, []string{"B0CT000002"}},
		{"B0CA000001", "B0CA000001", catalog.KindAlbum, album1},
		{mrn + "album:asin:B0CA000001", "B0CA000001", catalog.KindAlbum, album1},
		{"B0CR000001", "B0CR000001", catalog.KindArtist, artist1},
		{mrn + "artist:asin:B0CR000001", "B0CR000001", catalog.KindArtist, artist1},
		{"B0CP000001", "B0CP000001", catalog.KindPlaylist, d.Playlists[0].TrackIDs},
		{mrn + "playlist:asin:B0CP000003", "B0CP000003", catalog.KindPlaylist, d.Playlists[2].TrackIDs},
		{mrn + "station:asin:B0CT000001", "B0CT000001", catalog.KindStation, nil},
		{mrn + "station:asin:B0CA000001", "B0CA000001", catalog.KindStation, nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			it, err := s.cat.Resolve(ctx, tt.in)
			if err != nil || it.Kind != tt.kind || it.ID != tt.id || len(it.Tracks) != len(tt.tracks) {
				t.Fatalf("Resolve = %s %s with %d tracks, %v; want %s %s with %d", it.Kind, it.ID, len(it.Tracks), err, tt.kind, tt.id, len(tt.tracks))
			}
			for i, ref := range it.Tracks {
				if ref.TrackID != tt.tracks[i] || ref.ArtistID == "" {
					t.Fatalf("track %d = %+v, want %s", i, ref, tt.tracks[i])
				}
			}
		})
	}
	for in, code := range map[string]string{
		"B0CT999999": segue.ENotFound, mrn + "album:asin:B0CT000001": segue.ENotFound,
		mrn + "track:asin:B0CA000001": segue.ENotFound, mrn + "playlist:asin:B0CR000001": segue.ENotFound,
		mrn + "station:asin:NOPE": segue.ENotFound, "B0CG000001": segue.ENotFound,
		"bad id": segue.EBadRequest, mrn + "video:asin:B0CT000001": segue.EBadRequest, "": segue.EBadRequest,
	} {
		t.Run("Err/"+in, func(t *testing.T) {
			_, err := s.cat.Resolve(ctx, in)
			wantCode(t, err, code)
		})
	}
	t.Run("UnlimitedOnly", func(t *testing.T) {
		it, err := s.cat.Resolve(ctx, "B0CR000022") // Led Zeppelin
		if err != nil || len(it.Tracks) == 0 {
			t.Fatalf("Resolve = %+v, %v", it, err)
		}
		for _, r := range it.Tracks {
			if !r.UnlimitedOnly {
				t.Fatalf("track %s of Led Zeppelin is not Unlimited-only", r.TrackID)
			}
		}
	})
}

func (s *suite) testTracks(t *testing.T) {
	d := s.data
	ids := []string{"nope", "B0CT999999", "B0CT000001"}
	for _, tr := range d.Tracks {
		ids = append(ids, tr.ID)
	}
	got, err := s.cat.Tracks(ctx, ids)
	if err != nil || len(got) != len(d.Tracks) {
		t.Fatalf("Tracks returned %d, %v; want %d", len(got), err, len(d.Tracks))
	}
	for _, want := range d.Tracks { // with the joined artist name and album title
		if got[want.ID] != want {
			t.Fatalf("Tracks[%s] = %+v, want %+v", want.ID, got[want.ID], want)
		}
	}
	if m, err := s.cat.Tracks(ctx, nil); err != nil || len(m) != 0 {
		t.Errorf("Tracks(nil) = %v, %v", m, err)
	}
}

// stationGolden is what every store answers for a few stations with a
// fixed seed, exclusions, batch size, salt and tier. The stores read the
// same facts (catalog.GatherStation) and share the scoring, so their
// batches must be identical, track for track.
var stationGolden = []struct {
	seed      string
	exclude   []string // and the tracks of spent
	spent     string
	n         int
	salt      uint64
	unlimited bool
	want      []string
}{
	{"B0CT000001", nil, "", 10, 7, true, []string{"B0CT000001", "B0CT000008", "B0CT000009", "B0CT000006", "B0CT003290",
		"B0CT000002", "B0CT000003", "B0CT002096", "B0CT002095", "B0CT003296"}},
	{"B0CP000016", []string{"B0CT002003", "B0CT002198"}, "", 25, 99, false, []string{"B0CT002004", "B0CT002005",
		"B0CT002007", "B0CT002013", "B0CT002010", "B0CT001988", "B0CT001989", "B0CT001986", "B0CT001987", "B0CT002194",
		"B0CT002195", "B0CT002206", "B0CT002516", "B0CT002512", "B0CT000052", "B0CT002550", "B0CT002158", "B0CT002159",
		"B0CT002518", "B0CT002519", "B0CT002517", "B0CT000059", "B0CT000058", "B0CT000055", "B0CT000054"}},
	{"mrn:1.0:catalog:station:asin:B0CA000010", nil, "", 12, 1 << 63, true, []string{"B0CT000094", "B0CT000090",
		"B0CT000091", "B0CT000092", "B0CT001791", "B0CT001792", "B0CT001793", "B0CT002964", "B0CT002965", "B0CT002962",
		"B0CT000681", "B0CT000680"}},
	// "Music", 3,290 tracks: the seed is sampled.
	{"B0CP000001", nil, "", 15, 12345, true, []string{"B0CT001210", "B0CT001211", "B0CT001209", "B0CT001208", "B0CT001205",
		"B0CT002178", "B0CT002164", "B0CT002161", "B0CT001577", "B0CT001579", "B0CT001578", "B0CT003016", "B0CT003017",
		"B0CT003014", "B0CT000549"}},
	// BackBeat spent: the broader pool.
	{"B0CR000009", nil, "B0CR000009", 10, 3, true, []string{"B0CT000088", "B0CT000089", "B0CT000084", "B0CT000082",
		"B0CT000048", "B0CT000049", "B0CT000059", "B0CT000058", "B0CT000063", "B0CT000064"}},
}

// tracksOf returns the ids of an artist's tracks.
func (s *suite) tracksOf(artist string) []string {
	var ids []string
	for _, tr := range s.data.Tracks {
		if tr.ArtistID == artist {
			ids = append(ids, tr.ID)
		}
	}
	return ids
}

// idSet returns ids as a set.
func idSet(ids ...string) map[string]bool {
	m := map[string]bool{}
	for _, id := range ids {
		m[id] = true
	}
	return m
}

func (s *suite) testStationTracks(t *testing.T) {
	exclude := map[string]bool{"B0CT000001": true, "B0CT000006": true, "B0CT000007": true}
	run := func(seed string, n int, salt uint64) []catalog.TrackRef {
		got, err := s.cat.StationTracks(ctx, seed, exclude, n, salt, true)
		if err != nil {
			t.Fatalf("StationTracks(%s, %d, %d): %v", seed, n, salt, err)
		}
		return got
	}
	for _, seed := range []string{"B0CT000001", "mrn:1.0:catalog:station:asin:B0CT000001", "B0CA000001", "B0CR000001", "B0CP000003", "B0CP000001"} {
		for _, n := range []int{1, 10, 25} {
			t.Run(fmt.Sprintf("%s/n=%d", seed, n), func(t *testing.T) {
				got := run(seed, n, 7)
				seen, perArtist := map[string]bool{}, map[string]int{}
				var ids []string
				for _, r := range got {
					if exclude[r.TrackID] || seen[r.TrackID] {
						t.Errorf("track %s is excluded or repeated", r.TrackID)
					}
					seen[r.TrackID] = true
					perArtist[r.ArtistID]++
					ids = append(ids, r.TrackID)
				}
				if tr, _ := s.cat.Tracks(ctx, ids); len(got) != n || len(tr) != n {
					t.Fatalf("got %d tracks (%d exist), want %d", len(got), len(tr), n)
				}
				for a, k := range perArtist {
					if k > (n+2)/3 {
						t.Errorf("artist %s has %d of %d tracks, want at most %d", a, k, n, (n+2)/3)
					}
				}
				if again := run(seed, n, 7); !reflect.DeepEqual(again, got) {
					t.Errorf("same salt gave %v then %v", got, again)
				}
				if n > 1 && reflect.DeepEqual(run(seed, n, 8), got) {
					t.Errorf("salts 7 and 8 gave the same tracks %v", got)
				}
			})
		}
	}
	t.Run("Golden", func(t *testing.T) {
		for _, g := range stationGolden {
			got, err := s.cat.StationTracks(ctx, g.seed, idSet(append(s.tracksOf(g.spent), g.exclude...)...), g.n, g.salt, g.unlimited)
			if ids := trackIDs(got); err != nil || !slices.Equal(ids, g.want) {
				t.Errorf("StationTracks(%s, n=%d, salt %d) = %q, %v; want %q", g.seed, g.n, g.salt, ids, err, g.want)
			}
		}
	})
	t.Run("FirstBatchIsSimilar", s.testStationFirstBatch)
	t.Run("NoRepeatsWithinTheHorizon", s.testStationHorizon)
	t.Run("ExhaustedSeed", func(t *testing.T) {
		// BackBeat's tracks are the only ones of their genre and are in no
		// playlist of under 500 entries: once they are all played, the
		// batch comes from the broader pool, still full and reproducible.
		spent := idSet(s.tracksOf("B0CR000009")...)
		var batches [2][]catalog.TrackRef
		for i := range batches {
			got, err := s.cat.StationTracks(ctx, "B0CR000009", spent, 25, 5, true)
			if err != nil || len(got) != 25 {
				t.Fatalf("StationTracks = %d tracks, %v; want 25", len(got), err)
			}
			for _, r := range got {
				if spent[r.TrackID] {
					t.Fatalf("%s was excluded", r.TrackID)
				}
			}
			batches[i] = got
		}
		if !reflect.DeepEqual(batches[0], batches[1]) {
			t.Errorf("the broader pool is not reproducible: %v then %v", batches[0], batches[1])
		}
	})
	t.Run("LimitedTier", func(t *testing.T) {
		for _, unlimited := range []bool{false, true} {
			got, err := s.cat.StationTracks(ctx, "B0CR000022", nil, 25, 3, unlimited) // Led Zeppelin: Unlimited-only
			if err != nil || len(got) != 25 {
				t.Fatalf("StationTracks(unlimited %v) = %d tracks, %v", unlimited, len(got), err)
			}
			some := slices.ContainsFunc(got, func(r catalog.TrackRef) bool { return r.UnlimitedOnly })
			if some != unlimited {
				t.Errorf("unlimited=%v: Unlimited-only tracks among them: %v", unlimited, some)
			}
		}
	})
	_, err := s.cat.StationTracks(ctx, "B0CT999999", nil, 5, 1, true)
	wantCode(t, err, segue.ENotFound)
}

// testStationFirstBatch checks a station's start from AC/DC's first track:
// a third of the batch by AC/DC, and the rest rock or by AC/DC's
// neighbours (the artists of the small playlists AC/DC is in: "Heavy Metal
// Classic"), a fifth of it at most by any one of them.
func (s *suite) testStationFirstBatch(t *testing.T) {
	d := s.data
	byID := map[string]catalog.Track{}
	for _, tr := range d.Tracks {
		byID[tr.ID] = tr
	}
	seed := byID["B0CT000001"]
	neighbours := map[string]bool{}
	for _, p := range d.Playlists {
		if len(p.TrackIDs) > catalog.StationPlaylistMax || !slices.ContainsFunc(p.TrackIDs, func(id string) bool { return byID[id].ArtistID == seed.ArtistID }) {
			continue
		}
		for _, id := range p.TrackIDs {
			neighbours[byID[id].ArtistID] = true
		}
	}
	if len(neighbours) < 5 {
		t.Fatalf("AC/DC has %d neighbours in Chinook; the test expects Heavy Metal Classic's", len(neighbours))
	}
	for salt := range uint64(5) {
		got, err := s.cat.StationTracks(ctx, seed.ID, idSet(seed.ID), 25, salt, true)
		if err != nil || len(got) != 25 {
			t.Fatalf("StationTracks = %d tracks, %v", len(got), err)
		}
		per, near := map[string]int{}, 0
		for _, r := range got {
			per[r.ArtistID]++
			tr := byID[r.TrackID]
			if tr.ArtistID != seed.ArtistID && tr.GenreID != seed.GenreID && !neighbours[tr.ArtistID] {
				t.Errorf("salt %d: %s (%s, genre %s) is neither AC/DC, nor rock, nor a neighbour's", salt, tr.ID, tr.ArtistName, tr.GenreID)
			}
			if tr.ArtistID != seed.ArtistID && neighbours[tr.ArtistID] {
				near++
			}
		}
		if per[seed.ArtistID] != 9 {
			t.Errorf("salt %d: %d of 25 tracks by AC/DC, want a third (9)", salt, per[seed.ArtistID])
		}
		if near < 8 {
			t.Errorf("salt %d: %d tracks by AC/DC's neighbours, want at least 8", salt, near)
		}
		for a, k := range per {
			if a != seed.ArtistID && k > 5 {
				t.Errorf("salt %d: artist %s has %d tracks, want at most a fifth (5)", salt, a, k)
			}
		}
	}
}

// testStationHorizon draws 30 batches of 25 as a station does, excluding
// the latest 500 tracks played (playback.StationHorizon): every batch is
// full and artist-spread, and no track comes back within 500 others.
func (s *suite) testStationHorizon(t *testing.T) {
	const horizon, n = 500, 25
	for _, seed := range []string{"B0CT000001", "B0CP000016"} {
		t.Run(seed, func(t *testing.T) {
			var history []string
			if seed == "B0CT000001" {
				history = append(history, seed) // a station from a track starts with it
			}
			for batch := range 30 {
				recent := history[max(0, len(history)-horizon):]
				got, err := s.cat.StationTracks(ctx, seed, idSet(recent...), n, uint64(batch)*0x9e3779b97f4a7c15, true)
				if err != nil || len(got) != n {
					t.Fatalf("batch %d: %d tracks, %v", batch, len(got), err)
				}
				per := map[string]int{}
				for _, r := range got {
					if slices.Contains(history[max(0, len(history)-horizon):], r.TrackID) {
						t.Fatalf("batch %d repeats %s within the horizon", batch, r.TrackID)
					}
					per[r.ArtistID]++
					history = append(history, r.TrackID)
				}
				for a, k := range per {
					if k > (n+2)/3 {
						t.Errorf("batch %d: artist %s has %d tracks, cap %d", batch, a, k, (n+2)/3)
					}
				}
			}
		})
	}
}

func trackIDs(refs []catalog.TrackRef) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.TrackID
	}
	return out
}

// small is a catalog small enough to know every answer: genre g1 holds
// artist a1's tracks t1, t2 and a2's t3; genre g2 holds a3's t4 and the
// Unlimited-only t5.
func small() *catalog.Data {
	tr := func(id, album, artist, genre string, unlimited bool) catalog.Track {
		return catalog.Track{ID: id, Title: "Song " + id, AlbumID: album, ArtistID: artist, GenreID: genre, DurationMs: 1000,
			Format: "MP3", MediaType: "AUDIO", UnlimitedOnly: unlimited}
	}
	return &catalog.Data{
		Genres:  []catalog.Genre{{ID: "g1", Name: "One"}, {ID: "g2", Name: "Two"}},
		Artists: []catalog.Artist{{ID: "a1", Name: "A1"}, {ID: "a2", Name: "A2"}, {ID: "a3", Name: "A3"}},
		Albums:  []catalog.Album{{ID: "al1", Title: "L1", ArtistID: "a1"}, {ID: "al2", Title: "L2", ArtistID: "a2"}, {ID: "al3", Title: "L3", ArtistID: "a3"}},
		Tracks: []catalog.Track{tr("t2", "al1", "a1", "g1", false), tr("t1", "al1", "a1", "g1", false), tr("t3", "al2", "a2", "g1", false),
			tr("t4", "al3", "a3", "g2", false), tr("t5", "al3", "a3", "g2", true)},
		Playlists: []catalog.Playlist{{ID: "p1", Name: "P", TrackIDs: []string{"t5", "t1", "t5", "t3"}}},
	}
}

// testSmallCatalog loads a small catalog into an empty store.
func (s *suite) testSmallCatalog(t *testing.T) {
	db := s.open(t)
	if n, err := db.CatalogSize(ctx); err != nil || n != 0 {
		t.Fatalf("empty CatalogSize = %d, %v", n, err)
	}
	_, err := db.Resolve(ctx, "t1")
	wantCode(t, err, segue.ENotFound)
	bad := small()
	bad.Tracks = append(bad.Tracks, catalog.Track{ID: "t9", AlbumID: "nope", ArtistID: "a1", Format: "MP3"})
	if err := db.LoadCatalog(ctx, bad); err == nil {
		t.Fatalf("LoadCatalog with a track of no album succeeded")
	}
	if n, err := db.CatalogSize(ctx); err != nil || n != 0 {
		t.Fatalf("a failed LoadCatalog left %d tracks, %v; want none (one transaction)", n, err)
	}
	d := small()
	must(t, db.LoadCatalog(ctx, d))
	if err := db.LoadCatalog(ctx, d); err == nil {
		t.Errorf("loading the catalog twice succeeded")
	}
	if n, err := db.CatalogSize(ctx); err != nil || n != 5 {
		t.Fatalf("CatalogSize = %d, %v; want 5", n, err)
	}
	for in, want := range map[string][]string{
		"al1": {"t2", "t1"}, // album order is the order of loading
		"a3":  {"t4", "t5"},
		"p1":  {"t5", "t1", "t5", "t3"},
	} {
		if it, err := db.Resolve(ctx, in); err != nil || !slices.Equal(trackIDs(it.Tracks), want) {
			t.Errorf("Resolve(%s) = %+v, %v; want tracks %q", in, it, err, want)
		}
	}

	station := func(seed string, exclude map[string]bool, n int, unlimited bool) []string {
		t.Helper()
		got, err := db.StationTracks(ctx, seed, exclude, n, 1, unlimited)
		if err != nil {
			t.Fatalf("StationTracks(%s): %v", seed, err)
		}
		return trackIDs(got)
	}
	// Same artist first, then same genre, then the rest of the catalog.
	for unlimited, rest := range map[bool][]string{false: {"t4"}, true: {"t4", "t5"}} {
		got := station("t1", map[string]bool{"t1": true}, 10, unlimited)
		if len(got) != 2+len(rest) || got[0] != "t2" || got[1] != "t3" || !sameSet(got[2:], rest) {
			t.Errorf("unlimited=%v: station from t1 = %q; want t2, t3, then %q", unlimited, got, rest)
		}
	}
	// At most a third of a batch by one artist while others are left.
	if got := station("mrn:1.0:catalog:station:asin:al1", nil, 2, true); len(got) != 2 || got[0] == got[1] || got[1] != "t3" {
		t.Errorf("station from al1, n=2 = %q; want one of a1's tracks, then t3", got)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
