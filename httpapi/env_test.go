package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segue/segue/auth"
	"github.com/segue/segue/catalog"
	"github.com/segue/segue/httpapi"
	"github.com/segue/segue/media"
	"github.com/segue/segue/openapi"
	"github.com/segue/segue/openapi/openapitest"
	"github.com/segue/segue/playback"
	"github.com/segue/segue/sqlite"
)

// template is a database file with the Chinook catalog loaded, copied for
// each test so that tests stay independent and fast.
var template string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "segue-httpapi")
	if err != nil {
		panic(err)
	}
	template = filepath.Join(dir, "template.db")
	ctx := context.Background()
	db, err := sqlite.Open(ctx, template, sqlite.Options{})
	if err != nil {
		panic(err)
	}
	d, err := catalog.Chinook()
	if err != nil {
		panic(err)
	}
	if err := db.LoadCatalog(ctx, d); err != nil {
		panic(err)
	}
	db.Close()
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var validator struct {
	once sync.Once
	v    *openapitest.Validator
}

// env is a running server over a real SQLite file, on loopback.
type env struct {
	t     *testing.T
	path  string // the database file
	db    *sqlite.DB
	srv   *httptest.Server
	api   *httpapi.Server
	clock *clock
	auth  *auth.Service
	key   string
	// tokens of the users alice and bob
	alice, bob string
	logs       *bytes.Buffer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	path := filepath.Join(t.TempDir(), "segue.db")
	b, err := os.ReadFile(template)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := &env{t: t, path: path, db: db, clock: &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}, logs: &bytes.Buffer{}}
	e.auth = &auth.Service{Store: db, Now: e.clock.Now}
	if _, e.key, err = e.auth.CreateKey(ctx, "test"); err != nil {
		t.Fatal(err)
	}
	e.alice = e.user("alice", auth.TierUnlimited)
	e.bob = e.user("bob", auth.TierUnlimited)
	metrics := httpapi.NewMetrics(func(ctx context.Context) (int, int, error) {
		return db.Gauges(ctx, e.clock.Now().Add(-30*time.Minute))
	})
	db.ObserveWith(metrics.ObserveStore)
	e.api = &httpapi.Server{
		Auth:     e.auth,
		Metrics:  metrics,
		Playback: &playback.Service{Store: db, Catalog: db, Now: e.clock.Now, OnTakeOver: metrics.TakeOver},
		Catalog:  db,
		Signer:   media.Signer{Key: []byte("test-secret"), TTL: time.Hour, Now: e.clock.Now},
		Logger:   slog.New(slog.NewTextHandler(&lockedWriter{w: e.logs}, nil)),
		Ready:    db.Ping, Now: e.clock.Now, OpenAPI: openapi.YAML(),
	}
	e.srv = httptest.NewServer(nil)
	e.api.BaseURL = e.srv.URL
	e.srv.Config.Handler = e.api.Handler()
	t.Cleanup(e.srv.Close)
	validator.once.Do(func() { validator.v = openapitest.Load(t) })
	return e
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// user creates a user and returns a token for it.
func (e *env) user(name string, tier auth.Tier) string {
	e.t.Helper()
	ctx := context.Background()
	if _, err := e.auth.CreateUser(ctx, name, tier); err != nil {
		e.t.Fatal(err)
	}
	tok, _, err := e.auth.CreateToken(ctx, name, 10*365*24*time.Hour, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// resp is a response with its body read and decoded.
type resp struct {
	Status int
	Header http.Header
	Body   []byte
	JSON   map[string]any
}

// req describes a request; zero fields get defaults (alice's token, the
// test key, device "dev-1", JSON content type when there is a body).
type req struct {
	Method, Path string
	Body         any // string (sent as is) or a value to encode
	Token        *string
	Key          *string
	Device       *string
	Header       map[string]string
	// OffSpec skips the OpenAPI check, for requests the description
	// rightly does not list (unknown paths, wrong methods).
	OffSpec bool
}

func str(s string) *string { return &s }

// do sends a request over loopback and checks the response against the
// OpenAPI description.
func (e *env) do(r req) resp {
	e.t.Helper()
	var body io.Reader
	switch b := r.Body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		body = bytes.NewReader(buf)
	}
	hr, err := http.NewRequest(r.Method, e.srv.URL+r.Path, body)
	if err != nil {
		e.t.Fatal(err)
	}
	tok, key, dev := &e.alice, &e.key, str("dev-1")
	if r.Token != nil {
		tok = r.Token
	}
	if r.Key != nil {
		key = r.Key
	}
	if r.Device != nil {
		dev = r.Device
	}
	if *key != "" {
		hr.Header.Set("x-api-key", *key)
	}
	if *tok != "" {
		hr.Header.Set("Authorization", "Bearer "+*tok)
	}
	if *dev != "" {
		hr.Header.Set("X-Amzn-Device-Id", *dev)
	}
	if r.Body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	for k, v := range r.Header {
		if v == "" {
			hr.Header.Del(k)
		} else {
			hr.Header.Set(k, v)
		}
	}
	res, err := http.DefaultClient.Do(hr)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	out := resp{Status: res.StatusCode, Header: res.Header}
	if out.Body, err = io.ReadAll(res.Body); err != nil {
		e.t.Fatal(err)
	}
	if res.Header.Get("X-Request-Id") == "" {
		e.t.Errorf("%s %s: no X-Request-Id", r.Method, r.Path)
	}
	if !r.OffSpec {
		validator.v.Check(e.t, hr, res.StatusCode, res.Header, out.Body)
	}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(out.Body, &out.JSON); err != nil {
			e.t.Fatalf("%s %s: body is not JSON: %v: %s", r.Method, r.Path, err, out.Body)
		}
	}
	return out
}

