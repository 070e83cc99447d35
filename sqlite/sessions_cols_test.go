package sqlite

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/segue/segue/playback"
)

// TestUpdatedColsMatchArgs checks that the columns an update may write are
// those of sessionColumns but the key, in order, with the values
// sessionArgs binds, and that each one is told changed when its field is.
func TestUpdatedColsMatchArgs(t *testing.T) {
	names := strings.Split(strings.Join(strings.Fields(sessionColumns), ""), ",")[2:]
	if len(names) != len(updatedCols) || len(updatedCols) > 32 {
		t.Fatalf("%d columns, %d updatedCols (at most 32)", len(names), len(updatedCols))
	}
	s := &playback.Session{ID: "i", UserID: "u", DeviceID: "d", Current: "c", Loop: playback.LoopAll, Shuffle: true,
		Station: true, Autoplay: true, StationSeed: "ss", Seed: 1, ShuffleEpoch: 2, NatHead: "nh", NatTail: "nt",
		ShufHead: "sh", ShufTail: "st", UpNextTail: "ut", Length: 3, RefCounter: 4, PlaySeq: 5, CycleStart: 6, Version: 7,
		CreatedAt: time.Unix(8, 0), UpdatedAt: time.Unix(9, 0),
		Status: playback.StreamStatus{State: playback.StatePlaying, TakenBySession: "ts", TakenByDevice: "td"}}
	args := sessionArgs(s)[2:]
	for i, c := range updatedCols {
		if c.name != names[i] {
			t.Errorf("updatedCols[%d] is %s; sessionColumns says %s", i, c.name, names[i])
		}
		if got := c.val(s); !reflect.DeepEqual(got, args[i]) {
			t.Errorf("%s: value %#v; sessionArgs binds %#v", c.name, got, args[i])
		}
		if !c.same(s, s) {
			t.Errorf("%s: a session differs from itself", c.name)
		}
	}
	// Changing each field is seen by its column alone.
	v := reflect.ValueOf(s).Elem()
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if f.Name == "ID" || f.Name == "UserID" || f.Name == "Status" {
			continue
		}
		c := *s
		cv := reflect.ValueOf(&c).Elem().Field(i)
		switch cv.Kind() {
		case reflect.String:
			cv.SetString(cv.String() + "x")
		case reflect.Bool:
			cv.SetBool(!cv.Bool())
		case reflect.Int, reflect.Int64:
			cv.SetInt(cv.Int() + 100)
		case reflect.Uint64:
			cv.SetUint(cv.Uint() + 100)
		case reflect.Struct: // time.Time
			cv.Set(reflect.ValueOf(cv.Interface().(time.Time).Add(time.Second)))
		default:
			t.Fatalf("field %s of kind %s", f.Name, cv.Kind())
		}
		var seen []string
		for _, col := range updatedCols {
			if !col.same(s, &c) {
				seen = append(seen, col.name)
			}
		}
		if len(seen) != 1 {
			t.Errorf("changing %s changes columns %v; want one", f.Name, seen)
		}
	}
}
