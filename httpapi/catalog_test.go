package httpapi_test

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/segue/segue/catalog"
)

// newCatalogEnv is a test env (every env serves the browse API).
func newCatalogEnv(t *testing.T) *env { return newEnv(t) }

func get(path string) req { return req{Method: "GET", Path: path} }

// idsOf returns the ids of a list of entities.
func idsOf(list []map[string]any) []string {
	out := []string{}
	for _, en := range list {
		out = append(out, en["id"].(string))
	}
	return out
}

// list returns a data object's key as a list of objects.
func list(data map[string]any, key string) []map[string]any {
	raw, _ := data[key].([]any)
	out := make([]map[string]any, len(raw))
	for i, r := range raw {
		out[i] = r.(map[string]any)
	}
	return out
}

func TestCatalog_Track(t *testing.T) {
	e := newCatalogEnv(t)
	for _, id := range []string{"B0CT000009", "mrn:1.0:catalog:track:asin:B0CT000009"} {
		tr := entities(e.ok(get("/v1/tracks/" + id)))
		if len(tr) != 1 || tr[0]["id"] != "B0CT000009" || tr[0]["title"] != "Snowballed" || tr[0]["type"] != "Track" ||
			tr[0]["url"] != e.srv.URL+"/v1/tracks/B0CT000009" {
			t.Fatalf("%s: %v", id, tr)
		}
		pi := tr[0]["playbackInformation"].(map[string]any)
		if u := pi["url"].(string); !strings.HasPrefix(u, e.srv.URL+"/v1/media/tracks/B0CT000009?") || !strings.Contains(u, "sig=") {
			t.Errorf("media URL %s is not signed", u)
		}
	}
	e.fail(get("/v1/tracks/B0CT999999"), 404, "RESOURCE_NOT_FOUND")
	e.fail(get("/v1/tracks/B0CA000001"), 404, "RESOURCE_NOT_FOUND")
	e.fail(get("/v1/tracks/mrn:1.0:catalog:album:asin:B0CT000001"), 404, "RESOURCE_NOT_FOUND")
	e.fail(get("/v1/tracks/bad%20id"), 400, "BAD_REQUEST")
	e.fail(get("/v1/tracks/mrn:1.0:catalog:video:asin:B0CT000001"), 400, "BAD_REQUEST")
	e.fail(req{Method: "GET", Path: "/v1/tracks/B0CT000001", Token: str("")}, 401, "INVALID_AUTH_TYPE")
	e.fail(req{Method: "POST", Path: "/v1/tracks/B0CT000001", Body: "{}", OffSpec: true}, 405, "METHOD_NOT_ALLOWED")
}

// TestCatalog_TrackURL follows the url of a playback entity's track.
func TestCatalog_TrackURL(t *testing.T) {
	e := newCatalogEnv(t)
	_, data := e.create(map[string]any{"playParams": map[string]any{"id": "B0CA000001"}, "limit": 2})
	for _, en := range entities(data) {
		tr := en["track"].(map[string]any)
		path := strings.TrimPrefix(tr["url"].(string), e.srv.URL)
		if got := entities(e.ok(get(path))); len(got) != 1 || got[0]["id"] != tr["id"] || got[0]["title"] != tr["title"] {
			t.Errorf("%s answers %v, want track %v", path, got, tr["id"])
		}
	}
}

