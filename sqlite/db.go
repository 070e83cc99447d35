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
	"sync"
	"sync/atomic"
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
	c       *sql.DB // one connection, WAL checkpoints
	observe func(kind string, d time.Duration)

	writes  chan *writeReq // to the committer
	quit    chan struct{}  // closed by Close
	stopped chan struct{}  // closed when the committer is done

	checkpointed chan struct{} // closed when the checkpointer is done
	kick         chan struct{} // a commit was made: a checkpoint is due
	walFrames    atomic.Int64  // a long WAL's length, for the committer to finish a checkpoint
	walRestart   int64         // the WAL length at which it does: walRestartFrames but in tests
	closing      sync.Once
	groups       atomic.Int64 // commits made, for tests of grouping

	cache  *sessionCache // sessions in memory, when Exclusive
	unlock func()        // releases the Exclusive lock
}

// ObserveWith has f told how long each transaction took, commit included
// ("read" or "write"). Call it before the store is used.
func (db *DB) ObserveWith(f func(kind string, d time.Duration)) { db.observe = f }

// readConns is the size of the read pool.
const readConns = 8

// Options tune how the file is opened.
type Options struct {
	// Synchronous is SQLite's synchronous pragma: FULL (default) or NORMAL.
	Synchronous string
	// Exclusive says that this handle is the only one that changes
	// sessions in the file, as a server is: Open takes a lock next to
	// the file (PATH.lock), which a second Exclusive open fails to take,
	// and keeps sessions in memory, so that reads of a session run no
	// SQL. Other handles (admin commands) may still change users, keys
	// and the catalog.
	Exclusive bool
	// walRestart, when set, replaces walRestartFrames (tests).
	walRestart int64
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
	unlock := func() {}
	if opt.Exclusive {
		var err error
		if unlock, err = lockFile(path + ".lock"); err != nil {
			return nil, err
		}
	}
	db, err := open(ctx, path, sync)
	if err != nil {
		unlock()
		return nil, err
	}
	db.unlock = unlock
	if opt.Exclusive {
		db.cache = newSessionCache(maxCachedSessions)
	}
	if opt.walRestart > 0 {
		db.walRestart = opt.walRestart
	}
	go db.committer()
	go db.checkpointer()
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Page cache sizes, in KiB (SQLite's negative cache_size).
const (
	// readerCacheKiB is each read connection's and the checkpointer's.
	readerCacheKiB = 32 << 10
	// writerCacheKiB is the write connection's, kept small on purpose.
	// When a B-tree rebalance swaps two pages, SQLite parks one under the
	// page number after the 1 GiB "pending byte" page, and the commit's
	// truncation of pages past the end of the file then scans the whole
	// hash table of the cache, whose size follows the pages it holds.
	// With 32 MiB that scan was 5 to 6% of the server's CPU under next;
	// with 8 MiB next on 100,000-entry queues ran 1.4 to 1.8 times as
	// fast, and other writes did not slow down (BENCHMARKS.md).
	writerCacheKiB = 8 << 10
)

// uri is the file URI of path with the pragmas every connection gets,
// its page cache size, and extra query parameters.
func uri(path, sync string, cacheKiB int, extra url.Values) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous("+sync+")")
	q.Add("_pragma", "foreign_keys(ON)")
	q.Add("_pragma", fmt.Sprintf("cache_size(-%d)", cacheKiB))
	// Read the file through a memory map: a connection's page cache is
	// dropped whenever another one commits, and pages then come back
	// from the map rather than through a read system call each.
	q.Add("_pragma", "mmap_size(1073741824)")
	q.Add("_time_format", "sqlite")
	for k, vs := range extra {
		for _, v := range vs {
			q.Add(k, v)
		}
	}
	return "file:" + path + "?" + q.Encode()
}

// open opens the three pools on the file.
func open(ctx context.Context, path, sync string) (*DB, error) {
	w, err := sql.Open(driverName, uri(path, sync, writerCacheKiB, url.Values{
		"_txlock": {"immediate"},
		// Commits do not checkpoint the WAL: a checkpoint inside a commit
		// stalls every write of its group; the checkpointer does it beside.
		"_pragma": {"wal_autocheckpoint(0)"},
	}))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open(driverName, uri(path, sync, readerCacheKiB, url.Values{"_pragma": {"query_only(ON)"}}))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	// Keep every read connection open: a new one parses the schema again
	// and starts with an empty statement cache.
	r.SetMaxOpenConns(readConns)
	r.SetMaxIdleConns(readConns)
	c, err := sql.Open(driverName, uri(path, sync, readerCacheKiB, nil))
	if err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	c.SetMaxOpenConns(1)
	return &DB{w: w, r: r, c: c, writes: make(chan *writeReq), quit: make(chan struct{}), stopped: make(chan struct{}),
		checkpointed: make(chan struct{}), kick: make(chan struct{}, 1), walRestart: walRestartFrames}, nil
}

// Close closes the database.
func (db *DB) Close() error {
	db.closing.Do(func() { close(db.quit) })
	<-db.stopped
	<-db.checkpointed
	err := errors.Join(db.r.Close(), db.c.Close(), db.w.Close())
	if db.unlock != nil {
		db.unlock()
	}
	return err
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
		err = db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
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

// A writeReq is one write transaction waiting for the committer.
type writeReq struct {
	ctx  context.Context
	fn   func(ctx context.Context, tx *sql.Tx) error
	err  error
	pnc  any // what fn panicked with, re-raised in the caller
	done chan struct{}
}

// maxGroup bounds how many write transactions share one commit.
const maxGroup = 128

// write runs fn in a write transaction and returns once it is durable
// (or failed). fn is called with a context that is never cancelled: a
// statement interrupted half-way would abort the whole shared transaction.
//
// Group commit: one goroutine owns the write connection. It takes every
// write that is waiting when it is free, runs each in its own SAVEPOINT of
// one transaction (a write that fails is rolled back to its savepoint and
// does not disturb the others), commits once, and only then answers them
// all. Writers that arrive while a commit is being made durable wait for
// the next group, so under concurrency many writes share one fsync, and
// nothing is acknowledged before its commit.
func (db *DB) write(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	if db.observe != nil {
		defer func(start time.Time) { db.observe("write", time.Since(start)) }(time.Now())
	}
	req := &writeReq{ctx: context.WithoutCancel(ctx), fn: fn, done: make(chan struct{})}
	select {
	case db.writes <- req:
	case <-ctx.Done():
		return ctx.Err()
	case <-db.quit:
		return errClosed
	}
	<-req.done
	if req.pnc != nil {
		panic(req.pnc)
	}
	return req.err
}

// errClosed answers writes made after Close.
var errClosed = errors.New("sqlite: store is closed")

// committer runs the groups of writes until Close.
func (db *DB) committer() {
	defer close(db.stopped)
	for {
		var first *writeReq
		select {
		case first = <-db.writes:
		case <-db.quit:
			return
		}
		group := []*writeReq{first}
	more:
		for len(group) < maxGroup {
			select {
			case r := <-db.writes:
				group = append(group, r)
			default:
				break more
			}
		}
		db.groups.Add(1)
		intact := db.commitGroup(group)
		// Published before anyone is answered: they read their write.
		db.cache.endGroup(intact)
		for _, r := range group {
			close(r.done)
		}
		select {
		case db.kick <- struct{}{}:
		default: // a checkpoint is due already
		}
		db.finishCheckpoint()
	}
}

// commitGroup runs a group in one transaction and sets each one's error.
// It reports whether the file is as the writes that succeeded left it:
// false if the commit failed or the transaction was lost.
func (db *DB) commitGroup(group []*writeReq) (intact bool) {
	setAll := func(err error) {
		for _, r := range group {
			if r.err == nil && r.pnc == nil {
				r.err = err
			}
		}
	}
	ctx := context.Background()
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		setAll(err)
		return false
	}
	if len(group) == 1 {
		// Alone: no savepoint needed, a failure rolls everything back.
		r := group[0]
		r.err = db.run(tx, r)
		if r.err != nil || r.pnc != nil {
			return tx.Rollback() == nil
		}
		r.err = tx.Commit()
		return r.err == nil
	}
	ok := 0
	for _, r := range group {
		if _, err := tx.ExecContext(ctx, "SAVEPOINT w"); err != nil {
			tx.Rollback()
			setAll(err)
			return false
		}
		r.err = db.run(tx, r)
		undo := r.err != nil || r.pnc != nil
		if undo {
			if _, err := tx.ExecContext(ctx, "ROLLBACK TO w"); err != nil {
				tx.Rollback()
				setAll(fmt.Errorf("sqlite: group transaction lost: %w", err))
				return false
			}
		} else {
			ok++
		}
		if _, err := tx.ExecContext(ctx, "RELEASE w"); err != nil {
			tx.Rollback()
			setAll(fmt.Errorf("sqlite: group transaction lost: %w", err))
			return false
		}
	}
	if ok == 0 {
		return tx.Rollback() == nil
	}
	err = tx.Commit()
	setAll(err)
	return err == nil
}

// run calls r.fn, catching a panic so that the committer goes on, and
// keeps the session changes it staged only if it succeeded.
func (db *DB) run(tx *sql.Tx, r *writeReq) (err error) {
	defer func() {
		if p := recover(); p != nil {
			r.pnc = p
			err = fmt.Errorf("sqlite: write panicked: %v", p)
		}
		db.cache.endWrite(err == nil)
	}()
	return r.fn(r.ctx, tx)
}

// checkpointGap is the least time between two checkpoints.
const checkpointGap = 10 * time.Millisecond

// checkpointer copies committed pages from the WAL into the database file
// on its own connection until Close, so that commits never wait for it.
// It runs after commits (the committer kicks it), at most every
// checkpointGap: many small checkpoints, whose fsyncs of the database
// file delay the commits' fsyncs of the WAL far less than a few big ones
// (next's p99 at half load, 10,000 sessions: 26 to 51 ms with a
// checkpoint every 100 ms, 13 ms with one every 10 ms). A PASSIVE
// checkpoint takes no lock that writers or readers wait on; it copies
// what no reader still needs, and the next write after a complete one
// starts the WAL over.
func (db *DB) checkpointer() {
	defer close(db.checkpointed)
	for {
		select {
		case <-db.kick:
		case <-db.quit:
			return
		}
		// An error (SQLITE_BUSY while another checkpoint runs, say) is
		// harmless: the next tick tries again.
		var busy, frames, copied int
		err := db.c.QueryRowContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied)
		if err == nil && int64(frames) > db.walRestart {
			db.walFrames.Store(int64(frames))
		}
		select {
		case <-time.After(checkpointGap):
		case <-db.quit:
			return
		}
	}
}

