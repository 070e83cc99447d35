package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

var longRun = flag.Bool("long", false, "run the long form of the e2e tests (also SEGUE_E2E_LONG=1)")

// segueBin is the binary TestMain builds.
var segueBin string

// isLong reports whether the long form runs.
func isLong() bool { return *longRun || os.Getenv("SEGUE_E2E_LONG") == "1" }

// pick returns short or long by the run's form.
func pick[T any](short, long T) T {
	if isLong() {
		return long
	}
	return short
}

// testSeed is the run's random seed: SEGUE_E2E_SEED, or the clock.
func testSeed(t *testing.T) int64 {
	t.Helper()
	seed := time.Now().UnixNano()
	if s := os.Getenv("SEGUE_E2E_SEED"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("SEGUE_E2E_SEED: %v", err)
		}
		seed = n
	}
	t.Logf("seed %d (SEGUE_E2E_SEED=%d reuses it), long=%v", seed, seed, isLong())
	return seed
}

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "segue-e2e-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(dir)
	root, err := moduleRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	segueBin = filepath.Join(dir, "segue")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, goTool(), "build", "-o", segueBin, "./cmd/segue")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: go build ./cmd/segue: %v\n%s", err, out)
		return 1
	}
	defer killAll() // whatever a test left running (it should have left nothing)
	return m.Run()
}

// goTool returns the go command that runs this test.
func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(os.Getenv("GOROOT"), "bin", "go")
}

// moduleRoot walks up from the package's folder to the folder of go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the test's folder")
		}
		dir = parent
	}
}

// childEnv is the environment of the processes the tests start: the
// test's own, less Segue's settings, so that only the flags decide.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SEGUE_") {
			env = append(env, kv)
		}
	}
	return env
}

// ---- processes ----

var (
	liveMu sync.Mutex
	live   = map[*server]bool{}
)

func killAll() {
	liveMu.Lock()
	var all []*server
	for s := range live {
		all = append(all, s)
	}
	liveMu.Unlock()
	for _, s := range all {
		s.kill()
	}
}

// server is one `segue serve` process.
type server struct {
	name    string
	URL     string // http://127.0.0.1:PORT
	logPath string
	cmd     *exec.Cmd
	exited  chan struct{} // closed once the process is reaped
	once    sync.Once
}

// startServer starts `segue serve` with the store flags and waits until
// it listens and /readyz answers 200. The process is killed at cleanup.
func startServer(t testing.TB, name string, store []string) *server {
	t.Helper()
	s, err := launch(t, name, store)
	if err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	return s
}