func TestCatalog_Batch(t *testing.T) {
	e := newCatalogEnv(t)
	for _, c := range []struct {
		path string
		want []string
	}{
		{"/v1/tracks?ids=B0CT000002,nope,mrn:1.0:catalog:track:asin:B0CT000001,B0CT000002", []string{"B0CT000002", "B0CT000001"}},
		{"/v1/tracks?ids=B0CT999999,B0CA000001,mrn:1.0:catalog:album:asin:B0CT000001", []string{}},
		{"/v1/albums?ids=B0CA000004,B0CA000001,B0CT000001", []string{"B0CA000004", "B0CA000001"}},
		{"/v1/albums?ids=mrn:1.0:catalog:album:asin:B0CA000002", []string{"B0CA000002"}},
		{"/v1/artists?ids=B0CR000090,B0CR000001,B0CR999999", []string{"B0CR000090", "B0CR000001"}},
	} {
		if got := idsOf(entities(e.ok(get(c.path)))); !slices.Equal(got, c.want) {
			t.Errorf("%s: %q, want %q", c.path, got, c.want)
		}
	}
	fifty := strings.Repeat("B0CT000001,", 49) + "B0CT000003"
	if got := idsOf(entities(e.ok(get("/v1/tracks?ids=" + fifty)))); !slices.Equal(got, []string{"B0CT000001", "B0CT000003"}) {
		t.Errorf("50 ids: %q", got)
	}
	for _, path := range []string{
		"/v1/tracks?ids=" + fifty + ",B0CT000004", // 51
		"/v1/albums?ids=" + strings.Repeat("x,", 60) + "x",
		"/v1/tracks", "/v1/tracks?ids=", "/v1/artists?ids=B0CR000001,,B0CR000002", "/v1/albums?ids=a&ids=b",
		"/v1/tracks?ids=bad%20id", "/v1/artists?ids=mrn:1.0:catalog:nope:asin:x",
	} {
		e.fail(get(path), 400, "BAD_REQUEST")
	}
}

func TestCatalog_Album(t *testing.T) {
	e := newCatalogEnv(t)
	al := entities(e.ok(get("/v1/albums/B0CA000001")))
	if len(al) != 1 || al[0]["type"] != "Album" || al[0]["title"] != "For Those About To Rock We Salute You" ||
		al[0]["trackCount"] != 10.0 || al[0]["durationSeconds"] != 2400.0 || al[0]["url"] != e.srv.URL+"/v1/albums/B0CA000001" {
		t.Fatalf("album: %v", al)
	}
	if a := list(al[0], "artists"); len(a) != 1 || a[0]["id"] != "B0CR000001" || a[0]["name"] != "AC/DC" {
		t.Errorf("artists: %v", a)
	}
	e.fail(get("/v1/albums/B0CA999999"), 404, "RESOURCE_NOT_FOUND")
	e.fail(get("/v1/albums/B0CA999999/tracks"), 404, "RESOURCE_NOT_FOUND")
}

// pageAll follows a paged list's cursors and returns the ids of its
// entities and the number of pages.
func (e *env) pageAll(path string, limit int) ([]string, int) {
	e.t.Helper()
	var out []string
	pages := 0
	for cursor := ""; ; pages++ {
		p := path + "?limit=" + strconv.Itoa(limit)
		if cursor != "" {
			p += "&cursor=" + url.QueryEscape(cursor)
		}
		data := e.ok(get(p))
		got := idsOf(entities(data))
		out = append(out, got...)
		info := data["pageInfo"].(map[string]any)
		if info["hasNextPage"] != true {
			if _, ok := info["token"]; ok {
				e.t.Errorf("%s: a last page with a token: %v", p, info)
			}
			return out, pages + 1
		}
		if len(got) != limit {
			e.t.Fatalf("%s: %d entities on a page that is not the last", p, len(got))
		}
		cursor = info["token"].(string)
	}
}

