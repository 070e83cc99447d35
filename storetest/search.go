package storetest

import (
	"slices"
	"strings"
	"testing"

	"github.com/segue/segue/catalog"
)

// searchItem is an item of a catalog as a search sees it.
type searchItem struct {
	kind         catalog.Kind
	id, title    string
	words, about []string
}

// searchItems lists what a store indexes of each item of d: its title,
// and for a track its artist and album, for an album its artist.
func searchItems(d *catalog.Data) []searchItem {
	artist := map[string]string{}
	for _, a := range d.Artists {
		artist[a.ID] = a.Name
	}
	var out []searchItem
	add := func(kind catalog.Kind, id, title string, about ...string) {
		out = append(out, searchItem{kind, id, catalog.SearchText(title), catalog.Words(title), catalog.Words(strings.Join(about, " "))})
	}
	for _, t := range d.Tracks {
		add(catalog.KindTrack, t.ID, t.Title, t.ArtistName, t.AlbumTitle)
	}
	for _, a := range d.Albums {
		add(catalog.KindAlbum, a.ID, a.Title, artist[a.ArtistID])
	}
	for _, a := range d.Artists {
		add(catalog.KindArtist, a.ID, a.Name)
	}
	for _, p := range d.Playlists {
		add(catalog.KindPlaylist, p.ID, p.Name)
	}
	return out
}

// reference is what every store must find: the items of kind each of
// whose query words begins one of their words, in id order; and those
// whose title is the query.
func reference(items []searchItem, kind catalog.Kind, q catalog.Query) (match, exact []string) {
	for _, it := range items {
		if it.kind != kind {
			continue
		}
		words := append(slices.Clone(it.words), it.about...)
		all := true
		for _, w := range q.Words {
			all = all && slices.ContainsFunc(words, func(v string) bool { return strings.HasPrefix(v, w) })
		}
		if all {
			match = append(match, it.id)
		}
		if it.title == q.Text() {
			exact = append(exact, it.id)
		}
	}
	return match, exact
}

func parse(t *testing.T, keyword string) catalog.Query {
	t.Helper()
	q, err := catalog.ParseKeyword(keyword)
	if err != nil {
		t.Fatalf("ParseKeyword(%q): %v", keyword, err)
	}
	return q
}

// search returns every match, best first.
func search(t *testing.T, db Store, kind catalog.Kind, keyword string) []string {
	t.Helper()
	got, more, err := db.Search(ctx, kind, parse(t, keyword), 0, 100000)
	if err != nil || more {
		t.Fatalf("Search(%s, %q) = %d ids, more %v, %v", kind, keyword, len(got), more, err)
	}
	return got
}

var searchKinds = []catalog.Kind{catalog.KindTrack, catalog.KindAlbum, catalog.KindArtist, catalog.KindPlaylist}

