// Package sqlite is Segue's embedded store: one SQLite file in WAL mode
// (synchronous=FULL by default, so an acknowledged write survives a crash)
// that implements the stores the domain packages declare. Writes go
// through a single connection with BEGIN IMMEDIATE; reads use a pool.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/segue/segue"
	_ "modernc.org/sqlite" // the database/sql driver "sqlite"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is an open store.
type DB struct {
	w       *sql.DB // one connection, writes
	r       *sql.DB // pool, reads
	observe func(kind string, d time.Duration)
}

// ObserveWith has f told how long each transaction took, commit included
// ("read" or "write"). Call it before the store is used.
func (db *DB) ObserveWith(f func(kind string, d time.Duration)) { db.observe = f }

// Options tune how the file is opened.
type Options struct {
	// Synchronous is SQLite's synchronous pragma: FULL (default) or NORMAL.
	Synchronous string
}

// Open opens (creating if needed) the database file at path and applies
// the migrations it has not seen.
func Open(ctx context.Context, path string, opt Options) (*DB, error) {
	sync := strings.ToUpper(opt.Synchronous)
	if sync == "" {
		sync = "FULL"
	}
	if sync != "FULL" && sync != "NORMAL" {
		return nil, fmt.Errorf("sqlite: synchronous must be FULL or NORMAL, not %q", opt.Synchronous)
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous("+sync+")")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_pragma", "cache_size(-32768)") // 32 MiB per connection
	q.Add("_time_format", "sqlite")
	wq := url.Values{}
	for k, v := range q {
		wq[k] = v
	}
	wq.Set("_txlock", "immediate")
	w, err := sql.Open("sqlite", "file:"+path+"?"+wq.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode()+"&_pragma=query_only(ON)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	r.SetMaxOpenConns(8)
	db := &DB{w: w, r: r}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Close closes the database.
func (db *DB) Close() error {
	return errors.Join(db.r.Close(), db.w.Close())
}

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	return db.r.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("sqlite: migrations table: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("sqlite: migration %s: name must start with its number", name)
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return err
		}
		err = db.write(ctx, func(tx *sql.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations WHERE version = ?", v).Scan(&n); err != nil || n > 0 {
				return err
			}
			if _, err := tx.ExecContext(ctx, string(body)); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", v, time.Now().UnixNano())
			return err
		})
		if err != nil {
			return fmt.Errorf("sqlite: migration %s: %w", base, err)
		}
	}
	return nil
}

// write runs fn in a write transaction, committing when it returns nil.
func (db *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if db.observe != nil {
		defer func(start time.Time) { db.observe("write", time.Since(start)) }(time.Now())
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// read runs fn in a read transaction (one consistent snapshot).
func (db *DB) read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if db.observe != nil {
		defer func(start time.Time) { db.observe("read", time.Since(start)) }(time.Now())
	}
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(tx)
}

// notFound turns sql.ErrNoRows into RESOURCE_NOT_FOUND; it is the one
// place that does.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return segue.Errorf(segue.ENotFound, format, args...)
	}
	return err
}

// isUnique reports whether err is a UNIQUE or PRIMARY KEY violation.
func isUnique(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// Setting returns a stored setting, or "" if it is not set.
func (db *DB) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := db.w.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

// SetSettingOnce stores value under key unless the key is set, and returns
// the value that is stored.
func (db *DB) SetSettingOnce(ctx context.Context, key, value string) (string, error) {
	err := db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", key, value)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("sqlite: setting %s: %w", key, err)
	}
	return db.Setting(ctx, key)
}
