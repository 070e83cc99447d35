// Package playback is the heart of Segue: playback sessions, their queues
// and the rules that decide what plays now and next (window, next/previous,
// loop, shuffle, inserts, stations), playback events, and the Service that
// loads a session from a Store, applies a rule and saves it in one
// transaction. The rules are pure code over values; nothing here imports a
// database or HTTP package.
package playback

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/segue/segue/catalog"
)

// LoopMode is how the queue repeats.
type LoopMode string

// Loop modes as the API spells them.
const (
	LoopOff LoopMode = "LOOP_OFF"
	LoopOne LoopMode = "LOOP_ONE"
	LoopAll LoopMode = "LOOP_ALL"
)

// Shuffle modes as the API spells them.
const (
	ShuffleOn  = "SHUFFLE_ON"
	ShuffleOff = "SHUFFLE_OFF"
)

// MaxQueueLength is the largest queue a session may hold.
const MaxQueueLength = 100_000

// RestoreWindow is how long a session stays restorable after its last
// activity; after that it answers 404 and is purged.
const RestoreWindow = 30 * 24 * time.Hour

// Session is the state of one playback session, without its entries.
// Entries form two doubly linked lists, the natural order and (while
// shuffle is on) the shuffled order, so that moving and inserting touch a
// constant number of entries whatever the queue's length.
type Session struct {
	ID       string
	UserID   string
	DeviceID string

	Current string // entityReferenceId of the current entry
	Loop    LoopMode
	Shuffle bool
	Station bool // the queue is a station: endless, no previous, no shuffle
	// Autoplay continues with a station when the queue runs out.
	Autoplay bool
	// StationSeed is the catalog id a station grows from (the start track
	// or container); empty for plain queues.
	StationSeed string

	Seed         uint64 // random seed of the session's shuffles and stations
	ShuffleEpoch uint64 // number of times shuffle was turned on

	NatHead, NatTail   string
	ShufHead, ShufTail string
	// UpNextTail is the last entry inserted with queue-next that has not
	// played yet; the next insert goes after it, so inserts stack.
	UpNextTail string

	Length     int    // number of entries
	RefCounter uint64 // entries ever created; names the next entry
	PlaySeq    uint64 // plays so far; orders the entries already played
	// CycleStart is PlaySeq when LOOP_ALL last wrapped: entries played
	// before it count as not yet played in the new pass.
	CycleStart uint64
	Version    int64 // grows on every change

	// Status is what the session's stream is doing.
	Status StreamStatus

	CreatedAt time.Time
	UpdatedAt time.Time
}

// Entry is one element of a session's queue.
type Entry struct {
	Ref      string // entityReferenceId, unique in the session, never reused
	TrackID  string
	ArtistID string // used to spread artists when shuffling

	NatPrev, NatNext   string
	ShufPrev, ShufNext string

	Plays      int    // times the entry became current
	LastPlayed uint64 // Session.PlaySeq when it last became current; 0 = never
	UpNext     bool   // inserted with queue-next and not played yet
}

// TrackRef names a catalog track together with its artist.
type TrackRef = catalog.TrackRef

// Play is one play of an entry: it starts when the entry becomes current.
// Events cite its MetricID.
type Play struct {
	MetricID  string
	UserID    string
	SessionID string
	Ref       string
	TrackID   string
	DeviceID  string
	StartedAt time.Time
	CountedAt time.Time // when it started to count for history; zero until then
}

// MetricID returns the metric id of the n-th play of an entry. It is
// derived, so the id shown for an entry ahead in a window is the one it
// will carry when it plays.
func MetricID(sessionID, ref string, n int) string {
	buf := make([]byte, 0, 128)
	buf = append(buf, "metric:"...)
	buf = append(buf, sessionID...)
	buf = append(buf, ':')
	buf = append(buf, ref...)
	buf = append(buf, ':')
	return hashID(strconv.AppendInt(buf, int64(n), 10))
}

// EntryRef returns the entityReferenceId of the n-th entry created in a
// session.
func EntryRef(sessionID string, n uint64) string {
	buf := make([]byte, 0, 128)
	buf = append(buf, "entry:"...)
	buf = append(buf, sessionID...)
	buf = append(buf, ':')
	return hashID(strconv.AppendUint(buf, n, 10))
}

// hashID formats the first 16 bytes of the SHA-256 of b as a UUID-shaped
// string (version 5 shape). Ids are stored, so the bytes must never
// change: TestIDsStable pins them.
func hashID(b []byte) string {
	h := sha256.Sum256(b)
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], h[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], h[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], h[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], h[8:10])
	out[23] = '-'
	hex.Encode(out[24:36], h[10:16])
	return string(out[:])
}

// Expired reports whether the session has been idle past the restore window.
func (s *Session) Expired(now time.Time) bool {
	return now.Sub(s.UpdatedAt) > RestoreWindow
}

// ShuffleMode returns the session's shuffle mode as the API spells it.
func (s *Session) ShuffleMode() string {
	if s.Shuffle {
		return ShuffleOn
	}
	return ShuffleOff
}
