package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// server runs "segue serve" on a free loopback port until the test ends
// and returns its stdout once the demo credentials are printed.
func startServer(t *testing.T, dir string, extra ...string) (out string, stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	done := make(chan error, 1)
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", dir}, extra...)
	go func() { done <- run(ctx, args, func(string) string { return "" }, stdout, stderr) }()
	stop = func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run returned %v after shutdown", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("run did not return after its context ended")
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(stdout.String(), "curl") {
		select {
		case err := <-done:
			t.Fatalf("run ended early: %v\n%s", err, stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("no curl line printed:\n%s\n%s", stdout.String(), stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	return stdout.String(), stop
}

var (
	baseRe  = regexp.MustCompile(`listening on (http://\S+)`)
	keyRe   = regexp.MustCompile(`x-api-key: (sgk_\S+)`)
	tokenRe = regexp.MustCompile(`demo-unlimited\s+UNLIMITED\s+Bearer (sgt_\S+)`)
)

func call(t *testing.T, method, url, key, token string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("x-api-key", key)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("X-Amzn-Device-Id", "e2e-device")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return res.StatusCode, out
}

func firstEntity(t *testing.T, body map[string]any) map[string]any {
	t.Helper()
	data, _ := body["data"].(map[string]any)
	ents, _ := data["entities"].([]any)
	if len(ents) == 0 {
		t.Fatalf("no entities in %v", body)
	}
	return ents[0].(map[string]any)
}

// TestRun walks a session against the whole program, as a new user would:
// start it, paste the printed credentials, play, report, stop, start again.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	out, stop := startServer(t, dir)
	base, key, token := baseRe.FindStringSubmatch(out), keyRe.FindStringSubmatch(out), tokenRe.FindStringSubmatch(out)
	if base == nil || key == nil || token == nil {
		t.Fatalf("credentials not printed:\n%s", out)
	}
	url := base[1] + "/v1/playback"
	if res, err := http.Get(base[1] + "/healthz"); err != nil || res.StatusCode != 200 {
		t.Fatalf("healthz: %v %v", res, err)
	}

	status, body := call(t, "POST", url+"/sessions", key[1], token[1], map[string]any{"playParams": map[string]any{"id": "B0CA000001"}, "limit": 2})
	if status != 200 {
		t.Fatalf("create: %d %v", status, body)
	}
	first := firstEntity(t, body)
	if first["track"].(map[string]any)["id"] != "B0CT000001" {
		t.Fatalf("first track %v", first["track"])
	}
	sid := first["sessionId"].(string)
	status, body = call(t, "GET", url+"/sessions/"+sid+"/next", key[1], token[1], nil)
	if status != 200 || firstEntity(t, body)["track"].(map[string]any)["id"] != "B0CT000006" {
		t.Fatalf("next: %d %v", status, body)
	}
	metric := firstEntity(t, body)["metricId"]
	status, body = call(t, "POST", url+"/event", key[1], token[1], map[string]any{"metricId": metric, "event": map[string]any{"type": "start", "clientTimestampInMilliseconds": 1}})
	if status != 200 {
		t.Fatalf("event: %d %v", status, body)
	}
	stop()

	// Admin commands work on the same data folder, and a second start
	// keeps the session, the demo key and the demo users.
	var buf bytes.Buffer
	if err := run(t.Context(), []string{"users", "create", "carol", "--tier", "PRIME", "--json", "--data", dir}, func(string) string { return "" }, &buf, io.Discard); err != nil {
		t.Fatal(err)
	}
	var user map[string]any
	if err := json.Unmarshal(buf.Bytes(), &user); err != nil || user["id"] == "" || user["tier"] != "PRIME" {
		t.Fatalf("users create --json printed %q (%v)", buf.String(), err)
	}
	buf.Reset()
	if err := run(t.Context(), []string{"keys", "create", "carol-app", "--json", "--data", dir}, func(string) string { return "" }, &buf, io.Discard); err != nil {
		t.Fatal(err)
	}
	var k map[string]string
	json.Unmarshal(buf.Bytes(), &k)
	buf.Reset()
	if err := run(t.Context(), []string{"tokens", "create", "--user", "carol", "--ttl", "2h", "--json", "--data", dir}, func(string) string { return "" }, &buf, io.Discard); err != nil {
		t.Fatal(err)
	}
	var tok map[string]string
	json.Unmarshal(buf.Bytes(), &tok)
	if k["id"] == "" || tok["token"] == "" {
		t.Fatalf("keys/tokens create --json printed %v %v", k, tok)
	}
	if err := run(t.Context(), []string{"users", "create", "carol", "--data", dir}, func(string) string { return "" }, io.Discard, io.Discard); err == nil {
		t.Error("creating a user twice succeeded")
	}

	out2, stop2 := startServer(t, dir)
	defer stop2()
	if key2 := keyRe.FindStringSubmatch(out2); key2 == nil || key2[1] != key[1] {
		t.Fatalf("second start printed another demo key: %v, want %s", key2, key[1])
	}
	base2 := baseRe.FindStringSubmatch(out2)[1] + "/v1/playback"
	token2 := tokenRe.FindStringSubmatch(out2)[1]
	status, body = call(t, "GET", base2+"/sessions/"+sid+"/current", key[1], token2, nil)
	if status != 200 || firstEntity(t, body)["track"].(map[string]any)["id"] != "B0CT000006" {
		t.Fatalf("session after restart: %d %v", status, body)
	}
	status, body = call(t, "GET", base2+"/sessions/"+sid+"/current", k["id"], tok["token"], nil)
	if status != 404 {
		t.Fatalf("carol reads the demo user's session: %d %v", status, body)
	}
	status, body = call(t, "POST", base2+"/sessions", k["id"], tok["token"], map[string]any{"playParams": map[string]any{"id": "B0CT000002"}})
	if status != 200 {
		t.Fatalf("carol creates a session: %d %v", status, body)
	}
}

// TestKeysDisableWhileServing: "keys disable", run as its own command on
// the server's store, is seen by the running server at its next read of
// the auth stamp, far within its --cache-ttl of a minute, and "keys
// enable" likewise.
func TestKeysDisableWhileServing(t *testing.T) {
	dir := t.TempDir()
	out, stop := startServer(t, dir, "--cache-ttl", "1m")
	defer stop()
	base, key, token := baseRe.FindStringSubmatch(out)[1], keyRe.FindStringSubmatch(out)[1], tokenRe.FindStringSubmatch(out)[1]
	active := base + "/v1/playback/sessions/active"
	if code, body := call(t, "GET", active, key, token, nil); code != http.StatusOK {
		t.Fatalf("active sessions: %d %v", code, body)
	}
	admin := func(args ...string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), append(args, "--data", dir), func(string) string { return "" }, &stdout, &stderr); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stderr.String())
		}
	}
	// waitFor polls until the server answers want (with the error code
	// wantCode, if any) and returns how long that took.
	waitFor := func(want int, wantCode string) time.Duration {
		t.Helper()
		start := time.Now()
		for {
			code, body := call(t, "GET", active, key, token, nil)
			if code == want {
				env, _ := body["error"].(map[string]any)
				if got, _ := env["code"].(string); got != wantCode {
					t.Fatalf("%d with code %q, want %q: %v", code, got, wantCode, body)
				}
				return time.Since(start)
			}
			if time.Since(start) > 10*time.Second {
				t.Fatalf("still %d %v after 10 s, want %d", code, body, want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	admin("keys", "disable", "demo")
	took := waitFor(http.StatusForbidden, "ACCESS_DENIED")
	admin("keys", "enable", "demo")
	took2 := waitFor(http.StatusOK, "")
	t.Logf("a disabled key was refused after %v, an enabled one accepted after %v", took, took2)
}