func TestCatalog_ContainerTracks(t *testing.T) {
	e := newCatalogEnv(t)
	d, err := catalog.Chinook()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path         string
		limit, pages int
		want         []string
	}{
		{"/v1/albums/B0CA000001/tracks", 3, 4, album1},
		{"/v1/albums/B0CA000001/tracks", 10, 1, album1},
		{"/v1/albums/mrn:1.0:catalog:album:asin:B0CA000001/tracks", 100, 1, album1},
		{"/v1/playlists/B0CP000003/tracks", 100, 3, d.Playlists[2].TrackIDs},
		{"/v1/playlists/B0CP000018/tracks", 1, 1, d.Playlists[17].TrackIDs},
	} {
		got, pages := e.pageAll(c.path, c.limit)
		if !slices.Equal(got, c.want) || pages != c.pages {
			t.Errorf("%s by %d: %d pages of %q; want %d pages of %q", c.path, c.limit, pages, got, c.pages, c.want)
		}
	}
	pl := entities(e.ok(get("/v1/playlists/B0CP000003")))
	if len(pl) != 1 || pl[0]["type"] != "Playlist" || pl[0]["title"] != "TV Shows" || pl[0]["trackCount"] != float64(len(d.Playlists[2].TrackIDs)) ||
		pl[0]["url"] != e.srv.URL+"/v1/playlists/B0CP000003" {
		t.Errorf("playlist: %v", pl)
	}
	e.fail(get("/v1/playlists/B0CP999999"), 404, "RESOURCE_NOT_FOUND")
	e.fail(get("/v1/playlists/B0CA000001/tracks"), 404, "RESOURCE_NOT_FOUND")
	for _, q := range []string{"limit=0", "limit=101", "limit=x", "limit=1&limit=2", "cursor=***", "cursor=bm9wZQ"} {
		e.fail(get("/v1/albums/B0CA000001/tracks?"+q), 400, "BAD_REQUEST")
		e.fail(get("/v1/playlists/B0CP000001/tracks?"+q), 400, "BAD_REQUEST")
	}
}

func TestCatalog_Artist(t *testing.T) {
	e := newCatalogEnv(t)
	data := e.ok(get("/v1/artists/B0CR000001"))
	ar := entities(data)
	if len(ar) != 1 || ar[0]["name"] != "AC/DC" || ar[0]["type"] != "Artist" || ar[0]["albumCount"] != 2.0 ||
		ar[0]["url"] != e.srv.URL+"/v1/artists/B0CR000001" {
		t.Fatalf("artist: %v", ar)
	}
	if got := idsOf(list(data, "albums")); !slices.Equal(got, []string{"B0CA000001", "B0CA000004"}) {
		t.Errorf("albums %q", got)
	}
	top := list(data, "topTracks")
	if len(top) != 10 {
		t.Fatalf("%d top tracks, want 10", len(top))
	}
	for _, tr := range top {
		if tr["artists"].([]any)[0].(map[string]any)["id"] != "B0CR000001" {
			t.Errorf("top track %v is not AC/DC's", tr["id"])
		}
	}
	if got := list(e.ok(get("/v1/artists/B0CR000090")), "albums"); len(got) != 21 {
		t.Errorf("Iron Maiden has %d albums, want 21", len(got))
	}
	e.fail(get("/v1/artists/B0CR999999"), 404, "RESOURCE_NOT_FOUND")
	e.fail(get("/v1/artists/mrn:1.0:catalog:track:asin:B0CR000001"), 404, "RESOURCE_NOT_FOUND")
}

// searchPath builds a search request.
func searchPath(keyword, rest string) string {
	return "/v1/search?keyword=" + url.QueryEscape(keyword) + rest
}