// ok sends a request that must answer 200 and returns its data object.
func (e *env) ok(r req) map[string]any {
	e.t.Helper()
	res := e.do(r)
	if res.Status != http.StatusOK {
		e.t.Fatalf("%s %s: status %d, want 200: %s", r.Method, r.Path, res.Status, res.Body)
	}
	return res.JSON["data"].(map[string]any)
}

// fail sends a request that must fail with status and code.
func (e *env) fail(r req, status int, code string) resp {
	e.t.Helper()
	res := e.do(r)
	if res.Status != status {
		e.t.Fatalf("%s %s: status %d, want %d: %s", r.Method, r.Path, res.Status, status, res.Body)
	}
	got := ""
	if eb, ok := res.JSON["error"].(map[string]any); ok {
		got, _ = eb["code"].(string)
		if eb["reference"] != res.Header.Get("X-Request-Id") {
			e.t.Errorf("error reference %v is not the request id %s", eb["reference"], res.Header.Get("X-Request-Id"))
		}
	}
	if got != code {
		e.t.Fatalf("%s %s: code %q, want %q: %s", r.Method, r.Path, got, code, res.Body)
	}
	return res
}

// entities returns the entities of a data object.
func entities(data map[string]any) []map[string]any {
	raw, _ := data["entities"].([]any)
	out := make([]map[string]any, len(raw))
	for i, r := range raw {
		out[i] = r.(map[string]any)
	}
	return out
}

// trackIDs returns the track ids of a data object's entities.
func trackIDs(data map[string]any) []string {
	var out []string
	for _, e := range entities(data) {
		out = append(out, e["track"].(map[string]any)["id"].(string))
	}
	return out
}

// create starts a session and returns its id and first data object.
func (e *env) create(body any) (string, map[string]any) {
	e.t.Helper()
	data := e.ok(req{Method: "POST", Path: "/v1/playback/sessions", Body: body})
	return entities(data)[0]["sessionId"].(string), data
}

func sessionPath(id, rest string) string { return "/v1/playback/sessions/" + id + rest }

// snapshot returns everything a client can read of a session: its whole
// queue and its current window, to check that refused requests change
// nothing.
func (e *env) snapshot(id string) string {
	e.t.Helper()
	q := e.ok(req{Method: "GET", Path: sessionPath(id, "/queue")})
	c := e.ok(req{Method: "GET", Path: sessionPath(id, "/current?limit=10")})
	strip := func(d map[string]any) []string {
		var out []string
		for _, en := range entities(d) {
			out = append(out, en["entityReferenceId"].(string)+"/"+en["metricId"].(string)+"/"+en["track"].(map[string]any)["id"].(string))
		}
		return out
	}
	b, _ := json.Marshal([][]string{strip(q), strip(c)})
	return string(b)
}
