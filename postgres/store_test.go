package postgres_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"hash/fnv"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/segue/segue/postgres"
	"github.com/segue/segue/storetest"
)

var ctx = context.Background()

// testDSN is the database the tests use: SEGUE_TEST_POSTGRES, or the
// local default. SEGUE_TEST_POSTGRES=skip skips them; otherwise a
// database that does not answer fails them (CI must not skip).
func testDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("SEGUE_TEST_POSTGRES")
	if dsn == "skip" {
		t.Skip("SEGUE_TEST_POSTGRES=skip")
	}
	if dsn == "" {
		dsn = "postgres://root@127.0.0.1:5432/test?sslmode=disable"
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("PostgreSQL at SEGUE_TEST_POSTGRES (%s) does not answer: %v; set SEGUE_TEST_POSTGRES=skip to skip", dsn, err)
	}
	conn.Close(ctx)
	return dsn
}

// schemas makes a schema per test, dropped when the test ends.
type schemas struct {
	dsn, run string
	made     sync.Map // schema name → true
}

func newSchemas(t *testing.T) *schemas {
	return &schemas{dsn: testDSN(t), run: rand.Text()[:8]}
}

// exec runs one statement on its own connection.
func (s *schemas) exec(t *testing.T, sql string) {
	t.Helper()
	conn, err := pgx.Connect(ctx, s.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// dsn returns the DSN of t's schema, creating the schema on first use.
func (s *schemas) dsnFor(t *testing.T) (dsn, schema string) {
	t.Helper()
	h := fnv.New32a()
	h.Write([]byte(t.Name()))
	schema = fmt.Sprintf("seg_%s_%08x", strings.ToLower(s.run), h.Sum32())
	if _, made := s.made.LoadOrStore(schema, true); !made {
		s.exec(t, "CREATE SCHEMA "+schema)
		t.Cleanup(func() { s.exec(t, "DROP SCHEMA "+schema+" CASCADE") })
	}
	return withParams(t, s.dsn, schema), schema
}

// withParams adds search_path to a URL or key=value DSN and, unless it
// says otherwise, pools of 4 connections (a store has two): tests run in
// parallel, one per CPU, and must stay under max_connections.
func withParams(t *testing.T, dsn, schema string) string {
	pool := !strings.Contains(dsn, "pool_max_conns")
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		dsn += " search_path=" + schema
		if pool {
			dsn += " pool_max_conns=4"
		}
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	if pool {
		q.Set("pool_max_conns", "4")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func (s *schemas) open(t *testing.T) *postgres.DB {
	t.Helper()
	dsn, _ := s.dsnFor(t)
	db, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestStore runs the conformance suite, each test in a schema of its own.
func TestStore(t *testing.T) {
	s := newSchemas(t)
	storetest.Run(t, func(t *testing.T) storetest.Store { return s.open(t) })
}

// TestOpen_Race opens a new schema from several goroutines at once, as
// instances starting together do: all succeed, each migration is applied
// once, and the tables are in the DSN's schema.
func TestOpen_Race(t *testing.T) {
	s := newSchemas(t)
	dsn, schema := s.dsnFor(t)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			db, err := postgres.Open(ctx, dsn)
			if err != nil {
				t.Errorf("Open: %v", err)
				return
			}
			db.Close()
		})
	}
	wg.Wait()
	conn, err := pgxpool.New(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	files, err := filepath.Glob("migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("migration files: %v, %v", files, err)
	}
	var rows, versions, tables int
	err = conn.QueryRow(ctx, "SELECT count(*), count(DISTINCT version) FROM schema_migrations").Scan(&rows, &versions)
	if err != nil || rows != len(files) || versions != len(files) {
		t.Errorf("schema_migrations: %d rows, %d versions, %v; want %d of each", rows, versions, err, len(files))
	}
	err = conn.QueryRow(ctx, "SELECT count(*) FROM information_schema.tables WHERE table_schema = $1 AND table_name IN ('sessions', 'users', 'tracks')", schema).Scan(&tables)
	if err != nil || tables != 3 {
		t.Errorf("%d of sessions, users, tracks in schema %s, %v", tables, schema, err)
	}
}
