package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/segue/segue/sqlite"
)

// importRun writes a JSON catalog to a file and runs "segue catalog
// import" on it in dir.
func importRun(t *testing.T, dir, js string, extra ...string) (stdout, stderr string, err error) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "catalog.json")
	if err := os.WriteFile(file, []byte(js), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	args := append([]string{"catalog", "import", file, "--data", dir}, extra...)
	err = run(context.Background(), args, func(string) string { return "" }, &out, &errOut)
	return out.String(), errOut.String(), err
}

const cliCatalog = `{
	"artists": [{"id": "r1", "name": "Solo"}, {"id": "r2", "name": "Duo"}],
	"albums": [{"id": "a1", "title": "Alone", "artistId": "r1"}],
	"tracks": [{"id": "t1", "title": "Uno", "albumId": "a1", "durationMs": 5000}],
	"playlists": [{"id": "p1", "name": "Mix", "trackIds": ["t1", "t1"]}]
}`

func TestCatalogImport(t *testing.T) {
	dir := t.TempDir()

	// A file with problems: each one printed, nothing loaded.
	_, stderr, err := importRun(t, dir, `{"artists": [{"id": "r9", "name": "New"}],
		"tracks": [{"id": "t9", "title": "", "albumId": "a1", "durationMs": 0, "format": "WAV"}]}`)
	if err == nil || !strings.Contains(err.Error(), "3 problem(s), nothing imported") {
		t.Errorf("bad file: err = %v", err)
	}
	want := "tracks[0].title: required\ntracks[0].durationMs: must be positive\ntracks[0].format: must be one of MP3, AAC, FLAC, OPUS, MP4\n"
	if stderr != want {
		t.Errorf("bad file printed:\n%s\nwant:\n%s", stderr, want)
	}
	// A reference to an album in neither the file nor the catalog.
	stdout, _, err := importRun(t, dir, `{"artists": [{"id": "r9", "name": "New"}],
		"tracks": [{"id": "t9", "title": "x", "albumId": "a1", "durationMs": 1}]}`, "--json")
	if err == nil {
		t.Errorf("dangling reference: no error")
	}
	var probs struct{ Problems []map[string]string }
	if err := json.Unmarshal([]byte(stdout), &probs); err != nil || !reflect.DeepEqual(probs.Problems, []map[string]string{
		{"where": "tracks[0]", "field": "albumId", "message": "no album a1 in the file or the catalog"}}) {
		t.Errorf("dangling reference printed %s (%v)", stdout, err)
	}

	stdout, _, err = importRun(t, dir, cliCatalog)
	if err != nil || stdout != "imported: 0 genres (0 new), 2 artists (2 new), 1 albums (1 new), 1 tracks (1 new), 1 playlists (1 new)\n" {
		t.Errorf("good file: %q, %v", stdout, err)
	}
	stdout, _, err = importRun(t, dir, cliCatalog, "--json")
	want = `{"added":{"genres":0,"artists":0,"albums":0,"tracks":0,"playlists":0},"updated":{"genres":0,"artists":2,"albums":1,"tracks":1,"playlists":1}}` + "\n"
	if err != nil || stdout != want {
		t.Errorf("again with --json: %q, %v; want %q", stdout, err, want)
	}

	db, err := sqlite.Open(context.Background(), filepath.Join(dir, "segue.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n, err := db.CatalogSize(context.Background()); err != nil || n != 1 {
		t.Errorf("CatalogSize = %d, %v; want 1", n, err)
	}
	if ar, err := db.Artists(context.Background(), []string{"r9"}); err != nil || len(ar) != 0 {
		t.Errorf("an artist of a refused file was loaded: %+v, %v", ar, err)
	}
	if it, err := db.Resolve(context.Background(), "p1"); err != nil || len(it.Tracks) != 2 {
		t.Errorf("Resolve(p1) = %+v, %v", it, err)
	}
}
