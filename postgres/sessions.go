package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
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

func scanSession(r pgx.Row) (*playback.Session, error) {
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

func scanEntry(r pgx.Row) (playback.Entry, error) {
	var e playback.Entry
	var last int64
	err := r.Scan(&e.Ref, &e.TrackID, &e.ArtistID, &e.NatPrev, &e.NatNext, &e.ShufPrev, &e.ShufNext, &e.Plays, &last, &e.UpNext)
	e.LastPlayed = uint64(last)
	return e, err
}

// txSource reads a session's entries inside a transaction.
type txSource struct {
	ctx               context.Context
	tx                pgx.Tx
	userID, sessionID string
}

func (s txSource) Entry(ref string) (playback.Entry, error) {
	e, err := scanEntry(s.tx.QueryRow(s.ctx, "SELECT "+entryColumns+" FROM entries WHERE user_id = $1 AND session_id = $2 AND ref = $3",
		s.userID, s.sessionID, ref))
	if err != nil {
		return playback.Entry{}, notFound(err, "entry %s not found", ref)
	}
	return e, nil
}

func (s txSource) Entries() ([]playback.Entry, error) {
	rows, _ := s.tx.Query(s.ctx, "SELECT "+entryColumns+" FROM entries WHERE user_id = $1 AND session_id = $2", s.userID, s.sessionID)
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (playback.Entry, error) { return scanEntry(r) })
}

// entryArrays holds entries column by column, for unnest.
type entryArrays struct {
	ref, track, artist, natPrev, natNext, shufPrev, shufNext []string
	plays                                                    []int
	last                                                     []int64
	upNext                                                   []bool
}

func columns(entries []playback.Entry) entryArrays {
	var c entryArrays
	for _, e := range entries {
		c.ref, c.track, c.artist = append(c.ref, e.Ref), append(c.track, e.TrackID), append(c.artist, e.ArtistID)
		c.natPrev, c.natNext = append(c.natPrev, e.NatPrev), append(c.natNext, e.NatNext)
		c.shufPrev, c.shufNext = append(c.shufPrev, e.ShufPrev), append(c.shufNext, e.ShufNext)
		c.plays, c.last, c.upNext = append(c.plays, e.Plays), append(c.last, int64(e.LastPlayed)), append(c.upNext, e.UpNext)
	}
	return c
}

// writes queues a change's statements to be sent together, in one round
// trip, each with what it does for its error.
type writes struct {
	b    pgx.Batch
	what []string
}

func (w *writes) queue(what, query string, args ...any) {
	w.b.Queue(query, args...)
	w.what = append(w.what, what)
}

