package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/segue/segue/playback"
)

// account implements playback.AccountTx for one user inside a transaction.
type account struct {
	ctx    context.Context
	tx     *sql.Tx
	userID string
	// cache, in a write of an Exclusive store, is told of sessions the
	// account changes.
	cache *sessionCache
}

var _ playback.AccountTx = account{}

func (a account) exec(query string, args ...any) error {
	_, err := a.tx.ExecContext(a.ctx, query, args...)
	return err
}

func (a account) Skips(since time.Time) ([]time.Time, error) {
	rows, err := a.tx.QueryContext(a.ctx, "SELECT at FROM skips WHERE user_id = ? AND at > ? ORDER BY at", a.userID, since.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("sqlite: skips: %w", err)
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var at int64
		if err := rows.Scan(&at); err != nil {
			return nil, err
		}
		out = append(out, time.Unix(0, at).UTC())
	}
	return out, rows.Err()
}

func (a account) AddSkip(at time.Time, metricID string) error {
	return a.exec("INSERT INTO skips (user_id, at, metric_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", a.userID, at.UnixNano(), metricID)
}

func (a account) Finished(metricID string) (bool, error) {
	var n int
	err := a.tx.QueryRowContext(a.ctx, `SELECT count(*) FROM events WHERE user_id = ? AND metric_id = ?
		AND type = 'stop' AND reason = 'trackFinished'`, a.userID, metricID).Scan(&n)
	return n > 0, err
}

func (a account) Streams() ([]playback.Stream, error) {
	rows, err := a.tx.QueryContext(a.ctx, "SELECT session_id, device_id, claimed_at, last_event_at FROM streams WHERE user_id = ?", a.userID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: streams: %w", err)
	}
	defer rows.Close()
	var out []playback.Stream
	for rows.Next() {
		var s playback.Stream
		var claimed, last int64
		if err := rows.Scan(&s.SessionID, &s.DeviceID, &claimed, &last); err != nil {
			return nil, err
		}
		s.ClaimedAt, s.LastEventAt = time.Unix(0, claimed).UTC(), time.Unix(0, last).UTC()
		out = append(out, s)
	}
	return out, rows.Err()
}

func (a account) PutStream(s playback.Stream) error {
	return a.exec(`INSERT INTO streams (user_id, session_id, device_id, claimed_at, last_event_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (user_id, session_id) DO UPDATE SET device_id = excluded.device_id, claimed_at = excluded.claimed_at,
		last_event_at = excluded.last_event_at`, a.userID, s.SessionID, s.DeviceID, s.ClaimedAt.UnixNano(), s.LastEventAt.UnixNano())
}

func (a account) DeleteStream(sessionID string) error {
	return a.exec("DELETE FROM streams WHERE user_id = ? AND session_id = ?", a.userID, sessionID)
}

func (a account) Status(sessionID string) (playback.StreamStatus, bool, error) {
	var st playback.StreamStatus
	var state string
	err := a.tx.QueryRowContext(a.ctx, "SELECT playback_state, taken_by_session, taken_by_device FROM sessions WHERE user_id = ? AND id = ?",
		a.userID, sessionID).Scan(&state, &st.TakenBySession, &st.TakenByDevice)
	if errors.Is(err, sql.ErrNoRows) {
		return st, false, nil
	}
	st.State = playback.StreamState(state)
	return st, err == nil, err
}

func (a account) SetStatus(sessionID string, st playback.StreamStatus) error {
	err := a.exec(`UPDATE sessions SET playback_state = ?, taken_by_session = ?, taken_by_device = ?, version = version + 1
		WHERE user_id = ? AND id = ?`, string(st.State), st.TakenBySession, st.TakenByDevice, a.userID, sessionID)
	if err == nil {
		a.cache.change(sessKey{a.userID, sessionID}, func(s *playback.Session) bool {
			s.Status = st
			s.Version++
			return true
		})
	}
	return err
}

