package httpapi_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/segue/segue"
	"github.com/segue/segue/auth"
)

// TestAuth checks every way a request can fail authentication (SPEC.md §1)
// on several endpoints: the status, the code, WWW-Authenticate on 401s,
// that authentication is judged before the request's input, and that a
// refused request changes nothing.
func TestAuth(t *testing.T) {
	parent := t
	e := newEnv(t)
	ctx := context.Background()
	id, data := e.create(bodyMap{"playParams": bodyMap{"id": "B0CA000001"}, "limit": 3})
	m := entities(data)[0]["metricId"].(string)

	_, disabledKey, err := e.auth.CreateKey(ctx, "disabled")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.SetKeyDisabled(ctx, "disabled", true); err != nil {
		t.Fatal(err)
	}
	expired, _, err := e.auth.CreateToken(ctx, "alice", time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	otherScope, _, err := e.auth.CreateToken(ctx, "alice", time.Hour, []string{"other"})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(2 * time.Minute)

	creds := []struct {
		name          string
		key, token    *string
		authorization string // sent as is when set
		status        int
		code          string
	}{
		{name: "NoAPIKey", key: str(""), status: 401, code: "INVALID_API_KEY"},
		{name: "NoAPIKeyNoToken", key: str(""), token: str(""), status: 401, code: "INVALID_API_KEY"},
		{name: "UnknownAPIKey", key: str("sgk_unknown"), status: 401, code: "INVALID_API_KEY"},
		{name: "TokenAsAPIKey", key: &e.alice, status: 401, code: "INVALID_API_KEY"},
		{name: "DisabledAPIKey", key: &disabledKey, status: 403, code: "ACCESS_DENIED"},
		{name: "NoAuthorization", token: str(""), status: 401, code: "INVALID_AUTH_TYPE"},
		{name: "Basic", token: str(""), authorization: "Basic xyz", status: 401, code: "INVALID_AUTH_TYPE"},
		{name: "TokenWithoutScheme", token: str(""), authorization: e.alice, status: 401, code: "INVALID_AUTH_TYPE"},
		{name: "BearerGlued", token: str(""), authorization: "Bearer" + e.alice, status: 401, code: "INVALID_AUTH_TYPE"},
		{name: "EmptyBearer", token: str(""), authorization: "Bearer ", status: 401, code: "INVALID_AUTH_TOKEN"},
		{name: "BlankBearer", token: str(""), authorization: "Bearer \t ", status: 401, code: "INVALID_AUTH_TOKEN"},
		{name: "UnknownToken", token: str("sgt_unknown"), status: 401, code: "INVALID_ACCESS_TOKEN"},
		{name: "APIKeyAsToken", token: &e.key, status: 401, code: "INVALID_ACCESS_TOKEN"},
		{name: "ExpiredToken", token: &expired, status: 401, code: "INVALID_ACCESS_TOKEN"},
		{name: "TokenWithoutPlaybackScope", token: &otherScope, status: 403, code: "ACCESS_DENIED"},
	}
	unknownSession := sessionPath("00000000-0000-4000-8000-000000000000", "/current")
	endpoints := []req{
		{Method: "POST", Path: pathSessions, Body: bodyMap{"playParams": bodyMap{"id": "B0CA000003"}}},
		{Method: "POST", Path: pathSessions, Body: `{"playParams": `}, // auth is judged before the body
		{Method: "GET", Path: sessionPath(id, "/current")},
		{Method: "GET", Path: unknownSession}, // no session id probing without credentials
		{Method: "GET", Path: sessionPath(id, "/next")},
		{Method: "PUT", Path: sessionPath(id, "/loop"), Body: bodyMap{"loopMode": "LOOP_ONE"}},
		{Method: "GET", Path: pathSessions + "/active"},
		{Method: "POST", Path: pathEvent, Body: eventBody(m, nil)},
		{Method: "POST", Path: pathEvents, Body: bodyMap{"events": []any{eventBody(m, nil)}}},
	}
	names := []string{"Create", "CreateBadBody", "Current", "CurrentUnknownSession", "Next", "Loop", "Active", "Event", "Events"}

	state := func() string {
		s := e.snapshot(id)
		for _, en := range entities(e.ok(req{Method: "GET", Path: pathSessions + "/active"})) {
			s += "|" + en["sessionId"].(string)
		}
		return s
	}
	before := state()
	for _, c := range creds {
		for i, ep := range endpoints {
			t.Run(c.name+"/"+names[i], func(t *testing.T) {
				e.t = t // e fails the subtest, from its own goroutine
				r := ep
				r.Key, r.Token = c.key, c.token
				if c.authorization != "" {
					r.Header = map[string]string{"Authorization": c.authorization}
				}
				res := e.fail(r, c.status, c.code)
				if w := res.Header.Get("WWW-Authenticate"); c.status == 401 && !strings.HasPrefix(w, "Bearer") {
					t.Errorf("a 401 without a Bearer challenge: WWW-Authenticate %q", w)
				}
				for _, secret := range []string{e.alice, e.key, expired, otherScope, disabledKey} {
					if bytes.Contains(res.Body, []byte(secret)) {
						t.Errorf("the error body echoes a secret: %s", res.Body)
					}
				}
			})
			if after := state(); after != before {
				t.Errorf("%s/%s: the refused request changed state:\nbefore %s\nafter  %s", c.name, names[i], before, after)
				before = after
			}
		}
	}
	e.t = parent

	// The scheme is case-insensitive (RFC 7235) and the key may be enabled
	// again.
	e.ok(req{Method: "GET", Path: sessionPath(id, "/current"), Token: str(""), Header: map[string]string{"Authorization": "bearer " + e.alice}})
	if err := e.db.SetKeyDisabled(ctx, "disabled", false); err != nil {
		t.Fatal(err)
	}
	e.ok(req{Method: "GET", Path: sessionPath(id, "/current"), Key: &disabledKey})
	// A secret put in the query string (as some clients do) must not reach
	// the logs either.
	e.ok(req{Method: "GET", Path: sessionPath(id, "/current?access_token="+e.alice+"&api_key="+e.key)})

	alice, err := e.db.UserByName(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if n, err := e.db.CountEvents(ctx, alice.ID, m); err != nil || n != 0 {
		t.Errorf("%d events stored for %s after only refused reports (err %v)", n, m, err)
	}

	// Nothing was a 500 or a panic, and no secret reached the logs.
	// Closing the server first orders its last log writes before this read.
	e.srv.Close()
	logs := e.logs.String()
	if strings.Contains(logs, "level=ERROR") {
		t.Errorf("the server logged errors:\n%s", linesWith(logs, "level=ERROR"))
	}
	for name, secret := range map[string]string{"alice's token": e.alice, "the API key": e.key, "the expired token": expired,
		"the other-scope token": otherScope, "the disabled key": disabledKey, "the unknown token": "sgt_unknown"} {
		if strings.Contains(logs, secret) {
			t.Errorf("the logs hold %s:\n%s", name, linesWith(logs, secret))
		}
	}
}

// TestAuth_SecretsStoredHashed checks that keys and tokens are stored only
// as their hashes.
func TestAuth_SecretsStoredHashed(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	tok, stored, err := e.auth.CreateToken(ctx, "bob", time.Hour, nil)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Hash == tok || stored.Hash != auth.Hash(tok) {
		t.Errorf("token stored as %q", stored.Hash)
	}
	cases := []struct {
		name, secret string
		lookup       func(ctx context.Context, hash string) error
	}{
		{"Token", e.alice, func(ctx context.Context, h string) error { _, err := e.db.TokenByHash(ctx, h); return err }},
		{"NewToken", tok, func(ctx context.Context, h string) error { _, err := e.db.TokenByHash(ctx, h); return err }},
		{"Key", e.key, func(ctx context.Context, h string) error { _, err := e.db.KeyByHash(ctx, h); return err }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := c.lookup(ctx, auth.Hash(c.secret)); err != nil {
				t.Fatalf("not found by its hash: %v", err)
			}
			if err := c.lookup(ctx, c.secret); segue.ErrorCode(err) != segue.ENotFound {
				t.Fatalf("looking the raw secret up as a hash: %v, want RESOURCE_NOT_FOUND", err)
			}
		})
	}

	// The database files hold no secret in the clear.
	files, _ := filepath.Glob(e.path + "*")
	if len(files) < 2 {
		t.Fatalf("database files %v: want the database and its WAL", files)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for name, secret := range map[string]string{"alice's token": e.alice, "bob's token": tok, "the API key": e.key} {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("%s holds %s in the clear", filepath.Base(f), name)
			}
		}
	}
}
