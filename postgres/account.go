package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/segue/segue/playback"
)

// account implements playback.AccountTx for one user inside a transaction.
// In a write transaction the user's account is locked already.
type account struct {
	ctx    context.Context
	tx     pgx.Tx
	userID string
}

var _ playback.AccountTx = account{}

func (a account) exec(query string, args ...any) error {
	_, err := a.tx.Exec(a.ctx, query, args...)
	return err
}

func (a account) Skips(since time.Time) ([]time.Time, error) {
	rows, _ := a.tx.Query(a.ctx, "SELECT at FROM skips WHERE user_id = $1 AND at > $2 ORDER BY at", a.userID, since.UnixNano())
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (time.Time, error) {
		var at int64
		err := r.Scan(&at)
		return time.Unix(0, at).UTC(), err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: skips: %w", err)
	}
	return out, nil
}

func (a account) AddSkip(at time.Time, metricID string) error {
	return a.exec("INSERT INTO skips (user_id, at, metric_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", a.userID, at.UnixNano(), metricID)
}

func (a account) Finished(metricID string) (bool, error) {
	var ok bool
	err := a.tx.QueryRow(a.ctx, `SELECT EXISTS (SELECT 1 FROM events WHERE user_id = $1 AND metric_id = $2
		AND type = 'stop' AND reason = 'trackFinished')`, a.userID, metricID).Scan(&ok)
	return ok, err
}

func (a account) Streams() ([]playback.Stream, error) {
	rows, _ := a.tx.Query(a.ctx, "SELECT session_id, device_id, claimed_at, last_event_at FROM streams WHERE user_id = $1", a.userID)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (playback.Stream, error) {
		var s playback.Stream
		var claimed, last int64
		err := r.Scan(&s.SessionID, &s.DeviceID, &claimed, &last)
		s.ClaimedAt, s.LastEventAt = time.Unix(0, claimed).UTC(), time.Unix(0, last).UTC()
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: streams: %w", err)
	}
	return out, nil
}

func (a account) PutStream(s playback.Stream) error {
	return a.exec(`INSERT INTO streams (user_id, session_id, device_id, claimed_at, last_event_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (user_id, session_id) DO UPDATE SET device_id = excluded.device_id, claimed_at = excluded.claimed_at,
		last_event_at = excluded.last_event_at`, a.userID, s.SessionID, s.DeviceID, s.ClaimedAt.UnixNano(), s.LastEventAt.UnixNano())
}

func (a account) DeleteStream(sessionID string) error {
	return a.exec("DELETE FROM streams WHERE user_id = $1 AND session_id = $2", a.userID, sessionID)
}

func (a account) Status(sessionID string) (playback.StreamStatus, bool, error) {
	var st playback.StreamStatus
	var state string
	err := a.tx.QueryRow(a.ctx, "SELECT playback_state, taken_by_session, taken_by_device FROM sessions WHERE user_id = $1 AND id = $2",
		a.userID, sessionID).Scan(&state, &st.TakenBySession, &st.TakenByDevice)
	if errors.Is(err, pgx.ErrNoRows) {
		return st, false, nil
	}
	st.State = playback.StreamState(state)
	return st, err == nil, err
}

func (a account) SetStatus(sessionID string, st playback.StreamStatus) error {
	return a.exec(`UPDATE sessions SET playback_state = $1, taken_by_session = $2, taken_by_device = $3, version = version + 1
		WHERE user_id = $4 AND id = $5`, string(st.State), st.TakenBySession, st.TakenByDevice, a.userID, sessionID)
}

func (a account) Play(metricID string) (playback.Play, error) {
	var p playback.Play
	var started int64
	err := a.tx.QueryRow(a.ctx, `SELECT user_id, metric_id, session_id, ref, track_id, device_id, started_at
		FROM plays WHERE user_id = $1 AND metric_id = $2`, a.userID, metricID).
		Scan(&p.UserID, &p.MetricID, &p.SessionID, &p.Ref, &p.TrackID, &p.DeviceID, &started)
	if err != nil {
		return playback.Play{}, notFound(err, "no play %s", metricID)
	}
	p.StartedAt = time.Unix(0, started).UTC()
	return p, nil
}

