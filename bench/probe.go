package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // the database/sql driver "sqlite"
)

// probeRow is what each probe commit inserts: one row of about 100 bytes.
var probeRow = strings.Repeat("x", 100)

// timeCommits runs commit until warmup+d has passed and returns the
// latencies of the commits after the warmup.
func timeCommits(ctx context.Context, warmup, d time.Duration, commit func(i int) error) (*Result, error) {
	start := time.Now()
	measureFrom := start.Add(warmup)
	end := measureFrom.Add(d)
	var samples []time.Duration
	var last time.Time
	for i := 0; ; i++ {
		t0 := time.Now()
		if !t0.Before(end) || ctx.Err() != nil {
			break
		}
		if err := commit(i); err != nil {
			return nil, err
		}
		if !t0.Before(measureFrom) {
			last = time.Now()
			samples = append(samples, last.Sub(t0))
		}
	}
	r := &Result{Scenario: "commit", Mode: "probe", Concurrency: 1, Requests: int64(len(samples)), BenchCPU: -1, ServerCPU: -1}
	if len(samples) > 0 {
		window := max(last.Sub(measureFrom), d)
		r.Seconds, r.PerSecond = window.Seconds(), float64(len(samples))/window.Seconds()
	}
	r.Latency = Summarize(samples)
	return r, ctx.Err()
}

// ProbeSQLite measures the raw durable commit rate of SQLite on the disk
// of path: a new database file there, in WAL mode with the given
// synchronous setting (FULL or NORMAL), one connection, and one
// autocommitted single-row INSERT per commit. The file is removed
// afterwards.
func ProbeSQLite(path, synchronous string) ProbeFunc {
	return func(ctx context.Context, warmup, d time.Duration) (*Result, error) {
		q := url.Values{}
		q.Add("_pragma", "busy_timeout(10000)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous("+strings.ToUpper(synchronous)+")")
		db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
		if err != nil {
			return nil, err
		}
		defer func() {
			db.Close()
			for _, f := range []string{path, path + "-wal", path + "-shm"} {
				os.Remove(f)
			}
		}()
		db.SetMaxOpenConns(1)
		if _, err := db.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS probe (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, payload TEXT NOT NULL)"); err != nil {
			return nil, fmt.Errorf("sqlite probe: %w", err)
		}
		return timeCommits(ctx, warmup, d, func(i int) error {
			_, err := db.ExecContext(ctx, "INSERT INTO probe (at, payload) VALUES (?, ?)", time.Now().UnixNano(), probeRow)
			return err
		})
	}
}

// ProbePostgres measures the raw durable commit rate of the PostgreSQL
// server dsn names: one connection, one autocommitted single-row INSERT
// per commit, into a table made for the probe (in the first schema of the
// DSN's search_path) and dropped afterwards.
func ProbePostgres(dsn string) ProbeFunc {
	return func(ctx context.Context, warmup, d time.Duration) (*Result, error) {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return nil, fmt.Errorf("postgres probe: %w", err)
		}
		defer conn.Close(context.Background())
		table := "segue_bench_probe_" + randomHex(4)
		if _, err := conn.Exec(ctx, "CREATE TABLE "+table+" (id bigserial PRIMARY KEY, at bigint NOT NULL, payload text NOT NULL)"); err != nil {
			return nil, fmt.Errorf("postgres probe: %w", err)
		}
		defer conn.Exec(context.Background(), "DROP TABLE "+table)
		insert := "INSERT INTO " + table + " (at, payload) VALUES ($1, $2)"
		return timeCommits(ctx, warmup, d, func(i int) error {
			_, err := conn.Exec(ctx, insert, time.Now().UnixNano(), probeRow)
			return err
		})
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
