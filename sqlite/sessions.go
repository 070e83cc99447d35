package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/segue/segue/playback"
)

var _ playback.Store = (*DB)(nil)

const sessionColumns = `id, user_id, device_id, current_ref, loop_mode, shuffle, station, autoplay, station_seed,
	seed, shuffle_epoch, nat_head, nat_tail, shuf_head, shuf_tail, upnext_tail, length, ref_counter, play_seq,
	cycle_start, version, created_at, updated_at, playback_state, taken_by_session, taken_by_device`

func sessionArgs(s *playback.Session) []any {
	return []any{s.ID, s.UserID, s.DeviceID, s.Current, string(s.Loop), s.Shuffle, s.Station, s.Autoplay, s.StationSeed,
		int64(s.Seed), int64(s.ShuffleEpoch), s.NatHead, s.NatTail, s.ShufHead, s.ShufTail, s.UpNextTail, s.Length,
		int64(s.RefCounter), int64(s.PlaySeq), int64(s.CycleStart), s.Version, s.CreatedAt.UnixNano(), s.UpdatedAt.UnixNano(),
		string(s.Status.State), s.Status.TakenBySession, s.Status.TakenByDevice}
}

type scanner interface{ Scan(dest ...any) error }

func scanSession(r scanner) (*playback.Session, error) {
	var s playback.Session
	var loop, state string
	var seed, epoch, refs, plays, cycle, created, updated int64
	err := r.Scan(&s.ID, &s.UserID, &s.DeviceID, &s.Current, &loop, &s.Shuffle, &s.Station, &s.Autoplay, &s.StationSeed,
		&seed, &epoch, &s.NatHead, &s.NatTail, &s.ShufHead, &s.ShufTail, &s.UpNextTail, &s.Length, &refs, &plays,
		&cycle, &s.Version, &created, &updated, &state, &s.Status.TakenBySession, &s.Status.TakenByDevice)
	if err != nil {
		return nil, err
	}
	s.Loop, s.Status.State = playback.LoopMode(loop), playback.StreamState(state)
	s.Seed, s.ShuffleEpoch, s.RefCounter, s.PlaySeq, s.CycleStart = uint64(seed), uint64(epoch), uint64(refs), uint64(plays), uint64(cycle)
	s.CreatedAt, s.UpdatedAt = time.Unix(0, created).UTC(), time.Unix(0, updated).UTC()
	return &s, nil
}

const entryColumns = `ref, track_id, artist_id, nat_prev, nat_next, shuf_prev, shuf_next, plays, last_played, up_next`

func scanEntry(r scanner) (playback.Entry, error) {
	var e playback.Entry
	var last int64
	err := r.Scan(&e.Ref, &e.TrackID, &e.ArtistID, &e.NatPrev, &e.NatNext, &e.ShufPrev, &e.ShufNext, &e.Plays, &last, &e.UpNext)
	e.LastPlayed = uint64(last)
	return e, err
}

// txSource reads a session's entries inside a transaction.
type txSource struct {
	ctx               context.Context
	tx                *sql.Tx
	userID, sessionID string
}

func (s txSource) Entry(ref string) (playback.Entry, error) {
	e, err := scanEntry(s.tx.QueryRowContext(s.ctx, "SELECT "+entryColumns+" FROM entries WHERE user_id = ? AND session_id = ? AND ref = ?",
		s.userID, s.sessionID, ref))
	if err != nil {
		return playback.Entry{}, notFound(err, "entry %s not found", ref)
	}
	return e, nil
}

