package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"github.com/segue/segue/internal/storecache"
	"github.com/segue/segue/playback"
)

// The session cache keeps committed sessions, and some of their entries,
// in memory, so that a read of a session (current) runs no SQL at all and
// a write (next) reads nothing back from the file. It is used only when
// the store is opened Exclusive: this process is then the only one that
// changes sessions, and every change passes through the committer.
//
// The rules that keep it exact:
//   - A state in the cache is the session as committed at its version,
//     with entries as committed at that version. States are never
//     changed once published; a change publishes a new one.
//   - Writes reach the cache only through the committer, after their
//     commit is durable and before they are acknowledged: a client that
//     was answered reads its own write. Changes made inside a write are staged in the
//     write's overlay, moved to the group's overlay when the write's
//     savepoint is released, and published when the group commits. A
//     later write of the same group reads the staged state.
//   - A reader that missed fills the cache with what it read, unless a
//     newer version is there already, or a state was dropped (or evicted)
//     since the reader began: the dropped one may have been newer than
//     what the reader saw. A write that does not change the version (a touch)
//     drops an uncached session for that.
//   - A group whose outcome is in doubt (its commit failed) drops
//     everything.

// Bounds of the cache: sessions kept, and entries kept per session.
const (
	maxCachedSessions = 20000
	maxCachedEntries  = 16
)

type sessKey struct{ user, id string }

// sessState is one committed session and some of its entries.
type sessState struct {
	s       playback.Session
	entries map[string]playback.Entry
}

// overlay is a set of staged changes: a nil state drops the session.
type overlay struct {
	clear bool // everything before was dropped
	m     map[sessKey]*sessState
}

func (o *overlay) get(k sessKey) (st *sessState, known bool) {
	if st, ok := o.m[k]; ok {
		return st, true
	}
	return nil, o.clear
}

func (o *overlay) put(k sessKey, st *sessState) {
	if o.m == nil {
		o.m = map[sessKey]*sessState{}
	}
	o.m[k] = st
}

// reset empties the overlay, keeping its map for the next write or group
// (a new map for each was a tenth of the committer's allocations);
// dropAll marks everything staged before as dropped.
func (o *overlay) reset(dropAll bool) {
	clear(o.m)
	o.clear = dropAll
}

// sessionCache is the cache and the committer's overlays. A nil
// *sessionCache is no cache: it holds nothing, and what is staged in it
// goes nowhere.
type sessionCache struct {
	mu      sync.RWMutex
	m       map[sessKey]*sessState
	seq     uint64 // groups published
	dropSeq uint64 // seq of the latest drop, eviction or clear
	max     int

	// The committer's alone.
	group, req overlay
}

func newSessionCache(max int) *sessionCache {
	return &sessionCache{m: map[sessKey]*sessState{}, max: max}
}

// get returns the published state of a session (nil if none), and a
// token for fill.
func (c *sessionCache) get(k sessKey) (*sessState, uint64) {
	if c == nil {
		return nil, 0
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[k], c.seq
}

// token is where a reader that goes to the file starts, for fill.
func (c *sessionCache) token() uint64 {
	if c == nil {
		return 0
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.seq
}

// fill offers what a reader read, in a snapshot taken after token.
func (c *sessionCache) fill(k sessKey, token uint64, st *sessState) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dropSeq > token {
		return
	}
	cur := c.m[k]
	switch {
	case cur == nil:
		c.insert(k, st)
	case cur.s.Version < st.s.Version:
		c.m[k] = st
	case cur.s.Version == st.s.Version && len(cur.entries) < maxCachedEntries:
		// The same version has the same entries: keep what both read.
		merged := &sessState{s: cur.s, entries: make(map[string]playback.Entry, len(cur.entries)+len(st.entries))}
		for r, e := range cur.entries {
			merged.entries[r] = e
		}
		for r, e := range st.entries {
			if len(merged.entries) >= maxCachedEntries {
				break
			}
			merged.entries[r] = e
		}
		c.m[k] = merged
	}
}

// insert adds a state, evicting an eighth of the cache when it is full.
// c.mu is held.
func (c *sessionCache) insert(k sessKey, st *sessState) {
	if storecache.MakeRoom(c.m, k, c.max) {
		c.dropSeq = c.seq
	}
	c.m[k] = st
}

// writerGet is the state a write sees: its own staged changes, then its
// group's, then the published one. Committer only.
func (c *sessionCache) writerGet(k sessKey) *sessState {
	if c == nil {
		return nil
	}
	if st, known := c.req.get(k); known {
		return st
	}
	if st, known := c.group.get(k); known {
		return st
	}
	st, _ := c.get(k)
	return st
}

// stage records a write's new state of a session (nil drops it).
// Committer only.
func (c *sessionCache) stage(k sessKey, st *sessState) {
	if c != nil {
		c.req.put(k, st)
	}
}

// change stages a change of a session's row that leaves its entries as
// they are: f changes a copy of the session and reports whether it did.
// A session that is not cached is dropped all the same, so that a reader
// that read it before this write does not fill the cache with it (a
// change that keeps the version cannot be told apart by it). Committer
// only.
func (c *sessionCache) change(k sessKey, f func(s *playback.Session) bool) {
	cur := c.writerGet(k)
	if cur == nil {
		c.stage(k, nil)
		return
	}
	s := cur.s
	if f(&s) {
		c.stage(k, newState(s, cur.entries))
	}
}

// stageClear drops every session. Committer only.
func (c *sessionCache) stageClear() {
	if c != nil {
		c.req.reset(true)
	}
}

// endWrite keeps a write's staged changes for its group if it succeeded,
// and forgets them if it was rolled back. Committer only.
func (c *sessionCache) endWrite(ok bool) {
	if c == nil {
		return
	}
	if ok {
		if c.req.clear {
			c.group.reset(true)
		}
		for k, st := range c.req.m {
			c.group.put(k, st)
		}
	}
	c.req.reset(false)
}

// endGroup publishes the changes of a group that committed (or rolled
// back with nothing kept), or drops every session when the group's
// outcome is in doubt (intact false). Committer only.
func (c *sessionCache) endGroup(intact bool) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	if !intact || c.group.clear {
		clear(c.m)
		c.dropSeq = c.seq
	}
	if intact {
		for k, st := range c.group.m {
			if st == nil {
				delete(c.m, k)
				c.dropSeq = c.seq
				continue
			}
			c.insert(k, st)
		}
	}
	c.group.reset(false)
}