func (a account) HasEvent(metricID, typ string, ts int64) (bool, error) {
	var ok bool
	err := a.tx.QueryRow(a.ctx, "SELECT EXISTS (SELECT 1 FROM events WHERE user_id = $1 AND metric_id = $2 AND type = $3 AND client_ts = $4)",
		a.userID, metricID, typ, ts).Scan(&ok)
	return ok, err
}

func (a account) AddEvent(e *playback.Event) error {
	err := a.exec(`INSERT INTO events (user_id, metric_id, type, client_ts, session_id, ref, track_id, device_id,
		progress_s, duration_s, reason, initial_delay_ms, rebuffer_count, takeover, received_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		a.userID, e.MetricID, e.Type, e.ClientTimestampMs, e.SessionID, e.Ref, e.TrackID, e.DeviceID,
		e.EntityProgressSeconds, e.DurationSeconds, e.TerminationReason, e.InitialDelayMs, e.RebufferCount,
		e.TakeOverType, e.ReceivedAt.UnixNano())
	if err != nil {
		return fmt.Errorf("postgres: add event: %w", err)
	}
	return nil
}

func (a account) CountPlay(metricID string, at time.Time) error {
	return a.exec("UPDATE plays SET counted_at = $1 WHERE user_id = $2 AND metric_id = $3 AND counted_at IS NULL",
		at.UnixNano(), a.userID, metricID)
}

func (a account) Replay(key string) (string, []byte, bool, error) {
	var fp string
	var body []byte
	err := a.tx.QueryRow(a.ctx, "SELECT fingerprint, response FROM idempotency WHERE user_id = $1 AND key = $2",
		a.userID, key).Scan(&fp, &body)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil, false, nil
	}
	return fp, body, err == nil, err
}

func (a account) Remember(key, fingerprint string, response []byte, at time.Time) error {
	return a.exec("INSERT INTO idempotency (user_id, key, fingerprint, response, created_at) VALUES ($1, $2, $3, $4, $5)",
		a.userID, key, fingerprint, response, at.UnixNano())
}

// History implements playback.Store.
func (db *DB) History(ctx context.Context, userID string, after *playback.HistoryCursor, limit int) ([]playback.Play, error) {
	q := `SELECT metric_id, session_id, ref, track_id, device_id, started_at, counted_at FROM plays
		WHERE user_id = $1 AND counted_at IS NOT NULL`
	args := []any{userID, limit}
	if after != nil {
		q += " AND (counted_at, metric_id) < ($3, $4)"
		args = append(args, after.CountedAt.UnixNano(), after.MetricID)
	}
	rows, _ := db.r.Query(ctx, q+" ORDER BY counted_at DESC, metric_id DESC LIMIT $2", args...)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (playback.Play, error) {
		p := playback.Play{UserID: userID}
		var started, counted int64
		err := r.Scan(&p.MetricID, &p.SessionID, &p.Ref, &p.TrackID, &p.DeviceID, &started, &counted)
		p.StartedAt, p.CountedAt = time.Unix(0, started).UTC(), time.Unix(0, counted).UTC()
		return p, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: history: %w", err)
	}
	return out, nil
}

// Gauges returns how many sessions had activity since since, and how many
// streams are held, over all accounts.
func (db *DB) Gauges(ctx context.Context, since time.Time) (sessions, streams int, err error) {
	err = db.r.QueryRow(ctx, `SELECT (SELECT count(*) FROM sessions WHERE updated_at >= $1),
		(SELECT count(*) FROM streams)`, since.UnixNano()).Scan(&sessions, &streams)
	return sessions, streams, err
}
