package httpapi_test

import "testing"

// A station can start from a track, an album, an artist or a playlist, and
// runs 200 tracks without an error or a repeat, as the issue tries it.
func TestStations_FromEachKind(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		name, id string
		nexts    int
	}{
		{"Track", "B0CT000001", 200},
		{"Album", "B0CA000001", 30},
		{"Artist", "B0CR000001", 30},
		{"Playlist", "B0CP000012", 30},
		{"StationMRN", "mrn:1.0:catalog:station:asin:B0CT000001", 30},
	} {
		t.Run(c.name, func(t *testing.T) {
			id, data := e.create(map[string]any{"playParams": map[string]any{"id": c.id}, "playbackOptions": map[string]any{"startAsStation": true}})
			if station := entities(data)[0]["actions"].(map[string]any)["previous"].(map[string]any)["disableType"]; station != "FEATURE_NOT_AVAILABLE" {
				t.Fatalf("session from %s is not a station: previous is %v", c.id, station)
			}
			seen := map[string]bool{trackIDs(data)[0]: true}
			for i := range c.nexts {
				tr := trackIDs(e.ok(req{Method: "GET", Path: sessionPath(id, "/next")}))[0]
				if seen[tr] {
					t.Fatalf("station from %s repeated %s at next %d", c.id, tr, i+1)
				}
				seen[tr] = true
			}
		})
	}
}
