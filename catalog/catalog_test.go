package catalog_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/segue/segue"
	"github.com/segue/segue/catalog"
)

func TestParseID(t *testing.T) {
	long := strings.Repeat("A", catalog.MaxIDLength)
	tests := []struct {
		name     string
		in       string
		wantID   string
		wantKind catalog.Kind
	}{
		{"Plain", "B0BS2S4WXN", "B0BS2S4WXN", ""},
		{"PlainWithPunctuation", "a-b_c.9", "a-b_c.9", ""},
		{"PlainAtMaxLength", long, long, ""},
		{"MRNTrack", "mrn:1.0:catalog:track:asin:B0CT000001", "B0CT000001", catalog.KindTrack},
		{"MRNAlbum", "mrn:1.0:catalog:album:asin:B0CA000001", "B0CA000001", catalog.KindAlbum},
		{"MRNArtist", "mrn:1.0:catalog:artist:asin:B0CR000001", "B0CR000001", catalog.KindArtist},
		{"MRNPlaylist", "mrn:1.0:catalog:playlist:asin:B0CP000001", "B0CP000001", catalog.KindPlaylist},
		{"MRNStation", "mrn:1.0:catalog:station:asin:B0CT000001", "B0CT000001", catalog.KindStation},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, kind, err := catalog.ParseID(tt.in)
			if err != nil {
				t.Fatalf("ParseID(%q): %v", tt.in, err)
			}
			if id != tt.wantID || kind != tt.wantKind {
				t.Errorf("ParseID(%q) = %q, %q; want %q, %q", tt.in, id, kind, tt.wantID, tt.wantKind)
			}
		})
	}
}

func TestParseID_Errors(t *testing.T) {
	tests := []struct{ name, in string }{
		{"Empty", ""},
		{"OverMaxLength", strings.Repeat("A", catalog.MaxIDLength+1)},
		{"Space", "B0CT 000001"},
		{"Quote", `B0CT"000001`},
		{"SingleQuote", "B0CT'000001"},
		{"Slash", "B0CT/000001"},
		{"Unicode", "B0CTé00001"},
		{"Colon", "B0CT:000001"},
		{"PlainNamedLikeMRNUppercase", "MRN:1.0:catalog:track:asin:B0CT000001"},
		{"MRNWrongVersion", "mrn:2.0:catalog:track:asin:B0CT000001"},
		{"MRNWrongNamespace", "mrn:1.0:library:track:asin:B0CT000001"},
		{"MRNWrongIDType", "mrn:1.0:catalog:track:isrc:B0CT000001"},
		{"MRNMissingParts", "mrn:1.0:catalog:track:B0CT000001"},
		{"MRNOnlyPrefix", "mrn:"},
		{"MRNEmptyID", "mrn:1.0:catalog:track:asin:"},
		{"MRNEmptyKind", "mrn:1.0:catalog::asin:B0CT000001"},
		{"MRNUnknownKindVideo", "mrn:1.0:catalog:video:asin:B0CT000001"},
		{"MRNGenreKind", "mrn:1.0:catalog:genre:asin:B0CG000001"},
		{"MRNExtraColon", "mrn:1.0:catalog:track:asin:B0CT000001:"},
		{"MRNExtraPart", "mrn:1.0:catalog:track:asin:B0CT:000001"},
		{"MRNBadCharInID", "mrn:1.0:catalog:track:asin:B0CT 000001"},
		{"MRNSlashInID", "mrn:1.0:catalog:track:asin:../etc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, kind, err := catalog.ParseID(tt.in)
			if err == nil {
				t.Fatalf("ParseID(%q) = %q, %q, nil; want an error", tt.in, id, kind)
			}
			if code := segue.ErrorCode(err); code != segue.EBadRequest {
				t.Errorf("ParseID(%q) error code = %s, want %s (%v)", tt.in, code, segue.EBadRequest, err)
			}
			if id != "" || kind != "" {
				t.Errorf("ParseID(%q) returned %q, %q with its error; want empty values", tt.in, id, kind)
			}
		})
	}
}

func mustChinook(t *testing.T) *catalog.Data {
	t.Helper()
	d, err := catalog.Chinook()
	if err != nil {
		t.Fatalf("Chinook: %v", err)
	}
	return d
}

func TestChinook_Counts(t *testing.T) {
	d := mustChinook(t)
	tests := []struct {
		name      string
		got, want int
	}{
		{"Tracks", len(d.Tracks), 3503},
		{"Albums", len(d.Albums), 347},
		{"Artists", len(d.Artists), 275},
		{"Playlists", len(d.Playlists), 18},
		{"Genres", len(d.Genres), 25},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %d, want %d", tt.got, tt.want)
			}
		})
	}
}