func (a account) Play(metricID string) (playback.Play, error) {
	var p playback.Play
	var started int64
	err := a.tx.QueryRowContext(a.ctx, `SELECT user_id, metric_id, session_id, ref, track_id, device_id, started_at
		FROM plays WHERE user_id = ? AND metric_id = ?`, a.userID, metricID).
		Scan(&p.UserID, &p.MetricID, &p.SessionID, &p.Ref, &p.TrackID, &p.DeviceID, &started)
	if err != nil {
		return playback.Play{}, notFound(err, "no play %s", metricID)
	}
	p.StartedAt = time.Unix(0, started).UTC()
	return p, nil
}

func (a account) HasEvent(metricID, typ string, ts int64) (bool, error) {
	var n int
	err := a.tx.QueryRowContext(a.ctx, "SELECT count(*) FROM events WHERE user_id = ? AND metric_id = ? AND type = ? AND client_ts = ?",
		a.userID, metricID, typ, ts).Scan(&n)
	return n > 0, err
}

func (a account) AddEvent(e *playback.Event) error {
	err := a.exec(`INSERT INTO events (user_id, metric_id, type, client_ts, session_id, ref, track_id, device_id,
		progress_s, duration_s, reason, initial_delay_ms, rebuffer_count, takeover, received_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.userID, e.MetricID, e.Type, e.ClientTimestampMs, e.SessionID, e.Ref, e.TrackID, e.DeviceID,
		e.EntityProgressSeconds, e.DurationSeconds, e.TerminationReason, e.InitialDelayMs, e.RebufferCount,
		e.TakeOverType, e.ReceivedAt.UnixNano())
	if err != nil {
		return fmt.Errorf("sqlite: add event: %w", err)
	}
	return nil
}

func (a account) CountPlay(metricID string, at time.Time) error {
	return a.exec("UPDATE plays SET counted_at = ? WHERE user_id = ? AND metric_id = ? AND counted_at IS NULL",
		at.UnixNano(), a.userID, metricID)
}

// History implements playback.Store.
func (db *DB) History(ctx context.Context, userID string, after *playback.HistoryCursor, limit int) ([]playback.Play, error) {
	q := `SELECT metric_id, session_id, ref, track_id, device_id, started_at, counted_at FROM plays
		WHERE user_id = ? AND counted_at IS NOT NULL`
	args := []any{userID}
	if after != nil {
		q += " AND (counted_at < ? OR (counted_at = ? AND metric_id < ?))"
		args = append(args, after.CountedAt.UnixNano(), after.CountedAt.UnixNano(), after.MetricID)
	}
	rows, err := db.r.QueryContext(ctx, q+" ORDER BY counted_at DESC, metric_id DESC LIMIT ?", append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: history: %w", err)
	}
	defer rows.Close()
	var out []playback.Play
	for rows.Next() {
		p := playback.Play{UserID: userID}
		var started, counted int64
		if err := rows.Scan(&p.MetricID, &p.SessionID, &p.Ref, &p.TrackID, &p.DeviceID, &started, &counted); err != nil {
			return nil, err
		}
		p.StartedAt, p.CountedAt = time.Unix(0, started).UTC(), time.Unix(0, counted).UTC()
		out = append(out, p)
	}
	return out, rows.Err()
}

// Gauges returns how many sessions had activity since since, and how many
// streams are held, over all accounts.
func (db *DB) Gauges(ctx context.Context, since time.Time) (sessions, streams int, err error) {
	err = db.r.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM sessions WHERE `+recentWhere+`),
		(SELECT count(*) FROM streams)`, since.UnixNano()/hourNanos, since.UnixNano()).Scan(&sessions, &streams)
	return sessions, streams, err
}

func (a account) Replay(key string) (string, []byte, bool, error) {
	var fp string
	var body []byte
	err := a.tx.QueryRowContext(a.ctx, "SELECT fingerprint, response FROM idempotency WHERE user_id = ? AND key = ?",
		a.userID, key).Scan(&fp, &body)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, false, nil
	}
	return fp, body, err == nil, err
}

func (a account) Remember(key, fingerprint string, response []byte, at time.Time) error {
	return a.exec("INSERT INTO idempotency (user_id, key, fingerprint, response, created_at) VALUES (?, ?, ?, ?, ?)",
		a.userID, key, fingerprint, response, at.UnixNano())
}
