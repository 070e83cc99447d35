package sqlite

import (
	"fmt"
	"reflect"
	"runtime"
	"testing"

	"github.com/segue/segue/playback"
)

// hasPointers reports whether a value of t holds a pointer the garbage
// collector would follow.
func hasPointers(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return false
	case reflect.Array:
		return t.Len() > 0 && hasPointers(t.Elem())
	case reflect.Struct:
		for i := range t.NumField() {
			if hasPointers(t.Field(i).Type) {
				return true
			}
		}
		return false
	}
	return true
}

// TestEntrySetHoldsNoPointers pins why entrySet exists: its two
// allocations are not scanned by the garbage collector.
func TestEntrySetHoldsNoPointers(t *testing.T) {
	for _, typ := range []reflect.Type{reflect.TypeFor[packedEntry](), reflect.TypeFor[byte]()} {
		if hasPointers(typ) {
			t.Errorf("%v holds pointers", typ)
		}
	}
	if !hasPointers(reflect.TypeFor[playback.Entry]()) {
		t.Fatal("hasPointers misses the strings of playback.Entry")
	}
}

func testEntries(n int) []playback.Entry {
	es := make([]playback.Entry, n)
	for i := range es {
		es[i] = playback.Entry{
			Ref: fmt.Sprintf("r%d", i), TrackID: fmt.Sprintf("track-%d", i*7), ArtistID: fmt.Sprintf("a%d", i%3),
			NatPrev: fmt.Sprintf("r%d", i-1), NatNext: fmt.Sprintf("r%d", i+1),
			Plays: i, LastPlayed: uint64(i * 11), UpNext: i%2 == 0,
		}
		if i%4 == 1 {
			es[i].ShufPrev, es[i].ShufNext = "r0", fmt.Sprintf("r%d", n-1)
		}
	}
	es[0].NatPrev = "" // an empty string, as at the head of a queue
	return es
}

func TestEntrySetRoundTrip(t *testing.T) {
	es := testEntries(maxCachedEntries)
	s := packEntries(es)
	// The strings must not depend on what they were copied from.
	for i := range es {
		es[i].TrackID = "changed"
	}
	runtime.GC()
	want := testEntries(maxCachedEntries)
	if s.len() != len(want) {
		t.Fatalf("len %d, want %d", s.len(), len(want))
	}
	for i, w := range want {
		if got := s.at(i); got != w {
			t.Errorf("at(%d) = %+v, want %+v", i, got, w)
		}
		if got, ok := s.get(w.Ref); !ok || got != w {
			t.Errorf("get(%s) = %+v, %v, want %+v", w.Ref, got, ok, w)
		}
	}
	for _, ref := range []string{"", "r", "r16", "x0"} {
		if e, ok := s.get(ref); ok {
			t.Errorf("get(%q) found %+v", ref, e)
		}
	}
}

func TestPackEntriesBounds(t *testing.T) {
	if s := packEntries(nil); s != nil || s.len() != 0 {
		t.Errorf("none: %+v", s)
	}
	if s := packEntries(testEntries(maxCachedEntries + 1)); s != nil {
		t.Errorf("%d entries packed; the cache keeps at most %d", s.len(), maxCachedEntries)
	}
	var none *entrySet
	if _, ok := none.get("r0"); ok || none.index("r0") != -1 {
		t.Error("a nil set has an entry")
	}
	if s := packEntries([]playback.Entry{{}}); s.len() != 1 || s.at(0) != (playback.Entry{}) {
		t.Errorf("an entry of empty strings: %+v", s)
	}
}

func TestEntryList(t *testing.T) {
	var l entryList
	es := testEntries(maxCachedEntries)
	for _, e := range es {
		l.set(e)
	}
	again := es[3]
	again.Plays = 99
	l.set(again) // replaces, does not add
	if len(l.es) != maxCachedEntries || l.over || l.es[3].Plays != 99 || !listHas(l.es, "r3") || listHas(l.es, "r99") {
		t.Fatalf("after replacing: over %v, %d entries, r3 %+v", l.over, len(l.es), l.es[3])
	}
	l.set(playback.Entry{Ref: "one too many"})
	if !l.over || l.es != nil {
		t.Fatalf("past the limit: over %v, %d entries", l.over, len(l.es))
	}
	l.set(es[0])
	if l.es != nil {
		t.Fatal("a list over the limit took an entry")
	}
}

// TestPackWith checks how an operation's entries are merged with those
// cached before it: its own win, then the base's fill the room left.
func TestPackWith(t *testing.T) {
	base := packEntries(testEntries(maxCachedEntries))
	changed := base.at(5)
	changed.Plays = 42
	extra := playback.Entry{Ref: "new", TrackID: "t-new"}
	s := packWith([]playback.Entry{changed, extra}, base)
	if s.len() != maxCachedEntries {
		t.Fatalf("%d entries, want %d", s.len(), maxCachedEntries)
	}
	if got := s.at(0); got != changed {
		t.Errorf("first %+v, want the changed %+v", got, changed)
	}
	if got, _ := s.get("new"); got != extra {
		t.Errorf("new: %+v", got)
	}
	// Of the base's 16, r5 is replaced and one has no room left.
	kept := 0
	for i := range base.len() {
		want := base.at(i)
		got, ok := s.get(want.Ref)
		switch {
		case want.Ref == "r5":
			if got.Plays != 42 {
				t.Errorf("r5 is the base's: %+v", got)
			}
		case ok:
			kept++
			if got != want {
				t.Errorf("%s: %+v, want %+v", want.Ref, got, want)
			}
		}
	}
	if kept != maxCachedEntries-2 {
		t.Errorf("kept %d of the base, want %d", kept, maxCachedEntries-2)
	}
	if s := packWith(nil, nil); s != nil {
		t.Errorf("nothing packed to %+v", s)
	}
	if s := packWith(nil, base); s.len() != base.len() || s.at(3) != base.at(3) {
		t.Errorf("base alone: %d entries", s.len())
	}
}
