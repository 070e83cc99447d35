package catalog

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/segue/segue"
)

// AlbumInfo is an album as the browse API shows it: with its artist's
// name, its number of tracks and their total duration.
type AlbumInfo struct {
	Album
	ArtistName string
	TrackCount int
	DurationMs int64
	HasCover   bool // the album has a cover image
}

// ArtistInfo is an artist with the number of its albums.
type ArtistInfo struct {
	Artist
	AlbumCount int
}

// PlaylistInfo is a playlist with its number of entries (a track listed
// twice counts twice) and their total duration.
type PlaylistInfo struct {
	ID, Name   string
	TrackCount int
	DurationMs int64
}

// ArtistDetail is an artist, its albums (by id) and its top tracks.
type ArtistDetail struct {
	Artist    ArtistInfo
	Albums    []AlbumInfo
	TopTracks []Track
}

// TopTracks is how many top tracks ArtistDetail holds at most: an artist's
// tracks ordered by the number of playlists that hold them, then in album
// order.
const TopTracks = 10

// TrackPage is a page of the tracks of an album or a playlist, in its
// order.
type TrackPage struct {
	Tracks []Track
	// Next is the position the next page starts at, or -1 when this page
	// is the last.
	Next int
}

// MaxBatch is how many ids one batch lookup may name.
const MaxBatch = 50

// ParseIDs reads the comma-separated ids of a batch lookup of items of
// kind: plain ids or MRNs. It keeps the first of repeated ids, in order,
// and leaves out MRNs that name another kind (as unknown ids are left
// out). Malformed ids, an empty one, and more than MaxBatch are
// BAD_REQUEST.
func ParseIDs(s string, kind Kind) ([]string, error) {
	if s == "" {
		return nil, segue.Errorf(segue.EBadRequest, "ids: give 1 to %d comma-separated catalog ids", MaxBatch)
	}
	parts := strings.Split(s, ",")
	if len(parts) > MaxBatch {
		return nil, segue.Errorf(segue.EBadRequest, "ids: at most %d ids, got %d", MaxBatch, len(parts))
	}
	seen := map[string]bool{}
	out := make([]string, 0, len(parts))
	for i, p := range parts {
		id, k, err := ParseID(p)
		if err != nil {
			return nil, segue.Errorf(segue.EBadRequest, "ids[%d]: %s", i, segue.ErrorMessage(err))
		}
		if (k == "" || k == kind) && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out, nil
}

// Fold returns s lower-cased and without accents, for search: "Antônio"
// becomes "antonio" and "São" "sao". It decomposes s (NFKD, which also
// splits ligatures such as "ﬁ") and drops the combining marks (Mn). Both
// stores index and query folded text, so they match alike.
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFKD.String(s) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// Words returns the words of s for search: runs of letters and digits of
// Fold(s); everything else separates them ("AC/DC" is "ac", "dc").
func Words(s string) []string {
	return strings.FieldsFunc(Fold(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
}

// SearchText returns the words of the given texts joined by single
// spaces: what a store indexes of an item.
func SearchText(texts ...string) string {
	var all []string
	for _, t := range texts {
		all = append(all, Words(t)...)
	}
	return strings.Join(all, " ")
}

// MaxKeyword bounds the length of a search keyword, in characters.
const MaxKeyword = 200

// Query is a parsed search keyword. An item matches when each of its
// words begins a word of the item's indexed text (title, and for a track
// its artist and album, for an album its artist), so that a query typed
// halfway ("bohem rhaps") finds "Bohemian Rhapsody". Items whose whole
// title is the query come first, then the stores' full-text rank.
type Query struct {
	// Words are the folded words of the keyword, each matched as a prefix.
	Words []string
}

// Text is the query's words joined by single spaces: the indexed title of
// an item whose title is exactly the query.
func (q Query) Text() string { return strings.Join(q.Words, " ") }

// ParseKeyword reads a search keyword: 1 to MaxKeyword characters, with
// at least one letter or digit.
func ParseKeyword(s string) (Query, error) {
	if s == "" {
		return Query{}, segue.Errorf(segue.EBadRequest, "keyword: required")
	}
	if !utf8.ValidString(s) {
		return Query{}, segue.Errorf(segue.EBadRequest, "keyword: not valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > MaxKeyword {
		return Query{}, segue.Errorf(segue.EBadRequest, "keyword: at most %d characters, got %d", MaxKeyword, n)
	}
	w := Words(s)
	if len(w) == 0 {
		return Query{}, segue.Errorf(segue.EBadRequest, "keyword: has no letters or digits")
	}
	return Query{Words: w}, nil
}

// ParseKinds reads the comma-separated kinds a search asks for ("track",
// "album", "artist", "playlist"); an empty s means all four. The kinds
// come back in that order, each once.
func ParseKinds(s string) ([]Kind, error) {
	all := []Kind{KindTrack, KindAlbum, KindArtist, KindPlaylist}
	if s == "" {
		return all, nil
	}
	want := map[Kind]bool{}
	for _, p := range strings.Split(s, ",") {
		k := Kind(p)
		switch k {
		case KindTrack, KindAlbum, KindArtist, KindPlaylist:
			want[k] = true
		default:
			return nil, segue.Errorf(segue.EBadRequest, "types: unknown type %q; use track, album, artist, playlist", truncate(p, 20))
		}
	}
	var out []Kind
	for _, k := range all {
		if want[k] {
			out = append(out, k)
		}
	}
	return out, nil
}

// truncate shortens s to n characters for a message.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) > n {
		return string([]rune(s)[:n]) + "…"
	}
	return s
}

// ByID indexes items by their id.
func ByID[T any](list []T, id func(T) string) map[string]T {
	out := make(map[string]T, len(list))
	for _, v := range list {
		out[id(v)] = v
	}
	return out
}