// testSearch checks the full-text search of the Chinook catalog: the
// store finds exactly what the reference finds (so both stores find the
// same items), exact titles first, by prefixes and without accents.
func (s *suite) testSearch(t *testing.T) {
	items := searchItems(s.data)
	t.Run("SameAsReference", func(t *testing.T) {
		for _, kw := range []string{"rock", "love", "bohem rhaps", "antonio jobim", "nao", "ac/dc", "the", "são", "greatest hits",
			"iron", "o", "90’s", "Beethoven", "x", "LED zep", "don't", "2", "mais pra", "coração", "zzzqqq", `"love" OR title:x*`} {
			q := parse(t, kw)
			for _, kind := range searchKinds {
				want, exact := reference(items, kind, q)
				got := search(t, s.cat, kind, kw)
				if sorted := slices.Sorted(slices.Values(got)); !slices.Equal(sorted, want) {
					t.Errorf("%s %q: found %d %q, want %d %q", kind, kw, len(got), got, len(want), want)
					continue
				}
				if first := slices.Sorted(slices.Values(got[:len(exact)])); !slices.Equal(first, exact) {
					t.Errorf("%s %q: first %q, want the exact titles %q first", kind, kw, got[:len(exact)], exact)
				}
			}
		}
	})
	t.Run("ExactTitleFirst", func(t *testing.T) {
		for _, c := range []struct {
			kind    catalog.Kind
			keyword string
			exact   int    // how many titles are the keyword
			others  int    // at least how many other items match
			first   string // one of the exact titles
		}{
			{catalog.KindTrack, "Iron Maiden", 5, 200, ""}, // before the other tracks of Iron Maiden
			{catalog.KindTrack, "bohemian rhapsody", 1, 0, "B0CT002254"},
			{catalog.KindAlbum, "Greatest Hits", 1, 6, "B0CA000141"}, // before "Greatest Hits I", "II", ...
			{catalog.KindArtist, "Santana", 1, 8, "B0CR000059"},      // before "Santana Feat. ..."
			{catalog.KindPlaylist, "music", 2, 3, "B0CP000001"},      // before "Music Videos", "90’s Music", ...
		} {
			got := search(t, s.cat, c.kind, c.keyword)
			_, exact := reference(items, c.kind, parse(t, c.keyword))
			if len(exact) != c.exact || len(got) < c.exact+c.others {
				t.Fatalf("%s %q: %d exact titles among %d matches; want %d and %d more", c.kind, c.keyword, len(exact), len(got), c.exact, c.others)
			}
			if !sameSet(got[:c.exact], exact) || c.first != "" && !slices.Contains(got[:c.exact], c.first) {
				t.Errorf("%s %q: first %q, want %q (with %s)", c.kind, c.keyword, got[:c.exact], exact, c.first)
			}
		}
	})
	t.Run("PrefixAndAccents", func(t *testing.T) {
		for _, c := range []struct {
			kind    catalog.Kind
			keyword string
			first   string
		}{
			{catalog.KindTrack, "bohem rhaps", "B0CT002254"},    // Bohemian Rhapsody
			{catalog.KindArtist, "antonio jobim", "B0CR000006"}, // Antônio Carlos Jobim
			{catalog.KindArtist, "ANTÔNIO CARLOS JOBIM", "B0CR000006"},
			{catalog.KindTrack, "são lucas", "B0CT000373"},        // Sao Lucas 2001
			{catalog.KindTrack, "agua de beb", "B0CT000379"},      // Água de Beber
			{catalog.KindAlbum, "caes ladram", "B0CA000184"},      // Os Cães Ladram Mas A Caravana Não Pára
			{catalog.KindPlaylist, "heavy metal c", "B0CP000017"}, // Heavy Metal Classic
		} {
			if got := search(t, s.cat, c.kind, c.keyword); len(got) == 0 || got[0] != c.first {
				t.Errorf("%s %q = %q, want %s first", c.kind, c.keyword, got, c.first)
			}
		}
	})
	t.Run("Paging", func(t *testing.T) {
		q := parse(t, "love")
		all := search(t, s.cat, catalog.KindTrack, "love")
		var paged []string
		for offset := 0; ; offset += 7 {
			ids, more, err := s.cat.Search(ctx, catalog.KindTrack, q, offset, 7)
			if err != nil || len(ids) > 7 || more && len(ids) != 7 {
				t.Fatalf("Search(offset %d) = %q, %v, %v", offset, ids, more, err)
			}
			paged = append(paged, ids...)
			if !more {
				break
			}
		}
		if len(all) < 20 || !slices.Equal(paged, all) {
			t.Errorf("paged by 7: %q; all at once: %q", paged, all)
		}
		if ids, more, err := s.cat.Search(ctx, catalog.KindTrack, q, len(all), 5); err != nil || len(ids) != 0 || more {
			t.Errorf("past the end: %q, %v, %v", ids, more, err)
		}
	})
	t.Run("SmallCatalog", s.testSearchSmall)
}

