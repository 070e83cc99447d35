package catalog

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

const goodImport = `{
	"genres": [{"id": "G1", "name": "Jazz"}],
	"artists": [{"id": "AR1", "name": "Nina"}],
	"albums": [{"id": "AL1", "title": "First", "artistId": "AR1"}],
	"tracks": [
		{"id": "T1", "title": "One", "albumId": "AL1", "genreId": "G1", "durationMs": 1000, "isrc": "USRC17607839", "format": "FLAC"},
		{"id": "T2", "title": "Two", "albumId": "AL1", "artistId": "AR1", "durationMs": 2000, "format": "MP4", "unlimitedOnly": true},
		{"id": "T3", "title": "Three", "albumId": "B0CA000001", "durationMs": 3000}
	],
	"playlists": [{"id": "P1", "name": "Mix", "trackIds": ["T1", "T2", "B0CT000001", "T1"]}]
}`

func TestParseImport(t *testing.T) {
	d, err := ParseImport(strings.NewReader(goodImport))
	if err != nil {
		t.Fatal(err)
	}
	want := []Track{
		{ID: "T1", Title: "One", AlbumID: "AL1", GenreID: "G1", DurationMs: 1000, ISRC: "USRC17607839", Format: "FLAC", MediaType: "AUDIO"},
		{ID: "T2", Title: "Two", AlbumID: "AL1", ArtistID: "AR1", DurationMs: 2000, Format: "MP4", MediaType: "VIDEO", UnlimitedOnly: true},
		{ID: "T3", Title: "Three", AlbumID: "B0CA000001", DurationMs: 3000, Format: "MP3", MediaType: "AUDIO"},
	}
	if !reflect.DeepEqual(d.Tracks, want) {
		t.Errorf("tracks = %+v\nwant %+v", d.Tracks, want)
	}
	if len(d.Genres) != 1 || len(d.Artists) != 1 || len(d.Albums) != 1 || len(d.Playlists) != 1 || len(d.Playlists[0].TrackIDs) != 4 {
		t.Errorf("data = %+v", d)
	}
	refs := ExternalRefs(d)
	wantRefs := []Ref{
		{KindAlbum, "B0CA000001", "tracks[2]", "albumId"},
		{KindTrack, "B0CT000001", "playlists[0]", "trackIds[2]"},
	}
	if !reflect.DeepEqual(refs, wantRefs) {
		t.Errorf("ExternalRefs = %+v, want %+v", refs, wantRefs)
	}
	probs, err := MissingRefs(refs, func(k Kind, id string) (bool, error) { return k == KindTrack, nil })
	if err != nil || len(probs) != 1 || probs[0].String() != "tracks[2].albumId: no album B0CA000001 in the file or the catalog" {
		t.Errorf("MissingRefs = %v, %v", probs, err)
	}
	if d, err := ParseImport(strings.NewReader(`{}`)); err != nil || len(d.Tracks) != 0 {
		t.Errorf("empty catalog: %+v, %v", d, err)
	}
}