// send runs the queued statements in tx, in order, and stops at the first
// that fails.
func (w *writes) send(ctx context.Context, tx pgx.Tx) error {
	if len(w.what) == 0 {
		return nil
	}
	res := tx.SendBatch(ctx, &w.b)
	for _, what := range w.what {
		if _, err := res.Exec(); err != nil {
			res.Close()
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	return res.Close()
}

// insertEntries adds entries in one statement, whatever their number.
func (w *writes) insertEntries(s *playback.Session, entries []playback.Entry) {
	if len(entries) == 0 {
		return
	}
	c := columns(entries)
	w.queue("add entries", `INSERT INTO entries (user_id, session_id, `+entryColumns+`)
		SELECT $1, $2, * FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
			$10::integer[], $11::bigint[], $12::boolean[])`,
		s.UserID, s.ID, c.ref, c.track, c.artist, c.natPrev, c.natNext, c.shufPrev, c.shufNext, c.plays, c.last, c.upNext)
}

// updateEntries saves changed entries in one statement.
func (w *writes) updateEntries(s *playback.Session, entries []playback.Entry) {
	if len(entries) == 0 {
		return
	}
	c := columns(entries)
	w.queue("save entries", `UPDATE entries e SET nat_prev = u.nat_prev, nat_next = u.nat_next, shuf_prev = u.shuf_prev,
		shuf_next = u.shuf_next, plays = u.plays, last_played = u.last_played, up_next = u.up_next
		FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::integer[], $9::bigint[], $10::boolean[])
			AS u (ref, nat_prev, nat_next, shuf_prev, shuf_next, plays, last_played, up_next)
		WHERE e.user_id = $1 AND e.session_id = $2 AND e.ref = u.ref`,
		s.UserID, s.ID, c.ref, c.natPrev, c.natNext, c.shufPrev, c.shufNext, c.plays, c.last, c.upNext)
}

func (w *writes) insertPlays(s *playback.Session, plays []playback.Play) {
	for _, p := range plays {
		w.queue("add plays", `INSERT INTO plays (user_id, metric_id, session_id, ref, track_id, device_id, started_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, p.UserID, p.MetricID, p.SessionID, p.Ref, p.TrackID, p.DeviceID, s.UpdatedAt.UnixNano())
	}
}

// CreateSession implements playback.Store. Like every change of an
// account it locks the account first, so that fn (which may remember the
// answer to an idempotency key) is serialised with the account's other
// changes.
func (db *DB) CreateSession(ctx context.Context, s *playback.Session, entries []playback.Entry, plays []playback.Play, fn func(a playback.AccountTx) error) error {
	s.Version = 1
	err := db.write(ctx, func(tx pgx.Tx) error {
		if err := lockAccount(ctx, tx, s.UserID); err != nil {
			return err
		}
		if fn != nil {
			if err := fn(account{ctx, tx, s.UserID}); err != nil {
				return err
			}
		}
		var w writes
		w.queue("add session", "INSERT INTO sessions ("+sessionColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
			$11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26)`, sessionArgs(s)...)
		w.insertEntries(s, entries)
		w.insertPlays(s, plays)
		return w.send(ctx, tx)
	})
	if err != nil {
		return fmt.Errorf("postgres: create session: %w", err)
	}
	return nil
}

// loadSession reads a session; lock is "" or a locking clause.
func loadSession(ctx context.Context, tx pgx.Tx, userID, sessionID, lock string) (*playback.Session, error) {
	s, err := scanSession(tx.QueryRow(ctx, "SELECT "+sessionColumns+" FROM sessions WHERE user_id = $1 AND id = $2"+lock, userID, sessionID))
	if err != nil {
		return nil, notFound(err, "session %s not found", sessionID)
	}
	return s, nil
}

// UpdateSession implements playback.Store. It locks the user's account,
// then the session's row, so that it never interleaves with another
// change of the account on any instance.
func (db *DB) UpdateSession(ctx context.Context, userID, sessionID string, fn func(q *playback.Queue, a playback.AccountTx) error) error {
	return db.write(ctx, func(tx pgx.Tx) error {
		if err := lockAccount(ctx, tx, userID); err != nil {
			return err
		}
		s, err := loadSession(ctx, tx, userID, sessionID, " FOR UPDATE")
		if err != nil {
			return err
		}
		q := playback.NewQueue(s, txSource{ctx, tx, userID, sessionID})
		if err := fn(q, account{ctx, tx, userID}); err != nil {
			return err
		}
		s.Version++
		// The session, its entries and its plays in one round trip.
		var w writes
		w.queue("save session", `UPDATE sessions SET device_id = $1, current_ref = $2, loop_mode = $3, shuffle = $4, station = $5,
			autoplay = $6, station_seed = $7, seed = $8, shuffle_epoch = $9, nat_head = $10, nat_tail = $11, shuf_head = $12,
			shuf_tail = $13, upnext_tail = $14, length = $15, ref_counter = $16, play_seq = $17, cycle_start = $18, version = $19,
			created_at = $20, updated_at = $21, playback_state = $22, taken_by_session = $23, taken_by_device = $24
			WHERE user_id = $25 AND id = $26`, append(sessionArgs(s)[2:], userID, sessionID)...)
		w.insertEntries(s, q.Added())
		w.updateEntries(s, q.Changed())
		w.insertPlays(s, q.Plays())
		if err := w.send(ctx, tx); err != nil {
			return fmt.Errorf("postgres: %w", err)
		}
		return nil
	})
}

// ViewSession implements playback.Store.
func (db *DB) ViewSession(ctx context.Context, userID, sessionID string, fn func(q *playback.Queue, a playback.AccountReader) error) error {
	return db.read(ctx, func(tx pgx.Tx) error {
		s, err := loadSession(ctx, tx, userID, sessionID, "")
		if err != nil {
			return err
		}
		return fn(playback.NewQueue(s, txSource{ctx, tx, userID, sessionID}), account{ctx, tx, userID})
	})
}

// Account implements playback.Store: the transaction holds the lock of
// the user's row from its start.
func (db *DB) Account(ctx context.Context, userID string, fn func(a playback.AccountTx) error) error {
	return db.write(ctx, func(tx pgx.Tx) error {
		if err := lockAccount(ctx, tx, userID); err != nil {
			return err
		}
		return fn(account{ctx, tx, userID})
	})
}

// ReadAccount implements playback.Store.
func (db *DB) ReadAccount(ctx context.Context, userID string, fn func(a playback.AccountReader) error) error {
	return db.read(ctx, func(tx pgx.Tx) error { return fn(account{ctx, tx, userID}) })
}

// TouchSession implements playback.Store.
func (db *DB) TouchSession(ctx context.Context, userID, sessionID string, at time.Time) error {
	_, err := db.exec(ctx, "UPDATE sessions SET updated_at = GREATEST(updated_at, $1) WHERE user_id = $2 AND id = $3",
		at.UnixNano(), userID, sessionID)
	if err != nil {
		return fmt.Errorf("postgres: touch session: %w", err)
	}
	return nil
}

// ActiveSessions implements playback.AccountReader.
func (a account) ActiveSessions(since time.Time, after *playback.ActiveCursor, limit int) ([]playback.Session, []playback.Entry, error) {
	ctx, tx, userID := a.ctx, a.tx, a.userID
	q := "SELECT " + sessionColumns + " FROM sessions WHERE user_id = $1 AND updated_at >= $2"
	args := []any{userID, since.UnixNano(), limit}
	if after != nil {
		q += " AND (updated_at, id) < ($4, $5)"
		args = append(args, after.UpdatedAt.UnixNano(), after.ID)
	}
	rows, _ := tx.Query(ctx, q+" ORDER BY updated_at DESC, id DESC LIMIT $3", args...)
	sessions, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (playback.Session, error) {
		s, err := scanSession(r)
		if err != nil {
			return playback.Session{}, err
		}
		return *s, nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("postgres: active sessions: %w", err)
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
	err := db.r.QueryRow(ctx, "SELECT count(*) FROM events WHERE user_id = $1 AND metric_id = $2", userID, metricID).Scan(&n)
	return n, err
}

// PurgeSessions implements playback.Store. Sessions, their entries and
// streams go in one statement; a session that an update holds is
// rechecked once the update commits, and kept if it became active.
func (db *DB) PurgeSessions(ctx context.Context, idleBefore time.Time) (int64, error) {
	var n int64
	err := db.write(ctx, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `WITH gone AS (DELETE FROM sessions WHERE updated_at < $1 RETURNING user_id, id),
			e AS (DELETE FROM entries x USING gone WHERE x.user_id = gone.user_id AND x.session_id = gone.id),
			s AS (DELETE FROM streams x USING gone WHERE x.user_id = gone.user_id AND x.session_id = gone.id)
			SELECT count(*) FROM gone`, idleBefore.UnixNano()).Scan(&n)
		if err != nil {
			return err
		}
		// idleBefore is now less the restore window.
		forgetBefore := idleBefore.Add(playback.RestoreWindow - playback.IdempotencyTTL)
		if _, err := tx.Exec(ctx, "DELETE FROM idempotency WHERE created_at < $1", forgetBefore.UnixNano()); err != nil {
			return err
		}
		// Skips older than the restore window are long out of any budget.
		_, err = tx.Exec(ctx, "DELETE FROM skips WHERE at < $1", idleBefore.UnixNano())
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("postgres: purge sessions: %w", err)
	}
	return n, nil
}