// walRestartFrames is the WAL length past which the committer finishes a
// checkpoint itself between two groups. Under a steady stream of writes
// the checkpointer's copy is never complete when the next write starts,
// and only then does SQLite start the WAL over; the committer's own
// checkpoint copies the few frames written since and lets it. That
// checkpoint stalls every write for its fsyncs (3 to 9 ms on the machine
// of BENCHMARKS.md), so it should be rare: with 4,096 frames (16 MiB) it
// came 5 times a second under 2,400 next/s; with 16,384 (64 MiB, the
// size the WAL file keeps once reached) about once a second.
const walRestartFrames = 16384

// finishCheckpoint is the committer's checkpoint, between groups, when
// the checkpointer asked for it. A PASSIVE one cannot complete while some
// reader still uses an old snapshot, so past 4× the length the committer
// waits for those readers (RESTART): a rare, short stall of the writes
// rather than a WAL that grows without end.
func (db *DB) finishCheckpoint() {
	frames := db.walFrames.Swap(0)
	if frames == 0 {
		return
	}
	mode := "PASSIVE"
	if frames > 4*db.walRestart {
		mode = "RESTART"
	}
	db.w.ExecContext(context.Background(), "PRAGMA wal_checkpoint("+mode+")")
}

// read runs fn in a read transaction (one consistent snapshot).
func (db *DB) read(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if db.observe != nil {
		defer func(start time.Time) { db.observe("read", time.Since(start)) }(time.Now())
	}
	// Without cancellation: database/sql would watch ctx with a goroutine
	// per transaction, and reads are bounded.
	tx, err := db.r.BeginTx(context.WithoutCancel(ctx), &sql.TxOptions{ReadOnly: true})
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
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", key, value)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("sqlite: setting %s: %w", key, err)
	}
	return db.Setting(ctx, key)
}
