// Package postgres is Segue's shared store for several instances: one
// PostgreSQL database (pgx) that implements the stores the domain packages
// declare, as the embedded sqlite package does for one instance.
//
// Everything that must be serialised is serialised in the database, so
// that any number of instances may share it: the transactions that change
// an account (its sessions, streams and skips) first lock the user's row,
// and reads of a session or an account run in one REPEATABLE READ snapshot.
//
// The store holds two pools. Write transactions (which may wait on a row
// lock) use one; single reads, read-only snapshots and the catalog use the
// other and never wait on a lock. A transaction that holds an account's
// lock and reads the catalog (a station growing inside an update) thus
// always finds a connection, however many others queue behind its lock.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/segue/segue"
)

// DB is an open store.
type DB struct {
	w       *pgxpool.Pool // write transactions
	r       *pgxpool.Pool // reads: never wait on a row lock
	observe func(kind string, d time.Duration)
}

// ObserveWith has f told how long each transaction took, commit included
// ("read" or "write"). Call it before the store is used.
func (db *DB) ObserveWith(f func(kind string, d time.Duration)) { db.observe = f }

// Open connects to the database dsn names (a postgres:// URL or key=value
// string; runtime parameters such as search_path pass through) and applies
// the migrations it has not seen, in the first schema of the search_path.
func Open(ctx context.Context, dsn string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse DSN: %w", err)
	}
	w, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	r, err := pgxpool.NewWithConfig(ctx, cfg.Copy())
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	db := &DB{w: w, r: r}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Close closes the database's connections.
func (db *DB) Close() error {
	db.r.Close()
	db.w.Close()
	return nil
}

// Ping reports whether the database answers.
func (db *DB) Ping(ctx context.Context) error {
	return db.r.Ping(ctx)
}

// write runs fn in a read-committed transaction on the write pool,
// committing when it returns nil.
func (db *DB) write(ctx context.Context, fn func(tx pgx.Tx) error) error {
	if db.observe != nil {
		defer func(start time.Time) { db.observe("write", time.Since(start)) }(time.Now())
	}
	return pgx.BeginFunc(ctx, db.w, fn)
}

// exec runs one statement in its own transaction on the write pool.
func (db *DB) exec(ctx context.Context, query string, args ...any) (pgconn.CommandTag, error) {
	if db.observe != nil {
		defer func(start time.Time) { db.observe("write", time.Since(start)) }(time.Now())
	}
	return db.w.Exec(ctx, query, args...)
}

// read runs fn in a read-only REPEATABLE READ transaction: one consistent
// snapshot that waits on no lock.
func (db *DB) read(ctx context.Context, fn func(tx pgx.Tx) error) error {
	if db.observe != nil {
		defer func(start time.Time) { db.observe("read", time.Since(start)) }(time.Now())
	}
	return pgx.BeginTxFunc(ctx, db.r, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
}

// accountLockKey is the first key of the advisory lock that stands in for
// the row lock of a user that has no row.
const accountLockKey = 0x5e60e

// lockAccount serialises the transactions on one user's account: it
// locks the user's row (FOR NO KEY UPDATE, so that it conflicts with the
// other account transactions but not with the foreign-key checks of a new
// token). A user id with no row gets a transaction advisory lock instead.
func lockAccount(ctx context.Context, tx pgx.Tx, userID string) error {
	var one int
	err := tx.QueryRow(ctx, "SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE", userID).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		_, err = tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, hashtext($2))", accountLockKey, userID)
	}
	if err != nil {
		return fmt.Errorf("postgres: lock account: %w", err)
	}
	return nil
}

// notFound turns pgx.ErrNoRows into RESOURCE_NOT_FOUND; it is the one
// place that does.
func notFound(err error, format string, args ...any) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return segue.Errorf(segue.ENotFound, format, args...)
	}
	return err
}

// isUnique reports whether err is a UNIQUE or PRIMARY KEY violation.
func isUnique(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// Setting returns a stored setting, or "" if it is not set.
func (db *DB) Setting(ctx context.Context, key string) (string, error) {
	var v string
	err := db.r.QueryRow(ctx, "SELECT value FROM settings WHERE key = $1", key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("postgres: setting %s: %w", key, err)
	}
	return v, nil
}

// SetSettingOnce stores value under key unless the key is set, and returns
// the value that is stored: instances that start together agree on it.
func (db *DB) SetSettingOnce(ctx context.Context, key, value string) (string, error) {
	if _, err := db.exec(ctx, "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING", key, value); err != nil {
		return "", fmt.Errorf("postgres: setting %s: %w", key, err)
	}
	return db.Setting(ctx, key)
}
