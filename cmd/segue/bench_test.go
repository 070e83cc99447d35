package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/segue/segue/bench"
)

// TestMain lets the test binary stand in for segue: segue bench starts
// its servers as os.Executable(), which in a test is this binary, with
// SEGUE_BENCH_CHILD=1 and segue's arguments.
func TestMain(m *testing.M) {
	if os.Getenv("SEGUE_BENCH_CHILD") == "1" {
		os.Exit(benchChild())
	}
	os.Exit(m.Run())
}

// benchChild is main for a server the bench started.
func benchChild() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "segue:", err)
		return 1
	}
	return 0
}

// runBench runs segue bench with args and no SEGUE_ settings, and
// decodes its --json report.
func runBench(t *testing.T, args ...string) (*bench.Report, string, error) {
	t.Helper()
	var out, log bytes.Buffer
	start := time.Now()
	err := run(t.Context(), append([]string{"bench", "--json", "--tmpdir", t.TempDir()}, args...), func(string) string { return "" }, &out, &log)
	t.Logf("segue bench %s: %v in %.1f s", strings.Join(args, " "), err, time.Since(start).Seconds())
	var rep bench.Report
	if out.Len() > 0 {
		if jerr := json.Unmarshal(out.Bytes(), &rep); jerr != nil {
			t.Fatalf("--json printed %q: %v", out.String(), jerr)
		}
	}
	return &rep, log.String(), err
}

// checkResults wants every scenario, each with requests and no error, and
// the commit probe if probe.
func checkResults(t *testing.T, rep *bench.Report, scenarios []string, probe bool) {
	t.Helper()
	for _, sc := range scenarios {
		r := rep.Find(sc, "closed", "")
		if r == nil {
			t.Errorf("%s: no result", sc)
			continue
		}
		if r.Requests == 0 || r.PerSecond <= 0 || r.Errors != 0 || r.Latency.P50 <= 0 {
			t.Errorf("%s: %d requests, %.0f/s, p50 %v, %d errors %v", sc, r.Requests, r.PerSecond, r.Latency.P50, r.Errors, r.ErrorSamples)
		}
	}
	if c := rep.Find("commit", "probe", ""); probe && (c == nil || c.Requests == 0 || c.PerSecond <= 0) {
		t.Errorf("commit probe: %+v", c)
	}
}

// TestBenchSmoke runs every scenario for a second on a fresh SQLite store
// with servers the bench starts, so that the bench never rots. The shuffle
// scenario keeps its 10,000-entry queues (two sessions of them).
func TestBenchSmoke(t *testing.T) {
	t.Parallel()
	rep, log, err := runBench(t, "--duration", "1s", "--warmup", "300ms", "--concurrency", "1", "--sessions", "50")
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	checkResults(t, rep, bench.Scenarios, true)
	if r := rep.Find(bench.Shuffle, "", ""); r != nil && r.Queue != bench.ShuffleQueue {
		t.Errorf("shuffle on queues of %d entries, want %d", r.Queue, bench.ShuffleQueue)
	}
	if r := rep.Find(bench.Mixed, "", ""); r != nil && r.Sessions != 50 {
		t.Errorf("mixed over %d sessions, want 50", r.Sessions)
	}
	if len(rep.URLs) != 1 || rep.Label != "SQLite FULL" {
		t.Errorf("report of %q at %v", rep.Label, rep.URLs)
	}
}

// TestBenchPostgres runs next and mixed on two instances sharing a fresh
// PostgreSQL schema, which is dropped afterwards.
func TestBenchPostgres(t *testing.T) {
	t.Parallel()
	dsn := os.Getenv("SEGUE_TEST_POSTGRES")
	if dsn == "skip" {
		t.Skip("SEGUE_TEST_POSTGRES=skip")
	}
	if dsn == "" {
		dsn = "postgres://root@127.0.0.1:5432/test?sslmode=disable"
	}
	schemas := func() []string {
		conn, err := pgx.Connect(t.Context(), dsn)
		if err != nil {
			t.Fatalf("PostgreSQL at SEGUE_TEST_POSTGRES (%s): %v; set SEGUE_TEST_POSTGRES=skip to skip", dsn, err)
		}
		defer conn.Close(context.Background())
		rows, _ := conn.Query(t.Context(), "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'segue_bench_%'")
		names, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return names
	}
	before := schemas()
	rep, log, err := runBench(t, "--db", dsn, "--fresh", "--instances", "2", "--scenarios", "next,mixed",
		"--duration", "1s", "--warmup", "300ms", "--concurrency", "4", "--sessions", "50")
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	checkResults(t, rep, []string{bench.Next, bench.Mixed}, true)
	if len(rep.URLs) != 2 {
		t.Errorf("servers %v, want 2", rep.URLs)
	}
	for _, s := range schemas() {
		if !slices.Contains(before, s) {
			t.Errorf("schema %s left behind", s)
		}
	}
}

// TestBenchFailsOnWrongAnswers: servers named by --url that answer
// /healthz wrongly make segue bench fail, unless --allow-errors.
func TestBenchFailsOnWrongAnswers(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"status":"starting"}`)
	}))
	defer srv.Close()
	data := t.TempDir()
	args := []string{"--url", srv.URL, "--data", data, "--scenarios", "healthz", "--duration", "200ms", "--warmup", "0s", "--probe=false", "--concurrency", "2", "--sessions", "2"}
	rep, _, err := runBench(t, args...)
	if err == nil || !strings.Contains(err.Error(), "failed checks") {
		t.Errorf("err = %v, want failed checks", err)
	}
	r := rep.Find(bench.Healthz, "closed", "")
	if r == nil || r.Errors == 0 || len(r.ErrorSamples) == 0 || !strings.Contains(r.ErrorSamples[0], `"starting"`) {
		t.Errorf("healthz result %+v", r)
	}
	if _, _, err := runBench(t, append(args, "--allow-errors")...); err != nil {
		t.Errorf("--allow-errors: %v", err)
	}
}

// TestBenchFlags refuses contradictory flags before doing anything.
func TestBenchFlags(t *testing.T) {
	for _, args := range [][]string{
		{"--instances", "2"},
		{"--url", "http://127.0.0.1:1"},
		{"--suite", "--db", "postgres://x/y"},
		{"--suite", "--rate", "10"},
		{"--suite", "--data", "x"},
		{"--scenarios", "nope", "--url", "http://127.0.0.1:1", "--data", "x"},
		{"stray"},
	} {
		if _, _, err := runBench(t, args...); err == nil {
			t.Errorf("segue bench %v: no error", args)
		}
	}
}