func TestCatalog_Search(t *testing.T) {
	e := newCatalogEnv(t)
	for _, c := range []struct {
		keyword, types, key, first string
	}{
		{"bohem rhaps", "track", "tracks", "B0CT002254"},
		{"Bohemian Rhapsody", "track,album", "tracks", "B0CT002254"},
		{"antonio jobim", "artist", "artists", "B0CR000006"},
		{"ANTÔNIO", "artist", "artists", "B0CR000006"},
		{"são lucas", "track", "tracks", "B0CT000373"},
		{"greatest hits", "album", "albums", "B0CA000141"},
		{"heavy metal", "playlist", "playlists", "B0CP000017"},
	} {
		data := e.ok(get(searchPath(c.keyword, "&types="+c.types)))
		if len(data) != len(strings.Split(c.types, ",")) {
			t.Errorf("%q types %s: answered %d types", c.keyword, c.types, len(data))
		}
		page := data[c.key].(map[string]any)
		if got := idsOf(entities(page)); len(got) == 0 || got[0] != c.first {
			t.Errorf("%q: %s %q, want %s first", c.keyword, c.key, got, c.first)
		}
	}
	all := e.ok(get(searchPath("the", "")))
	for _, key := range []string{"tracks", "albums", "artists", "playlists"} {
		page, ok := all[key].(map[string]any)
		if !ok || len(entities(page)) == 0 || len(entities(page)) > 20 {
			t.Errorf("the, all types: %s = %v", key, all[key])
		}
	}
	if tr := entities(all["tracks"].(map[string]any)); tr[0]["playbackInformation"] == nil {
		t.Errorf("a track found lacks playbackInformation: %v", tr[0])
	}
	if got := entities(e.ok(get(searchPath(`"love" OR NEAR(title:x*`, "&types=track")))["tracks"].(map[string]any)); len(got) != 0 {
		t.Errorf("FTS syntax is taken as words: found %d", len(got))
	}
	if got := entities(e.ok(get(searchPath("zzzqqq", "&types=album")))["albums"].(map[string]any)); len(got) != 0 {
		t.Errorf("found %d albums for zzzqqq", len(got))
	}
}

func TestCatalog_SearchPaging(t *testing.T) {
	e := newCatalogEnv(t)
	whole := idsOf(entities(e.ok(get(searchPath("blue", "&types=track&limit=100")))["tracks"].(map[string]any)))
	var paged []string
	var token string
	for pages := 0; ; pages++ {
		p := searchPath("blue", "&types=track&limit=7")
		if token != "" {
			p += "&cursor=" + url.QueryEscape(token)
		}
		page := e.ok(get(p))["tracks"].(map[string]any)
		paged = append(paged, idsOf(entities(page))...)
		info := page["pageInfo"].(map[string]any)
		if info["hasNextPage"] != true {
			break
		}
		token = info["token"].(string)
		if pages > 50 {
			t.Fatal("no end")
		}
	}
	if len(whole) < 20 || len(whole) == 100 || !slices.Equal(paged, whole) {
		t.Errorf("paged by 7: %q; at once: %q", paged, whole)
	}
	first := e.ok(get(searchPath("blue", "&types=track&limit=2")))["tracks"].(map[string]any)["pageInfo"].(map[string]any)["token"].(string)
	cur := "&cursor=" + url.QueryEscape(first)
	for _, path := range []string{
		searchPath("blue", "&types=track,album"+cur), // a cursor needs one type
		searchPath("blue", cur),
		searchPath("blue", "&types=album"+cur), // another type
		searchPath("hate", "&types=track"+cur), // another keyword
		searchPath("blue", "&types=track&cursor=nope"),
	} {
		e.fail(get(path), 400, "BAD_REQUEST")
	}
}

func TestCatalog_SearchBadInput(t *testing.T) {
	e := newCatalogEnv(t)
	for _, path := range []string{
		"/v1/search", "/v1/search?keyword=", searchPath("!!! ...", ""),
		searchPath(strings.Repeat("a", 201), ""), searchPath("a", "&keyword=b"),
		searchPath("rock", "&types=song"), searchPath("rock", "&types="), searchPath("rock", "&types=track,"),
		searchPath("rock", "&types=Track"), searchPath("rock", "&types=track&types=album"),
		searchPath("rock", "&limit=0"), searchPath("rock", "&limit=101"), searchPath("rock", "&limit=ten"),
	} {
		res := e.fail(get(path), http.StatusBadRequest, "BAD_REQUEST")
		if msg := res.JSON["error"].(map[string]any)["message"].(string); msg == "" {
			t.Errorf("%s: no message", path)
		}
	}
	if got := e.ok(get(searchPath(strings.Repeat("é", 200), "&types=artist"))); got["artists"] == nil {
		t.Errorf("200 characters: %v", got)
	}
	e.fail(req{Method: "GET", Path: searchPath("rock", ""), Key: str("")}, 401, "INVALID_API_KEY")
}