func (s txSource) Entries() ([]playback.Entry, error) {
	rows, err := s.tx.QueryContext(s.ctx, "SELECT "+entryColumns+" FROM entries WHERE user_id = ? AND session_id = ?", s.userID, s.sessionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []playback.Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func insertEntries(ctx context.Context, tx *sql.Tx, s *playback.Session, entries []playback.Entry) error {
	if len(entries) == 0 {
		return nil
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO entries (user_id, session_id, `+entryColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer st.Close()
	for _, e := range entries {
		if _, err := st.ExecContext(ctx, s.UserID, s.ID, e.Ref, e.TrackID, e.ArtistID, e.NatPrev, e.NatNext, e.ShufPrev, e.ShufNext,
			e.Plays, int64(e.LastPlayed), e.UpNext); err != nil {
			return err
		}
	}
	return nil
}

func updateEntries(ctx context.Context, tx *sql.Tx, s *playback.Session, entries []playback.Entry) error {
	// One statement at a time: the connection keeps it prepared
	// (stmtcache.go), and a next changes one entry.
	for _, e := range entries {
		if _, err := tx.ExecContext(ctx, `UPDATE entries SET nat_prev = ?, nat_next = ?, shuf_prev = ?, shuf_next = ?, plays = ?,
			last_played = ?, up_next = ? WHERE user_id = ? AND session_id = ? AND ref = ?`,
			e.NatPrev, e.NatNext, e.ShufPrev, e.ShufNext, e.Plays, int64(e.LastPlayed), e.UpNext, s.UserID, s.ID, e.Ref); err != nil {
			return err
		}
	}
	return nil
}

func insertPlays(ctx context.Context, tx *sql.Tx, s *playback.Session, plays []playback.Play) error {
	for _, p := range plays {
		if _, err := tx.ExecContext(ctx, `INSERT INTO plays (user_id, metric_id, session_id, ref, track_id, device_id, started_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, p.UserID, p.MetricID, p.SessionID, p.Ref, p.TrackID, p.DeviceID, s.UpdatedAt.UnixNano()); err != nil {
			return err
		}
	}
	return nil
}

// CreateSession implements playback.Store.
func (db *DB) CreateSession(ctx context.Context, s *playback.Session, entries []playback.Entry, plays []playback.Play, fn func(a playback.AccountTx) error) error {
	s.Version = 1
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if fn != nil {
			if err := fn(account{ctx, tx, s.UserID, db.cache}); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO sessions ("+sessionColumns+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			sessionArgs(s)...); err != nil {
			return err
		}
		if err := insertEntries(ctx, tx, s, entries); err != nil {
			return err
		}
		if err := insertPlays(ctx, tx, s, plays); err != nil {
			return err
		}
		if db.cache != nil {
			known := make(map[string]playback.Entry, len(entries))
			for _, e := range entries {
				known[e.Ref] = e
			}
			db.cache.stage(sessKey{s.UserID, s.ID}, newState(*s, known))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: create session: %w", err)
	}
	return nil
}

func loadSession(ctx context.Context, tx *sql.Tx, userID, sessionID string) (*playback.Session, error) {
	s, err := scanSession(tx.QueryRowContext(ctx, "SELECT "+sessionColumns+" FROM sessions WHERE user_id = ? AND id = ?", userID, sessionID))
	if err != nil {
		return nil, notFound(err, "session %s not found", sessionID)
	}
	return s, nil
}

// UpdateSession implements playback.Store.
func (db *DB) UpdateSession(ctx context.Context, userID, sessionID string, fn func(q *playback.Queue, a playback.AccountTx) error) error {
	k := sessKey{userID, sessionID}
	return db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		src := &recordingSource{txSource: txSource{ctx, tx, userID, sessionID}}
		var s *playback.Session
		if st := db.cache.writerGet(k); st != nil {
			cp := st.s
			s, src.base = &cp, st.entries
		} else {
			var err error
			if s, err = loadSession(ctx, tx, userID, sessionID); err != nil {
				return err
			}
		}
		before := *s
		q := playback.NewQueue(s, src)
		if err := fn(q, account{ctx, tx, userID, db.cache}); err != nil {
			return err
		}
		s.Version++
		if err := saveSession(ctx, tx, &before, s); err != nil {
			return fmt.Errorf("sqlite: save session: %w", err)
		}
		if err := insertEntries(ctx, tx, s, q.Added()); err != nil {
			return fmt.Errorf("sqlite: add entries: %w", err)
		}
		if err := updateEntries(ctx, tx, s, q.Changed()); err != nil {
			return fmt.Errorf("sqlite: save entries: %w", err)
		}
		if err := insertPlays(ctx, tx, s, q.Plays()); err != nil {
			return fmt.Errorf("sqlite: add plays: %w", err)
		}
		if db.cache != nil {
			db.cache.stage(k, newState(*s, src.known(q.Changed(), q.Added())))
		}
		return nil
	})
}

// updatedCol is a column of sessions an update may change, with its value
// as sessionArgs binds it.
type updatedCol struct {
	name string
	// always: saved by every update. The version and the activity time
	// change each time, and the stream status is written as the session
	// holds it, as SetStatus may have changed the row meanwhile.
	always bool
	val    func(s *playback.Session) any
	same   func(a, b *playback.Session) bool // compared without boxing
}

func col[T comparable](name string, f func(s *playback.Session) T) updatedCol {
	return updatedCol{
		name: name,
		val:  func(s *playback.Session) any { return f(s) },
		same: func(a, b *playback.Session) bool { return f(a) == f(b) },
	}
}

func always(c updatedCol) updatedCol { c.always = true; return c }

// updatedCols are the columns of sessions but id and user_id, in the order
// of sessionColumns and sessionArgs (TestUpdatedColsMatchArgs).
var updatedCols = []updatedCol{
	col("device_id", func(s *playback.Session) string { return s.DeviceID }),
	col("current_ref", func(s *playback.Session) string { return s.Current }),
	col("loop_mode", func(s *playback.Session) string { return string(s.Loop) }),
	col("shuffle", func(s *playback.Session) bool { return s.Shuffle }),
	col("station", func(s *playback.Session) bool { return s.Station }),
	col("autoplay", func(s *playback.Session) bool { return s.Autoplay }),
	col("station_seed", func(s *playback.Session) string { return s.StationSeed }),
	col("seed", func(s *playback.Session) int64 { return int64(s.Seed) }),
	col("shuffle_epoch", func(s *playback.Session) int64 { return int64(s.ShuffleEpoch) }),
	col("nat_head", func(s *playback.Session) string { return s.NatHead }),
	col("nat_tail", func(s *playback.Session) string { return s.NatTail }),
	col("shuf_head", func(s *playback.Session) string { return s.ShufHead }),
	col("shuf_tail", func(s *playback.Session) string { return s.ShufTail }),
	col("upnext_tail", func(s *playback.Session) string { return s.UpNextTail }),
	col("length", func(s *playback.Session) int { return s.Length }),
	col("ref_counter", func(s *playback.Session) int64 { return int64(s.RefCounter) }),
	col("play_seq", func(s *playback.Session) int64 { return int64(s.PlaySeq) }),
	col("cycle_start", func(s *playback.Session) int64 { return int64(s.CycleStart) }),
	always(col("version", func(s *playback.Session) int64 { return s.Version })),
	col("created_at", func(s *playback.Session) int64 { return s.CreatedAt.UnixNano() }),
	always(col("updated_at", func(s *playback.Session) int64 { return s.UpdatedAt.UnixNano() })),
	always(col("playback_state", func(s *playback.Session) string { return string(s.Status.State) })),
	always(col("taken_by_session", func(s *playback.Session) string { return s.Status.TakenBySession })),
	always(col("taken_by_device", func(s *playback.Session) string { return s.Status.TakenByDevice })),
}

// updateQueries caches the UPDATE statement of each set of changed
// columns (a bit per updatedCols index): a next changes the same few.
var updateQueries sync.Map // uint32 -> string

func updateQuery(changed uint32) string {
	if q, ok := updateQueries.Load(changed); ok {
		return q.(string)
	}
	var q strings.Builder
	q.WriteString("UPDATE sessions SET ")
	first := true
	for i, c := range updatedCols {
		if changed&(1<<i) == 0 {
			continue
		}
		if !first {
			q.WriteString(", ")
		}
		first = false
		q.WriteString(c.name + " = ?")
	}
	q.WriteString(" WHERE user_id = ? AND id = ?")
	updateQueries.Store(changed, q.String())
	return q.String()
}

// saveSession writes the columns of a session that differ from before,
// with those always saved: a next changes 4 of 24, and binding the others
// cost as much as the rest of the statement. Comparing and building the
// statement allocate nothing but the changed values.
func saveSession(ctx context.Context, tx *sql.Tx, before, s *playback.Session) error {
	var changed uint32
	args := make([]any, 0, 12)
	for i, c := range updatedCols {
		if c.always || !c.same(before, s) {
			changed |= 1 << i
			args = append(args, c.val(s))
		}
	}
	_, err := tx.ExecContext(ctx, updateQuery(changed), append(args, s.UserID, s.ID)...)
	return err
}

// ViewSession implements playback.Store.
func (db *DB) ViewSession(ctx context.Context, userID, sessionID string, fn func(q *playback.Queue, a playback.AccountReader) error) error {
	k := sessKey{userID, sessionID}
	st, token := db.cache.get(k)
	if st != nil {
		s := st.s
		src := &cacheSource{st: st}
		acct := &lazyAccount{db: db, ctx: ctx, k: k, version: st.s.Version}
		err := fn(playback.NewQueue(&s, src), acct)
		acct.close()
		if !src.missed && !acct.missed {
			return err
		}
		token = db.cache.token()
	}
	return db.read(ctx, func(tx *sql.Tx) error {
		s, err := loadSession(ctx, tx, userID, sessionID)
		if err != nil {
			return err
		}
		read := *s
		src := &recordingSource{txSource: txSource{ctx, tx, userID, sessionID}}
		if err := fn(playback.NewQueue(s, src), account{ctx, tx, userID, nil}); err != nil {
			return err
		}
		if db.cache != nil {
			db.cache.fill(k, token, newState(read, src.known()))
		}
		return nil
	})
}

// Account implements playback.Store.
func (db *DB) Account(ctx context.Context, userID string, fn func(a playback.AccountTx) error) error {
	return db.write(ctx, func(ctx context.Context, tx *sql.Tx) error { return fn(account{ctx, tx, userID, db.cache}) })
}

// ReadAccount implements playback.Store.
func (db *DB) ReadAccount(ctx context.Context, userID string, fn func(a playback.AccountReader) error) error {
	return db.read(ctx, func(tx *sql.Tx) error { return fn(account{ctx, tx, userID, nil}) })
}

// TouchSession implements playback.Store.
func (db *DB) TouchSession(ctx context.Context, userID, sessionID string, at time.Time) error {
	return db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE sessions SET updated_at = max(updated_at, ?) WHERE user_id = ? AND id = ?",
			at.UnixNano(), userID, sessionID)
		if err == nil {
			db.cache.change(sessKey{userID, sessionID}, func(s *playback.Session) bool {
				if !at.After(s.UpdatedAt) {
					return false
				}
				s.UpdatedAt = at
				return true
			})
		}
		return err
	})
}

