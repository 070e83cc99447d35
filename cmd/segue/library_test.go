package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/segue/segue/library"
)

// get fetches url with optional request headers.
func get(t *testing.T, url string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}

// TestLibraryScan is the walk of the README: write the sample files, scan
// them, play one of their albums and fetch its signed audio URL, whole
// and by range; then remove a file and rescan.
func TestLibraryScan(t *testing.T) {
	dir, music := t.TempDir(), t.TempDir()
	noEnv := func(string) string { return "" }
	var buf bytes.Buffer
	if err := run(t.Context(), []string{"library", "sample", music}, noEnv, &buf, io.Discard); err != nil {
		t.Fatal(err)
	}
	var files []string
	filepath.WalkDir(music, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && library.Supported(p) {
			files = append(files, p)
		}
		return err
	})
	if len(files) < 4 {
		t.Fatalf("library sample wrote %d audio files (%s)", len(files), buf.String())
	}
	scanJSON := func() library.Report {
		t.Helper()
		buf.Reset()
		if err := run(t.Context(), []string{"library", "scan", "--json", "--data", dir, music}, noEnv, &buf, io.Discard); err != nil {
			t.Fatal(err)
		}
		var rep library.Report
		if err := json.Unmarshal(buf.Bytes(), &rep); err != nil {
			t.Fatalf("library scan --json printed %q: %v", buf.String(), err)
		}
		return rep
	}
	if rep := scanJSON(); rep.Added != len(files) || len(rep.Failed) != 0 {
		t.Fatalf("first scan = %+v; want %d added", rep, len(files))
	}
	var meta library.Meta // of a file with a cover, to play its album
	for _, f := range files {
		m, err := library.Read(f)
		if err != nil {
			t.Fatal(err)
		}
		if m.Cover != nil {
			meta = m
		}
	}
	if meta.Album == "" {
		t.Fatal("no sample file has a cover")
	}

	out, stop := startServer(t, dir)
	defer stop()
	base, key, token := baseRe.FindStringSubmatch(out)[1], keyRe.FindStringSubmatch(out)[1], tokenRe.FindStringSubmatch(out)[1]
	status, body := call(t, "GET", base+"/v1/search?types=album&keyword="+url.QueryEscape(meta.Album), key, token, nil)
	albums, _ := body["data"].(map[string]any)["albums"].(map[string]any)["entities"].([]any)
	if status != 200 || len(albums) == 0 {
		t.Fatalf("search for album %q: %d %v", meta.Album, status, body)
	}
	albumID := albums[0].(map[string]any)["id"].(string)
	status, body = call(t, "POST", base+"/v1/playback/sessions", key, token, map[string]any{"playParams": map[string]any{"id": albumID}})
	if status != 200 {
		t.Fatalf("create on scanned album %s: %d %v", albumID, status, body)
	}
	ent := firstEntity(t, body)
	track := ent["track"].(map[string]any)
	pi := track["playbackInformation"].(map[string]any)
	if pi["protocol"] != "PROGRESSIVE" || pi["format"] == "" {
		t.Errorf("playbackInformation = %v", pi)
	}

	res, whole := get(t, pi["url"].(string))
	if res.StatusCode != 200 {
		t.Fatalf("GET media: %d %s", res.StatusCode, whole)
	}
	var file string
	for _, f := range files {
		if b, _ := os.ReadFile(f); bytes.Equal(b, whole) {
			file = f
		}
	}
	if file == "" {
		t.Fatalf("the media URL served %d bytes that are no sample file", len(whole))
	}
	m, _ := library.Read(file)
	if res.Header.Get("Content-Type") != m.ContentType || pi["format"] != m.Format {
		t.Errorf("served %s as %q with format %v; want %q, %s", file, res.Header.Get("Content-Type"), pi["format"], m.ContentType, m.Format)
	}
	res, part := get(t, pi["url"].(string), "Range", "bytes=10-109")
	if res.StatusCode != 206 || !bytes.Equal(part, whole[10:110]) || res.Header.Get("Content-Range") == "" {
		t.Errorf("range request: %d %q, %d bytes", res.StatusCode, res.Header.Get("Content-Range"), len(part))
	}
	if images, _ := track["images"].([]any); len(images) != 1 {
		t.Errorf("track of an album with a cover: images %v", track["images"])
	} else {
		res, img := get(t, images[0].(map[string]any)["url"].(string))
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/png" || len(img) == 0 {
			t.Errorf("cover: %d %q", res.StatusCode, res.Header.Get("Content-Type"))
		}
		res, _ = get(t, images[0].(map[string]any)["url"].(string), "If-None-Match", res.Header.Get("ETag"))
		if res.StatusCode != 304 {
			t.Errorf("cover revalidation: %d, want 304", res.StatusCode)
		}
	}

	// A removed file's track leaves the catalog; the session still answers.
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	if rep := scanJSON(); rep.Removed != 1 || rep.Unchanged != len(files)-1 {
		t.Fatalf("rescan = %+v; want 1 removed, %d unchanged", rep, len(files)-1)
	}
	if status, body = call(t, "GET", base+"/v1/tracks/"+track["id"].(string), key, token, nil); status != 404 {
		t.Errorf("retired track: %d %v", status, body)
	}
	if res, _ := get(t, pi["url"].(string)); res.StatusCode != 404 {
		t.Errorf("media of a retired track: %d, want 404", res.StatusCode)
	}
	sid := ent["sessionId"].(string)
	if status, body = call(t, "GET", base+"/v1/playback/sessions/"+sid+"/current", key, token, nil); status != 200 {
		t.Errorf("current of a session whose track was retired: %d %v", status, body)
	}
}
