package sqlite

import (
	"unsafe"

	"github.com/segue/segue/playback"
)

// entrySet is some entries of one session as the session cache keeps
// them: in two allocations that hold no pointers, so that the garbage
// collector does not look inside them. The cache holds up to 20,000
// sessions of up to 16 entries each; kept as maps of playback.Entry they
// were most of the server's live heap (28 of 33 MB with 10,000 cached
// sessions), and every collection followed each of their eight strings
// per entry. An entrySet is never changed once built, so the strings it
// hands out point into its text. A nil *entrySet holds no entries.
type entrySet struct {
	text []byte        // the entries' strings, one after another
	es   []packedEntry // in the order they were given
}

// span names a string in an entrySet's text.
type span struct{ off, n uint32 }

// packedEntry is a playback.Entry whose strings are spans.
type packedEntry struct {
	ref, track, artist span
	natPrev, natNext   span
	shufPrev, shufNext span
	plays              int
	lastPlayed         uint64
	upNext             bool
}

// packEntries packs es, which must not repeat a Ref. It returns nil for
// none, and for more than maxCachedEntries: the cache keeps no entries of
// such a session.
func packEntries(es []playback.Entry) *entrySet {
	if len(es) > maxCachedEntries {
		return nil
	}
	return packWith(es, nil)
}

// packWith packs es, which must not repeat a Ref and hold at most
// maxCachedEntries, then those of base whose Ref es lacks while there is
// room. It allocates the set's text and entries once, at their size.
func packWith(es []playback.Entry, base *entrySet) *entrySet {
	n, size := len(es), 0
	for i := range es {
		e := &es[i]
		size += len(e.Ref) + len(e.TrackID) + len(e.ArtistID) + len(e.NatPrev) + len(e.NatNext) + len(e.ShufPrev) + len(e.ShufNext)
	}
	var fromBase uint32 // bit i: base's entry i is kept
	for i := range base.len() {
		if n >= maxCachedEntries {
			break
		}
		p := &base.es[i]
		if listHas(es, base.str(p.ref)) {
			continue
		}
		fromBase |= 1 << i
		n++
		size += int(p.ref.n + p.track.n + p.artist.n + p.natPrev.n + p.natNext.n + p.shufPrev.n + p.shufNext.n)
	}
	if n == 0 {
		return nil
	}
	s := &entrySet{text: make([]byte, 0, size), es: make([]packedEntry, 0, n)}
	for i := range es {
		e := &es[i]
		s.es = append(s.es, packedEntry{
			ref: s.put(e.Ref), track: s.put(e.TrackID), artist: s.put(e.ArtistID),
			natPrev: s.put(e.NatPrev), natNext: s.put(e.NatNext),
			shufPrev: s.put(e.ShufPrev), shufNext: s.put(e.ShufNext),
			plays: e.Plays, lastPlayed: e.LastPlayed, upNext: e.UpNext,
		})
	}
	for i := range base.len() {
		if fromBase&(1<<i) == 0 {
			continue
		}
		p := &base.es[i]
		s.es = append(s.es, packedEntry{
			ref: s.put(base.str(p.ref)), track: s.put(base.str(p.track)), artist: s.put(base.str(p.artist)),
			natPrev: s.put(base.str(p.natPrev)), natNext: s.put(base.str(p.natNext)),
			shufPrev: s.put(base.str(p.shufPrev)), shufNext: s.put(base.str(p.shufNext)),
			plays: p.plays, lastPlayed: p.lastPlayed, upNext: p.upNext,
		})
	}
	return s
}

// fromBase in packWith has a bit for each entry a set may hold.
var _ [32 - maxCachedEntries]struct{}

// put appends v to the text of a set being built, whose capacity the
// builder sized, and returns its span.
func (s *entrySet) put(v string) span {
	sp := span{uint32(len(s.text)), uint32(len(v))}
	s.text = append(s.text, v...)
	return sp
}

// len is the number of entries.
func (s *entrySet) len() int {
	if s == nil {
		return 0
	}
	return len(s.es)
}

// str is the string sp names; it shares the set's text, which no one
// changes.
func (s *entrySet) str(sp span) string {
	if sp.n == 0 {
		return ""
	}
	return unsafe.String(&s.text[sp.off], sp.n)
}

// at is the i-th entry.
func (s *entrySet) at(i int) playback.Entry {
	p := &s.es[i]
	return playback.Entry{
		Ref: s.str(p.ref), TrackID: s.str(p.track), ArtistID: s.str(p.artist),
		NatPrev: s.str(p.natPrev), NatNext: s.str(p.natNext),
		ShufPrev: s.str(p.shufPrev), ShufNext: s.str(p.shufNext),
		Plays: p.plays, LastPlayed: p.lastPlayed, UpNext: p.upNext,
	}
}

// index is the position of the entry ref, or -1.
func (s *entrySet) index(ref string) int {
	if s == nil {
		return -1
	}
	for i := range s.es {
		if s.str(s.es[i].ref) == ref {
			return i
		}
	}
	return -1
}

// get returns the entry ref, if the set has it.
func (s *entrySet) get(ref string) (playback.Entry, bool) {
	i := s.index(ref)
	if i < 0 {
		return playback.Entry{}, false
	}
	return s.at(i), true
}

// entryList gathers up to maxCachedEntries+1 distinct entries, a later
// one of a Ref replacing the earlier, to pack them.
type entryList struct {
	es   []playback.Entry
	over bool // more than maxCachedEntries were put
}

// set puts e, replacing an entry of the same Ref.
func (l *entryList) set(e playback.Entry) {
	if l.over {
		return
	}
	for i := range l.es {
		if l.es[i].Ref == e.Ref {
			l.es[i] = e
			return
		}
	}
	if len(l.es) == maxCachedEntries {
		l.over, l.es = true, nil
		return
	}
	if l.es == nil {
		// Most operations read or change a few: one allocation for them.
		l.es = make([]playback.Entry, 0, 4)
	}
	l.es = append(l.es, e)
}

// listHas reports whether es holds an entry of Ref ref.
func listHas(es []playback.Entry, ref string) bool {
	for i := range es {
		if es[i].Ref == ref {
			return true
		}
	}
	return false
}