// activeQuery selects a listener's sessions active since a time, newest
// first, after a cursor if asked. It takes the hours first:
// sessions_user_hour gives them newest first, and SQLite sorts only the
// sessions of each hour by activity time, stopping at the limit.
func activeQuery(after bool) string {
	q := "SELECT " + sessionColumns + " FROM sessions WHERE user_id = ? AND " + recentWhere
	if after {
		q += " AND " + hourExpr + " <= ? AND (updated_at < ? OR (updated_at = ? AND id < ?))"
	}
	return q + " ORDER BY " + hourExpr + " DESC, updated_at DESC, id DESC LIMIT ?"
}

// ActiveSessions implements playback.AccountReader.
func (a account) ActiveSessions(since time.Time, after *playback.ActiveCursor, limit int) ([]playback.Session, []playback.Entry, error) {
	ctx, tx, userID := a.ctx, a.tx, a.userID
	args := []any{userID, since.UnixNano() / hourNanos, since.UnixNano()}
	if after != nil {
		at := after.UpdatedAt.UnixNano()
		args = append(args, at/hourNanos, at, at, after.ID)
	}
	rows, err := tx.QueryContext(ctx, activeQuery(after != nil), append(args, limit)...)
	if err != nil {
		return nil, nil, fmt.Errorf("sqlite: active sessions: %w", err)
	}
	defer rows.Close()
	var sessions []playback.Session
	for rows.Next() {
		s, err := scanSession(rows)
		if err != nil {
			return nil, nil, err
		}
		sessions = append(sessions, *s)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	current := make([]playback.Entry, 0, len(sessions))
	for _, s := range sessions {
		e, err := txSource{ctx, tx, userID, s.ID}.Entry(s.Current)
		if err != nil {
			return nil, nil, err
		}
		current = append(current, e)
	}
	return sessions, current, nil
}

// CountEvents returns how many events are stored for a metric id.
func (db *DB) CountEvents(ctx context.Context, userID, metricID string) (int, error) {
	var n int
	err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM events WHERE user_id = ? AND metric_id = ?", userID, metricID).Scan(&n)
	return n, err
}

// hourNanos is the hour of sessions_idle_hour (migration 0008) and
// sessions_user_hour (0009), which index updated_at / hourNanos:
// hourExpr, idleWhere and recentWhere must spell the expression as the
// indexes do for SQLite to use them.
const hourNanos = int64(time.Hour)

// hourExpr is the hour of a session's activity time.
const hourExpr = "updated_at / 3600000000000"

// idleWhere selects the sessions idle since before a time, given its hour
// and the time.
const idleWhere = hourExpr + " <= ? AND updated_at < ?"

// recentWhere selects the sessions active since a time, given its hour
// and the time.
const recentWhere = hourExpr + " >= ? AND updated_at >= ?"

// PurgeSessions implements playback.Store.
func (db *DB) PurgeSessions(ctx context.Context, idleBefore time.Time) (int64, error) {
	var n int64
	idle, hour := idleBefore.UnixNano(), idleBefore.UnixNano()/hourNanos
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM entries WHERE (user_id, session_id) IN
			(SELECT user_id, id FROM sessions WHERE `+idleWhere+`)`, hour, idle); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM streams WHERE (user_id, session_id) IN
			(SELECT user_id, id FROM sessions WHERE `+idleWhere+`)`, hour, idle); err != nil {
			return err
		}
		// idleBefore is now less the restore window.
		forgetBefore := idleBefore.Add(playback.RestoreWindow - playback.IdempotencyTTL)
		if _, err := tx.ExecContext(ctx, "DELETE FROM idempotency WHERE created_at < ?", forgetBefore.UnixNano()); err != nil {
			return err
		}
		// Skips older than the restore window are long out of any budget.
		if _, err := tx.ExecContext(ctx, "DELETE FROM skips WHERE at < ?", idleBefore.UnixNano()); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE "+idleWhere, hour, idle)
		if err != nil {
			return err
		}
		db.cache.stageClear()
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: purge sessions: %w", err)
	}
	return n, nil
}