func TestChinook_KnownItems(t *testing.T) {
	d := mustChinook(t)
	t.Run("Track1", func(t *testing.T) {
		tr := d.Tracks[0]
		want := catalog.Track{
			ID: "B0CT000001", Title: "For Those About To Rock (We Salute You)",
			AlbumID: "B0CA000001", AlbumTitle: "For Those About To Rock We Salute You",
			ArtistID: "B0CR000001", ArtistName: "AC/DC", GenreID: "B0CG000001",
			Composer: "Angus Young, Malcolm Young, Brian Johnson", DurationMs: 343719,
			Format: "MP3", MediaType: "AUDIO",
		}
		if tr != want {
			t.Errorf("first track =\n%+v\nwant\n%+v", tr, want)
		}
	})
	t.Run("ChinookTrackID", func(t *testing.T) {
		if got := catalog.ChinookTrackID(1); got != "B0CT000001" {
			t.Errorf("ChinookTrackID(1) = %q", got)
		}
		if got := catalog.ChinookTrackID(3503); got != "B0CT003503" {
			t.Errorf("ChinookTrackID(3503) = %q", got)
		}
	})
	t.Run("Artist1", func(t *testing.T) {
		if a := d.Artists[0]; a != (catalog.Artist{ID: "B0CR000001", Name: "AC/DC"}) {
			t.Errorf("first artist = %+v", a)
		}
	})
	t.Run("Playlist1", func(t *testing.T) {
		p := d.Playlists[0]
		if p.ID != "B0CP000001" || len(p.TrackIDs) != 3290 {
			t.Errorf("first playlist = %s with %d tracks, want B0CP000001 with 3290", p.ID, len(p.TrackIDs))
		}
	})
	t.Run("MediaTypes", func(t *testing.T) {
		formats := map[string]int{}
		for _, tr := range d.Tracks {
			formats[tr.Format+"/"+tr.MediaType]++
			if tr.AudioPath != "" {
				t.Errorf("track %s has audio %q; the demo catalog has none", tr.ID, tr.AudioPath)
			}
		}
		for _, f := range []string{"MP3/AUDIO", "AAC/AUDIO", "MP4/VIDEO"} {
			if formats[f] == 0 {
				t.Errorf("no track has format %s (got %v)", f, formats)
			}
		}
		if n := len(formats); n != 3 {
			t.Errorf("format/media combinations = %v, want exactly MP3/AUDIO, AAC/AUDIO, MP4/VIDEO", formats)
		}
	})
}

func TestChinook_Integrity(t *testing.T) {
	d := mustChinook(t)
	prefixes := []struct {
		name string
		re   *regexp.Regexp
		ids  []string
	}{
		{"Tracks", regexp.MustCompile(`^B0CT\d{6}$`), nil},
		{"Albums", regexp.MustCompile(`^B0CA\d{6}$`), nil},
		{"Artists", regexp.MustCompile(`^B0CR\d{6}$`), nil},
		{"Playlists", regexp.MustCompile(`^B0CP\d{6}$`), nil},
		{"Genres", regexp.MustCompile(`^B0CG\d{6}$`), nil},
	}
	genres, artists, albums, tracks := map[string]bool{}, map[string]string{}, map[string]catalog.Album{}, map[string]bool{}
	for _, g := range d.Genres {
		genres[g.ID] = true
		prefixes[4].ids = append(prefixes[4].ids, g.ID)
	}
	for _, a := range d.Artists {
		artists[a.ID] = a.Name
		prefixes[2].ids = append(prefixes[2].ids, a.ID)
	}
	for _, a := range d.Albums {
		albums[a.ID] = a
		prefixes[1].ids = append(prefixes[1].ids, a.ID)
	}
	for _, tr := range d.Tracks {
		tracks[tr.ID] = true
		prefixes[0].ids = append(prefixes[0].ids, tr.ID)
	}
	for _, p := range d.Playlists {
		prefixes[3].ids = append(prefixes[3].ids, p.ID)
	}
	for _, p := range prefixes {
		t.Run("IDs"+p.name, func(t *testing.T) {
			seen := map[string]bool{}
			for _, id := range p.ids {
				if !p.re.MatchString(id) {
					t.Errorf("id %q does not match %s", id, p.re)
				}
				if seen[id] {
					t.Errorf("id %q appears twice", id)
				}
				seen[id] = true
				if got, _, err := catalog.ParseID(id); err != nil || got != id {
					t.Errorf("ParseID(%q) = %q, %v", id, got, err)
				}
			}
		})
	}
	t.Run("TrackReferences", func(t *testing.T) {
		for _, tr := range d.Tracks {
			al, ok := albums[tr.AlbumID]
			if !ok {
				t.Errorf("track %s: album %s does not exist", tr.ID, tr.AlbumID)
				continue
			}
			name, ok := artists[tr.ArtistID]
			if !ok {
				t.Errorf("track %s: artist %s does not exist", tr.ID, tr.ArtistID)
			}
			if al.ArtistID != tr.ArtistID || al.Title != tr.AlbumTitle || name != tr.ArtistName {
				t.Errorf("track %s: album/artist (%s %q, %s %q) disagree with album %+v / artist %q",
					tr.ID, tr.AlbumID, tr.AlbumTitle, tr.ArtistID, tr.ArtistName, al, name)
			}
			if !genres[tr.GenreID] {
				t.Errorf("track %s: genre %s does not exist", tr.ID, tr.GenreID)
			}
			if tr.Title == "" || tr.DurationMs <= 0 {
				t.Errorf("track %s: title %q, duration %d", tr.ID, tr.Title, tr.DurationMs)
			}
		}
	})
	t.Run("AlbumArtists", func(t *testing.T) {
		for _, al := range d.Albums {
			if _, ok := artists[al.ArtistID]; !ok {
				t.Errorf("album %s: artist %s does not exist", al.ID, al.ArtistID)
			}
		}
	})
	t.Run("PlaylistTracks", func(t *testing.T) {
		for _, p := range d.Playlists {
			for _, id := range p.TrackIDs {
				if !tracks[id] {
					t.Errorf("playlist %s: track %s does not exist", p.ID, id)
				}
			}
		}
	})
}
