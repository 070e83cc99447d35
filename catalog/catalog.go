// Package catalog describes the music Segue plays: tracks, albums,
// artists, playlists and genres, the catalog ids clients use for them (plain
// ASIN-like ids or the MRN form), and the importers that fill a store (the
// embedded Chinook demo catalog).
package catalog

import (
	"strings"

	"github.com/segue/segue"
)

// Kind is the kind of a catalog item.
type Kind string

// Kinds of catalog items.
const (
	KindTrack    Kind = "track"
	KindAlbum    Kind = "album"
	KindArtist   Kind = "artist"
	KindPlaylist Kind = "playlist"
	KindStation  Kind = "station"
	KindGenre    Kind = "genre"
)

// Track is a playable track with what a client shows of it.
type Track struct {
	ID         string
	Title      string
	AlbumID    string
	AlbumTitle string
	ArtistID   string
	ArtistName string
	GenreID    string
	Composer   string
	DurationMs int64
	ISRC       string
	Format     string // MP3, AAC, FLAC, ...
	MediaType  string // AUDIO or VIDEO
	AudioPath  string // where the audio file is; empty while there is none
	// UnlimitedOnly: the track is in the Unlimited catalog only.
	UnlimitedOnly bool
	// HasCover: its album has a cover image.
	HasCover bool
}

// TrackRef names a track together with its artist, which is what a queue
// keeps of it.
type TrackRef struct {
	TrackID  string
	ArtistID string
	// UnlimitedOnly: the track is in the Unlimited catalog only (not kept
	// in queues: it is checked when tracks are queued).
	UnlimitedOnly bool
}

// Item is a resolved catalog id: its kind and the tracks it plays, in
// order.
type Item struct {
	Kind   Kind
	ID     string
	Tracks []TrackRef
}

// MaxIDLength bounds the length of a catalog id a client may send.
const MaxIDLength = 200

// ParseID accepts a plain id ("B0BS2S4WXN") or an MRN
// ("mrn:1.0:catalog:track:asin:B0BS2S4WXN") and returns the plain id and,
// for an MRN, the kind it names ("" for a plain id).
func ParseID(s string) (id string, kind Kind, err error) {
	if s == "" {
		return "", "", segue.Errorf(segue.EBadRequest, "empty catalog id")
	}
	if len(s) > MaxIDLength {
		return "", "", segue.Errorf(segue.EBadRequest, "catalog id longer than %d characters", MaxIDLength)
	}
	if strings.HasPrefix(s, "mrn:") {
		p := strings.Split(s, ":")
		if len(p) != 6 || p[1] != "1.0" || p[2] != "catalog" || p[4] != "asin" || p[5] == "" {
			return "", "", segue.Errorf(segue.EBadRequest, "malformed MRN %q: want mrn:1.0:catalog:KIND:asin:ID", s)
		}
		k := Kind(p[3])
		switch k {
		case KindTrack, KindAlbum, KindArtist, KindPlaylist, KindStation:
		default:
			return "", "", segue.Errorf(segue.EBadRequest, "MRN %q names unknown kind %q", s, p[3])
		}
		s, kind = p[5], k
	}
	for _, r := range s {
		if !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return "", "", segue.Errorf(segue.EBadRequest, "catalog id %q has a character other than letters, digits, '-', '_' and '.'", s)
		}
	}
	return s, kind, nil
}