// newState is a state to cache: the session with its times as the file
// gives them back, and entries unless there are too many.
func newState(s playback.Session, entries map[string]playback.Entry) *sessState {
	s.CreatedAt = time.Unix(0, s.CreatedAt.UnixNano()).UTC()
	s.UpdatedAt = time.Unix(0, s.UpdatedAt.UnixNano()).UTC()
	if len(entries) > maxCachedEntries {
		entries = nil
	}
	return &sessState{s: s, entries: entries}
}

// cacheSource serves entries from a cached state and notes a miss.
type cacheSource struct {
	st     *sessState
	missed bool
}

func (c *cacheSource) Entry(ref string) (playback.Entry, error) {
	if e, ok := c.st.entries[ref]; ok {
		return e, nil
	}
	c.missed = true
	return playback.Entry{}, errCacheMiss
}

func (c *cacheSource) Entries() ([]playback.Entry, error) {
	c.missed = true
	return nil, errCacheMiss
}

// recordingSource reads entries in a transaction, starting from a cached
// state's, and keeps those it returned one by one.
type recordingSource struct {
	txSource
	base map[string]playback.Entry
	seen map[string]playback.Entry
}

func (r *recordingSource) Entry(ref string) (playback.Entry, error) {
	e, ok := r.base[ref]
	if !ok {
		var err error
		if e, err = r.txSource.Entry(ref); err != nil {
			return e, err
		}
	}
	if r.seen == nil {
		r.seen = make(map[string]playback.Entry, 4)
	}
	r.seen[ref] = e
	return e, nil
}

// known returns the entries to cache after an operation: the base ones
// and those it read, with its changes on top; when they are too many,
// only those it read or changed (the window is among them); when even
// those are too many, none.
func (r *recordingSource) known(changed ...[]playback.Entry) map[string]playback.Entry {
	n := len(r.seen)
	for _, c := range changed {
		n += len(c)
	}
	// Sized once: growing it from the few entries read to the 16 cached
	// allocated twice as much (by profile).
	touched := make(map[string]playback.Entry, min(n+len(r.base), maxCachedEntries+1))
	for ref, e := range r.seen {
		touched[ref] = e
	}
	for _, c := range changed {
		for _, e := range c {
			if len(touched) > maxCachedEntries {
				return map[string]playback.Entry{}
			}
			touched[e.Ref] = e
		}
	}
	if len(touched) > maxCachedEntries {
		return map[string]playback.Entry{}
	}
	for ref, e := range r.base {
		if len(touched) >= maxCachedEntries {
			break
		}
		if _, ok := touched[ref]; !ok {
			touched[ref] = e
		}
	}
	return touched
}

// lazyAccount reads the account for a view served from the cache: it
// begins a read transaction only when asked, and first checks that the
// session there is the cached version, so that what it reads is of the
// same moment. If not, it notes a miss and the view runs again from the
// file.
type lazyAccount struct {
	db      *DB
	ctx     context.Context
	k       sessKey
	version int64
	tx      *sql.Tx
	missed  bool
}

func (l *lazyAccount) acct() (account, error) {
	if l.tx == nil && !l.missed {
		tx, err := l.db.r.BeginTx(context.WithoutCancel(l.ctx), &sql.TxOptions{ReadOnly: true})
		if err != nil {
			return account{}, err
		}
		l.tx = tx
		var v int64
		err = tx.QueryRowContext(l.ctx, "SELECT version FROM sessions WHERE user_id = ? AND id = ?", l.k.user, l.k.id).Scan(&v)
		if err != nil || v != l.version {
			l.missed = true
		}
	}
	if l.missed {
		return account{}, errCacheMiss
	}
	return account{ctx: l.ctx, tx: l.tx, userID: l.k.user}, nil
}

func (l *lazyAccount) close() {
	if l.tx != nil {
		l.tx.Rollback()
	}
}

func (l *lazyAccount) Skips(since time.Time) ([]time.Time, error) {
	a, err := l.acct()
	if err != nil {
		return nil, err
	}
	return a.Skips(since)
}

func (l *lazyAccount) Finished(metricID string) (bool, error) {
	a, err := l.acct()
	if err != nil {
		return false, err
	}
	return a.Finished(metricID)
}

func (l *lazyAccount) Streams() ([]playback.Stream, error) {
	a, err := l.acct()
	if err != nil {
		return nil, err
	}
	return a.Streams()
}

func (l *lazyAccount) ActiveSessions(since time.Time, after *playback.ActiveCursor, limit int) ([]playback.Session, []playback.Entry, error) {
	a, err := l.acct()
	if err != nil {
		return nil, nil, err
	}
	return a.ActiveSessions(since, after, limit)
}

// errCacheMiss stops a view served from the cache: it runs again from
// the file.
var errCacheMiss = errors.New("sqlite: not in the session cache")