func launch(t testing.TB, name string, store []string) (*server, error) {
	logf, err := os.CreateTemp(t.TempDir(), name+"-*.log")
	if err != nil {
		return nil, err
	}
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--demo=false", "--log-format", "json"}, store...)
	cmd := exec.Command(segueBin, args...)
	cmd.Env = childEnv()
	cmd.Stderr = logf
	cmd.SysProcAttr = procAttr()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		logf.Close()
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	s := &server{name: name, logPath: logf.Name(), cmd: cmd, exited: make(chan struct{})}
	liveMu.Lock()
	live[s] = true
	liveMu.Unlock()
	t.Cleanup(s.kill)

	first := make(chan string, 1)
	go func() {
		r := bufio.NewReader(stdout)
		line, _ := r.ReadString('\n')
		first <- line
		io.Copy(io.Discard, r)
		cmd.Wait()
		logf.Close()
		close(s.exited)
	}()
	var line string
	select {
	case line = <-first:
	case <-time.After(30 * time.Second):
		s.kill()
		return nil, fmt.Errorf("no banner within 30s; log:\n%s", s.logTail())
	}
	const prefix = "Segue is listening on "
	if !strings.HasPrefix(line, prefix) {
		s.kill()
		return nil, fmt.Errorf("first line %q is not the banner; log:\n%s", line, s.logTail())
	}
	s.URL, _, _ = strings.Cut(strings.TrimPrefix(line, prefix), " ")
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
		s.kill()
		return nil, fmt.Errorf("banner %q names no loopback URL", line)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.URL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s, nil
			}
		}
		if time.Now().After(deadline) {
			s.kill()
			return nil, fmt.Errorf("/readyz not 200 within 30s (last error %v); log:\n%s", err, s.logTail())
		}
		select {
		case <-s.exited:
			return nil, fmt.Errorf("exited before it was ready; log:\n%s", s.logTail())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// kill sends SIGKILL and waits for the process to be reaped. It may be
// called more than once.
func (s *server) kill() {
	s.once.Do(func() {
		s.cmd.Process.Kill()
		select {
		case <-s.exited:
		case <-time.After(30 * time.Second):
		}
		liveMu.Lock()
		delete(live, s)
		liveMu.Unlock()
	})
}

// logTail returns the end of the server's log, for failure messages.
func (s *server) logTail() string {
	b, _ := os.ReadFile(s.logPath)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// ---- admin commands ----

// admin runs `segue ARGS... STORE...` and decodes its --json output.
func admin(t testing.TB, store []string, out any, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, segueBin, append(append(args, "--json"), store...)...)
	cmd.Env = childEnv()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("segue %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("segue %s: output %q: %v", strings.Join(args, " "), b, err)
	}
}

// account is a user with a token, and the API key the tests share.
type account struct {
	name, key, token string
}

// newAPIKey creates a security profile and returns its x-api-key.
func newAPIKey(t testing.TB, store []string) string {
	var k struct{ ID string }
	admin(t, store, &k, "keys", "create", "e2e-"+randHex(4))
	if !strings.HasPrefix(k.ID, "sgk_") {
		t.Fatalf("keys create: id %q", k.ID)
	}
	return k.ID
}

// newAccount creates an UNLIMITED user with maxStreams streams and a token.
func newAccount(t testing.TB, store []string, key, name string, streams int) account {
	var u struct {
		ID         string
		MaxStreams int
	}
	admin(t, store, &u, "users", "create", name, "--tier", "UNLIMITED", "--streams", strconv.Itoa(streams))
	if u.MaxStreams != streams {
		t.Fatalf("users create %s: maxStreams %d, want %d", name, u.MaxStreams, streams)
	}
	var tok struct{ Token string }
	admin(t, store, &tok, "tokens", "create", "--user", name, "--ttl", "2h")
	if tok.Token == "" {
		t.Fatalf("tokens create --user %s: no token", name)
	}
	return account{name: name, key: key, token: tok.Token}
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// ---- PostgreSQL ----

// postgresStore makes a fresh schema on SEGUE_TEST_POSTGRES and returns
// the store flags that select it. The schema is dropped at cleanup, after
// the servers started later are killed.
func postgresStore(t *testing.T) []string {
	t.Helper()
	dsn := os.Getenv("SEGUE_TEST_POSTGRES")
	if dsn == "skip" {
		t.Skip("SEGUE_TEST_POSTGRES=skip")
	}
	if dsn == "" {
		dsn = "postgres://root@127.0.0.1:5432/test?sslmode=disable"
	}
	schema := "e2e_" + randHex(6)
	exec := func(sql string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("PostgreSQL at SEGUE_TEST_POSTGRES (%s): %v; set SEGUE_TEST_POSTGRES=skip to skip", dsn, err)
	}
	t.Cleanup(func() {
		if err := exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("SEGUE_TEST_POSTGRES must be a postgres:// URL, got %q", dsn)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	t.Logf("PostgreSQL schema %s", schema)
	return []string{"--db", u.String()}
}

// sqliteStore returns the store flags of a fresh SQLite data folder.
func sqliteStore(t *testing.T) []string {
	return []string{"--data", t.TempDir()}
}

// ---- HTTP ----

// api is a client of the playback API as one device of one account.
type api struct {
	hc     *http.Client
	acct   account
	device string
}

// reply is what the tests read of an answer.
type reply struct {
	Status int
	ETag   int64 // 0 when absent
	Raw    []byte
	Err    error // transport error: no answer
	Body   struct {
		Data struct {
			Entities []struct {
				SessionID         string
				EntityReferenceID string
				MetricID          string
				PlaybackState     string
				LoopMode          string
				ShuffleMode       string
				DeviceID          string
				TakenOverBy       *struct{ SessionID, DeviceID string }
			}
			InsertedEntityReferenceIds []string
			PageInfo                   struct {
				HasNextPage bool
				Token       string
			}
			MetricID  string
			Accepted  bool
			Duplicate *bool
		}
		Error *struct {
			Status, Code, Message string
			Payload               map[string]any
		}
	}
}

// code returns the error code of the answer, or "".
func (r *reply) code() string {
	if r.Body.Error == nil {
		return ""
	}
	return r.Body.Error.Code
}

// first returns the first entity's reference and metric ids.
func (r *reply) first() (ref, metric string) {
	if len(r.Body.Data.Entities) == 0 {
		return "", ""
	}
	e := r.Body.Data.Entities[0]
	return e.EntityReferenceID, e.MetricID
}

func (r *reply) String() string {
	if r.Err != nil {
		return "transport error: " + r.Err.Error()
	}
	b := r.Raw
	if len(b) > 600 {
		b = b[:600]
	}
	return fmt.Sprintf("%d ETag %d %s", r.Status, r.ETag, b)
}

// call sends one request. hdr adds headers (If-Match, Idempotency-Key).
func (a *api) call(ctx context.Context, base, method, path string, body any, hdr map[string]string) *reply {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			panic(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
	if err != nil {
		return &reply{Err: err}
	}
	req.Header.Set("x-api-key", a.acct.key)
	req.Header.Set("Authorization", "Bearer "+a.acct.token)
	req.Header.Set("X-Amzn-Device-Id", a.device)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return &reply{Err: err}
	}
	defer resp.Body.Close()
	r := &reply{Status: resp.StatusCode}
	if r.Raw, err = io.ReadAll(resp.Body); err != nil {
		return &reply{Err: err}
	}
	if e := resp.Header.Get("ETag"); e != "" {
		v, err := strconv.ParseInt(strings.Trim(e, `"`), 10, 64)
		if err != nil {
			return &reply{Err: fmt.Errorf("ETag %q: %v", e, err)}
		}
		r.ETag = v
	}
	if err := json.Unmarshal(r.Raw, &r.Body); err != nil {
		return &reply{Err: fmt.Errorf("body %q: %v", r.Raw, err)}
	}
	return r
}

// newHTTPClient returns a client for loopback servers.
func newHTTPClient() *http.Client {
	return &http.Client{
		Timeout: 60 * time.Second,
		Transport: &http.Transport{
			MaxIdleConnsPerHost: 16,
			IdleConnTimeout:     30 * time.Second,
		},
	}
}

// createBody is the body of POST /sessions: the tracks, started at the
// first, with a window of 3.
func createBody(tracks []string, loop string) map[string]any {
	return map[string]any{
		"playParams":      map[string]any{"id": tracks[0], "containerIds": tracks},
		"playbackOptions": map[string]any{"shuffleMode": "SHUFFLE_OFF", "loopMode": loop},
		"limit":           3,
	}
}

// trackID is the demo catalog's id of track n (1..3503).
func trackID(n int) string { return fmt.Sprintf("B0CT%06d", n) }

// eventBody is the body of POST /event.
func eventBody(metric, typ string, ts int64, takeOver string) map[string]any {
	ev := map[string]any{"type": typ, "clientTimestampInMilliseconds": ts}
	if typ == "progress" || typ == "pause" {
		ev["entityProgressSeconds"] = 12.5
	}
	b := map[string]any{"metricId": metric, "event": ev}
	if takeOver != "" {
		b["options"] = map[string]any{"takeOverType": takeOver}
	}
	return b
}

// walkQueue pages through a session's queue and returns its entries'
// reference ids in order, and the ETag of each page.
func walkQueue(ctx context.Context, a *api, base, sessionID string, pageSize int) (refs []string, etags []int64, err error) {
	cursor := ""
	for page := 0; page < 10000; page++ {
		path := fmt.Sprintf("/v1/playback/sessions/%s/queue?limit=%d", sessionID, pageSize)
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		r := a.call(ctx, base, "GET", path, nil, nil)
		if r.Err != nil || r.Status != 200 {
			return refs, etags, fmt.Errorf("queue page %d: %s", page, r)
		}
		for _, e := range r.Body.Data.Entities {
			refs = append(refs, e.EntityReferenceID)
		}
		etags = append(etags, r.ETag)
		if !r.Body.Data.PageInfo.HasNextPage {
			return refs, etags, nil
		}
		cursor = r.Body.Data.PageInfo.Token
	}
	return refs, etags, errors.New("queue: more than 10000 pages")
}