func TestParseImport_Problems(t *testing.T) {
	long := strings.Repeat("é", MaxImportName+1)
	tests := []struct {
		name, in string
		want     []string
	}{
		{"NotJSON", `{"tracks": [`, []string{"file: incomplete JSON"}},
		{"Syntax", "{\n\"tracks\": [}", []string{"file: line 2: invalid JSON: invalid character '}' looking for beginning of value"}},
		{"UnknownTop", `{"songs": []}`, []string{"file.songs: unknown field"}},
		{"UnknownField", `{"tracks": [{"id": "T1", "length": 3}]}`, []string{"file.length: unknown field"}},
		{"WrongType", `{"tracks": [{"id": "T1", "durationMs": "3"}]}`, []string{"file.tracks.durationMs: line 1: must be a JSON integer, not string"}},
		{"Trailing", `{} {}`, []string{"file: more data after the catalog object"}},
		{"IDs", `{"artists": [{"name": "a"}, {"id": "", "name": "b"}, {"id": "a b", "name": "c"},
			{"id": "mrn:1.0:catalog:artist:asin:X", "name": "d"}, {"id": "` + strings.Repeat("x", 201) + `", "name": "e"}]}`, []string{
			"artists[0].id: required", "artists[1].id: required",
			"artists[2].id: must be 1–200 letters, digits, '-', '_' or '.'",
			"artists[3].id: must be a plain id, not an MRN",
			"artists[4].id: must be 1–200 letters, digits, '-', '_' or '.'",
		}},
		{"Duplicates", `{"genres": [{"id": "X", "name": "g"}], "artists": [{"id": "A", "name": "a"}, {"id": "A", "name": "b"}],
			"albums": [{"id": "X", "title": "t", "artistId": "A"}]}`, []string{
			"artists[1].id: duplicate id, already used by artists[0]",
			"albums[0].id: duplicate id, already used by genres[0]",
		}},
		{"Names", `{"genres": [{"id": "G", "name": " "}], "albums": [{"id": "AL", "title": "` + long + `", "artistId": "A"}],
			"playlists": [{"id": "P"}]}`, []string{
			"genres[0].name: required", "albums[0].title: longer than 500 characters", "playlists[0].name: required",
		}},
		{"Tracks", `{"tracks": [
			{"id": "T0", "title": "a", "albumId": "AL", "durationMs": 1},
			{"id": "T1", "title": "b", "albumId": "AL"},
			{"id": "T2", "title": "c", "albumId": "AL", "durationMs": -5},
			{"id": "T3", "title": "d", "albumId": "AL", "durationMs": 86400001},
			{"id": "T4", "title": "e", "albumId": "AL", "durationMs": 1, "format": "mp3"},
			{"id": "T5", "title": "f", "albumId": "AL", "durationMs": 1, "isrc": "US-RC1-76-07839"},
			{"id": "T6", "title": "g", "durationMs": 1, "artistId": "bad id", "genreId": "mrn:1.0:catalog:track:asin:G"}
		]}`, []string{
			"tracks[1].durationMs: must be positive",
			"tracks[2].durationMs: must be positive",
			"tracks[3].durationMs: must be at most 86400000 (24 hours)",
			"tracks[4].format: must be one of MP3, AAC, FLAC, OPUS, MP4",
			"tracks[5].isrc: must be 12 characters: 2 letters, 3 letters or digits, 7 digits (e.g. USRC17607839)",
			"tracks[6].albumId: required",
			"tracks[6].artistId: must be 1–200 letters, digits, '-', '_' or '.'",
			"tracks[6].genreId: must be a plain id, not an MRN",
		}},
		{"PlaylistTracks", `{"playlists": [{"id": "P", "name": "p", "trackIds": ["T1", "", "x y"]}]}`, []string{
			"playlists[0].trackIds[1]: required",
			"playlists[0].trackIds[2]: must be 1–200 letters, digits, '-', '_' or '.'",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseImport(strings.NewReader(tt.in))
			var ie *ImportError
			if !errors.As(err, &ie) {
				t.Fatalf("ParseImport = %+v, %v; want an *ImportError", d, err)
			}
			var got []string
			for _, p := range ie.Problems {
				got = append(got, p.String())
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestParseImport_Limits(t *testing.T) {
	big := `{"genres": [` + strings.Repeat(`{"id":"G","name":"g"},`, MaxImportBytes/20) + `]}`
	_, err := ParseImport(strings.NewReader(big))
	if err == nil || !strings.Contains(err.Error(), "file: larger than 64 MiB") {
		t.Errorf("big file: %v", err)
	}
	many := `{"playlists": [{"id": "P", "name": "p", "trackIds": [` + strings.Repeat(`"T",`, MaxImportRecords) + `"T"]}]}`
	_, err = ParseImport(strings.NewReader(many))
	if err == nil || !strings.Contains(err.Error(), "more than 1000000") {
		t.Errorf("many records: %v", err)
	}
}
