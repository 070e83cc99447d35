package catalog_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/segue/segue"
	"github.com/segue/segue/catalog"
)

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"São":                  "sao",
		"Antônio Carlos Jobim": "antonio carlos jobim",
		"ÀÁÂÃÄÅ çÇ ÉÊ ñ ü":     "aaaaaa cc ee n u",
		"Beyoncé":              "beyonce",
		"ﬁne":                  "fine", // a ligature
		"Ｒｏｃｋ":                 "rock", // full width
		"Ἀθῆναι":               "αθηναι",
		"й":                    "и", // Cyrillic short i: a base letter and a breve
		"Ørsted straße":        "ørsted straße",
		"AC/DC 90’s":           "ac/dc 90’s",
		"":                     "",
	} {
		if got := catalog.Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestWords(t *testing.T) {
	for in, want := range map[string][]string{
		"Bohemian Rhapsody":         {"bohemian", "rhapsody"},
		"AC/DC":                     {"ac", "dc"},
		"90’s Music":                {"90", "s", "music"},
		"  Não Dá Mais Pra Segurar": {"nao", "da", "mais", "pra", "segurar"},
		`"love" OR NEAR(title:x*`:   {"love", "or", "near", "title", "x"},
		"rock'n'roll, 1.5 ½":        {"rock", "n", "roll", "1", "5", "1", "2"},
		"日本語 テスト":                   {"日本語", "テスト"},
		"!!! ... --":                nil,
	} {
		if got := catalog.Words(in); !slices.Equal(got, want) {
			t.Errorf("Words(%q) = %q, want %q", in, got, want)
		}
	}
	if got := catalog.SearchText("Os Cães", "Ladram: Mas", ""); got != "os caes ladram mas" {
		t.Errorf("SearchText = %q", got)
	}
}

func TestParseKeyword(t *testing.T) {
	q, err := catalog.ParseKeyword("  Bohem-RHAPS ")
	if err != nil || !slices.Equal(q.Words, []string{"bohem", "rhaps"}) || q.Text() != "bohem rhaps" {
		t.Errorf("ParseKeyword = %+v, %v", q, err)
	}
	if _, err := catalog.ParseKeyword(strings.Repeat("é", catalog.MaxKeyword)); err != nil {
		t.Errorf("%d characters: %v", catalog.MaxKeyword, err)
	}
	for name, in := range map[string]string{
		"Empty": "", "Spaces": "   ", "Punctuation": "!?*", "TooLong": strings.Repeat("a", catalog.MaxKeyword+1),
		"NotUTF8": "ab\xffc",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := catalog.ParseKeyword(in); segue.ErrorCode(err) != segue.EBadRequest {
				t.Errorf("ParseKeyword(%q) = %v, want BAD_REQUEST", in, err)
			}
		})
	}
}

func TestParseIDs(t *testing.T) {
	got, err := catalog.ParseIDs("B0CT000002,mrn:1.0:catalog:track:asin:B0CT000001,B0CT000002,mrn:1.0:catalog:album:asin:B0CA000001", catalog.KindTrack)
	if want := []string{"B0CT000002", "B0CT000001"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("ParseIDs = %q, %v; want %q", got, err, want)
	}
	if got, err := catalog.ParseIDs(strings.Repeat("a,", catalog.MaxBatch-1)+"b", catalog.KindAlbum); err != nil || len(got) != 2 {
		t.Errorf("%d ids: %q, %v", catalog.MaxBatch, got, err)
	}
	for _, in := range []string{"", ",", "a,,b", "bad id", "mrn:1.0:catalog:nope:asin:a", strings.Repeat("a,", catalog.MaxBatch) + "a"} {
		if _, err := catalog.ParseIDs(in, catalog.KindTrack); segue.ErrorCode(err) != segue.EBadRequest {
			t.Errorf("ParseIDs(%.30q) = %v, want BAD_REQUEST", in, err)
		}
	}
}

func TestParseKinds(t *testing.T) {
	all := []catalog.Kind{catalog.KindTrack, catalog.KindAlbum, catalog.KindArtist, catalog.KindPlaylist}
	for in, want := range map[string][]catalog.Kind{
		"":                            all,
		"playlist,track":              {catalog.KindTrack, catalog.KindPlaylist},
		"album,album":                 {catalog.KindAlbum},
		"artist,playlist,album,track": all,
	} {
		if got, err := catalog.ParseKinds(in); err != nil || !slices.Equal(got, want) {
			t.Errorf("ParseKinds(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"song", "track,", "Track", "tracks", "station", "genre"} {
		if _, err := catalog.ParseKinds(in); segue.ErrorCode(err) != segue.EBadRequest {
			t.Errorf("ParseKinds(%q) = %v, want BAD_REQUEST", in, err)
		}
	}
}