// accented is a small catalog of accents, ligatures and words the search
// syntaxes of the stores would read as operators.
func accented() *catalog.Data {
	tr := func(id, title, album, artist string, ms int64) catalog.Track {
		return catalog.Track{ID: id, Title: title, AlbumID: album, ArtistID: artist, DurationMs: ms, Format: "MP3", MediaType: "AUDIO"}
	}
	return &catalog.Data{
		Artists: []catalog.Artist{{ID: "a1", Name: "Antônio Carlos Jobim"}, {ID: "a2", Name: "Sigur Rós"}, {ID: "a3", Name: "Beyoncé"}},
		Albums: []catalog.Album{{ID: "al1", Title: "São Paulo Nights", ArtistID: "a1"}, {ID: "al2", Title: "Ágætis byrjun", ArtistID: "a2"},
			{ID: "al3", Title: "ﬁne Things", ArtistID: "a3"}},
		Tracks: []catalog.Track{tr("t1", "Ça plane pour moi", "al1", "a1", 1000), tr("t2", "Svefn-g-englar", "al2", "a2", 2000),
			tr("t3", "Crazy in Love", "al3", "a3", 3000), tr("t4", "Love", "al3", "a3", 4000), tr("t5", "Lovely Day (NOT OR AND)", "al1", "a1", 5000)},
		Playlists: []catalog.Playlist{{ID: "p1", Name: "Naïve Mélodie", TrackIDs: []string{"t4", "t1", "t4", "t2"}}, {ID: "p2", Name: "Empty"}},
	}
}

// testSearchSmall loads the accented catalog into a fresh store.
func (s *suite) testSearchSmall(t *testing.T) {
	db := s.open(t)
	if got := search(t, db, catalog.KindTrack, "love"); len(got) != 0 {
		t.Fatalf("an empty store found %q", got)
	}
	d := accented()
	must(t, db.LoadCatalog(ctx, d))
	items := searchItems(d)
	check := func(t *testing.T, db Store) {
		for _, c := range []struct {
			kind    catalog.Kind
			keyword string
			want    []string // in id order
		}{
			{catalog.KindAlbum, "sao", []string{"al1"}},
			{catalog.KindAlbum, "SÃO PAULO", []string{"al1"}},
			{catalog.KindAlbum, "agætis", []string{"al2"}},
			{catalog.KindAlbum, "fine", []string{"al3"}},
			{catalog.KindAlbum, "beyonce", []string{"al3"}},
			{catalog.KindArtist, "sigur ros", []string{"a2"}},
			{catalog.KindArtist, "love", nil},
			{catalog.KindPlaylist, "naive melodie", []string{"p1"}},
			{catalog.KindTrack, "ca plane", []string{"t1"}},
			{catalog.KindTrack, "love", []string{"t3", "t4", "t5"}}, // "Love" (t4) first
			{catalog.KindTrack, "not or and", []string{"t5"}},
			{catalog.KindTrack, `NEAR("love" *`, nil},
			{catalog.KindTrack, "svefn g englar", []string{"t2"}},
		} {
			got := search(t, db, c.kind, c.keyword)
			want, exact := reference(items, c.kind, parse(t, c.keyword))
			if !slices.Equal(want, c.want) || !sameSet(got, want) || len(exact) > 0 && !slices.Contains(exact, got[0]) {
				t.Errorf("%s %q = %q, want %q with the exact titles %q first", c.kind, c.keyword, got, c.want, exact)
			}
		}
	}
	check(t, db)
	must(t, db.IndexCatalog(ctx)) // up to date: nothing changes
	check(t, db)

	p, err := db.Playlists(ctx, []string{"p1", "p2"})
	if err != nil || p["p1"] != (catalog.PlaylistInfo{ID: "p1", Name: "Naïve Mélodie", TrackCount: 4, DurationMs: 11000}) ||
		p["p2"] != (catalog.PlaylistInfo{ID: "p2", Name: "Empty"}) {
		t.Errorf("Playlists = %+v, %v", p, err)
	}
	for id, want := range map[string][]string{"p1": {"t4", "t1", "t4", "t2"}, "p2": nil, "al1": {"t1", "t5"}} {
		kind := catalog.KindPlaylist
		if strings.HasPrefix(id, "al") {
			kind = catalog.KindAlbum
		}
		for _, limit := range []int{1, 2, 3, 10} {
			if got := s.allTracks(t, db, kind, id, limit); !slices.Equal(got, want) {
				t.Errorf("tracks of %s by %d = %q, want %q", id, limit, got, want)
			}
		}
	}
	a, err := db.ArtistDetail(ctx, "a1")
	if err != nil || a.Artist.AlbumCount != 1 || len(a.Albums) != 1 || a.Albums[0].DurationMs != 6000 || !slices.Equal(idsOf(a.TopTracks), []string{"t1", "t5"}) {
		t.Errorf("ArtistDetail(a1) = %+v, %v", a, err)
	}
}
