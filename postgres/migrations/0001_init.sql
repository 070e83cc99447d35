-- Segue's shared store: SQLite's migrations 0001_init, 0002_tiers_streams
-- and 0003_idempotency in one. Tables are created in the first schema of
-- the connection's search_path. Tables that hold a user's data are keyed by
-- user first. Times are Unix nanoseconds, UTC. Ids that lists page over
-- compare bytewise (COLLATE "C"), as in SQLite.
CREATE TABLE settings (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);

CREATE TABLE genres (
	id   TEXT PRIMARY KEY,
	name TEXT NOT NULL
);

CREATE TABLE artists (
	id   TEXT PRIMARY KEY,
	name TEXT NOT NULL
);

CREATE TABLE albums (
	id        TEXT PRIMARY KEY,
	title     TEXT NOT NULL,
	artist_id TEXT NOT NULL REFERENCES artists (id)
);

CREATE TABLE tracks (
	id             TEXT COLLATE "C" PRIMARY KEY,
	title          TEXT NOT NULL,
	album_id       TEXT NOT NULL REFERENCES albums (id),
	artist_id      TEXT NOT NULL REFERENCES artists (id),
	genre_id       TEXT NOT NULL DEFAULT '',
	composer       TEXT NOT NULL DEFAULT '',
	duration_ms    BIGINT NOT NULL,
	isrc           TEXT NOT NULL DEFAULT '',
	format         TEXT NOT NULL,
	media_type     TEXT NOT NULL DEFAULT 'AUDIO',
	audio_path     TEXT NOT NULL DEFAULT '',
	album_pos      INTEGER NOT NULL,
	unlimited_only BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX tracks_album ON tracks (album_id, album_pos);
CREATE INDEX tracks_artist ON tracks (artist_id);
CREATE INDEX tracks_genre ON tracks (genre_id);

CREATE TABLE playlists (
	id   TEXT PRIMARY KEY,
	name TEXT NOT NULL
);

CREATE TABLE playlist_tracks (
	playlist_id TEXT NOT NULL REFERENCES playlists (id),
	pos         INTEGER NOT NULL,
	track_id    TEXT NOT NULL REFERENCES tracks (id),
	PRIMARY KEY (playlist_id, pos)
);
CREATE INDEX playlist_tracks_track ON playlist_tracks (track_id);

CREATE TABLE users (
	id          TEXT PRIMARY KEY,
	name        TEXT NOT NULL UNIQUE,
	tier        TEXT NOT NULL,
	max_streams INTEGER NOT NULL DEFAULT 1,
	created_at  BIGINT NOT NULL
);

CREATE TABLE api_keys (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE,
	hash       TEXT NOT NULL UNIQUE,
	disabled   BOOLEAN NOT NULL DEFAULT false,
	created_at BIGINT NOT NULL
);

CREATE TABLE tokens (
	hash       TEXT PRIMARY KEY,
	user_id    TEXT NOT NULL REFERENCES users (id),
	scopes     TEXT NOT NULL,
	expires_at BIGINT NOT NULL,
	revoked    BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX tokens_user ON tokens (user_id);

CREATE TABLE sessions (
	user_id          TEXT NOT NULL,
	id               TEXT COLLATE "C" NOT NULL,
	device_id        TEXT NOT NULL,
	current_ref      TEXT NOT NULL,
	loop_mode        TEXT NOT NULL,
	shuffle          BOOLEAN NOT NULL,
	station          BOOLEAN NOT NULL,
	autoplay         BOOLEAN NOT NULL,
	station_seed     TEXT NOT NULL,
	seed             BIGINT NOT NULL,
	shuffle_epoch    BIGINT NOT NULL,
	nat_head         TEXT NOT NULL,
	nat_tail         TEXT NOT NULL,
	shuf_head        TEXT NOT NULL,
	shuf_tail        TEXT NOT NULL,
	upnext_tail      TEXT NOT NULL,
	length           INTEGER NOT NULL,
	ref_counter      BIGINT NOT NULL,
	play_seq         BIGINT NOT NULL,
	cycle_start      BIGINT NOT NULL,
	version          BIGINT NOT NULL,
	created_at       BIGINT NOT NULL,
	updated_at       BIGINT NOT NULL,
	-- The state of a session's stream, as the active-sessions list shows it.
	playback_state   TEXT NOT NULL DEFAULT 'STOPPED',
	taken_by_session TEXT NOT NULL DEFAULT '',
	taken_by_device  TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (user_id, id)
);
CREATE INDEX sessions_recent ON sessions (user_id, updated_at, id);
CREATE INDEX sessions_idle ON sessions (updated_at);

CREATE TABLE entries (
	user_id     TEXT NOT NULL,
	session_id  TEXT NOT NULL,
	ref         TEXT NOT NULL,
	track_id    TEXT NOT NULL,
	artist_id   TEXT NOT NULL,
	nat_prev    TEXT NOT NULL,
	nat_next    TEXT NOT NULL,
	shuf_prev   TEXT NOT NULL,
	shuf_next   TEXT NOT NULL,
	plays       INTEGER NOT NULL,
	last_played BIGINT NOT NULL,
	up_next     BOOLEAN NOT NULL,
	PRIMARY KEY (user_id, session_id, ref)
);

-- plays and events are the play ledger: they outlive purged sessions.
CREATE TABLE plays (
	user_id    TEXT NOT NULL,
	metric_id  TEXT COLLATE "C" NOT NULL,
	session_id TEXT NOT NULL,
	ref        TEXT NOT NULL,
	track_id   TEXT NOT NULL,
	device_id  TEXT NOT NULL,
	started_at BIGINT NOT NULL,
	-- When the play started to count (30 s played or finished), for history.
	counted_at BIGINT,
	PRIMARY KEY (user_id, metric_id)
);
CREATE INDEX plays_counted ON plays (user_id, counted_at, metric_id) WHERE counted_at IS NOT NULL;

CREATE TABLE events (
	user_id          TEXT NOT NULL,
	metric_id        TEXT NOT NULL,
	type             TEXT NOT NULL,
	client_ts        BIGINT NOT NULL,
	session_id       TEXT NOT NULL,
	ref              TEXT NOT NULL,
	track_id         TEXT NOT NULL,
	device_id        TEXT NOT NULL,
	progress_s       DOUBLE PRECISION,
	duration_s       DOUBLE PRECISION,
	reason           TEXT NOT NULL,
	initial_delay_ms BIGINT,
	rebuffer_count   BIGINT,
	takeover         TEXT NOT NULL,
	received_at      BIGINT NOT NULL,
	PRIMARY KEY (user_id, metric_id, type, client_ts)
);

-- The streams an account holds now: one row per playing session.
CREATE TABLE streams (
	user_id       TEXT NOT NULL,
	session_id    TEXT NOT NULL,
	device_id     TEXT NOT NULL,
	claimed_at    BIGINT NOT NULL,
	last_event_at BIGINT NOT NULL,
	PRIMARY KEY (user_id, session_id)
);

-- Skips spent, per user across devices, for the rolling skip budget.
CREATE TABLE skips (
	user_id   TEXT NOT NULL,
	at        BIGINT NOT NULL,
	metric_id TEXT NOT NULL,
	PRIMARY KEY (user_id, at, metric_id)
);
CREATE INDEX skips_at ON skips (at);

-- Responses to requests sent with an Idempotency-Key, saved in the same
-- transaction as the change they answer, so that a retry is replayed
-- instead of applied twice. Kept for a day.
CREATE TABLE idempotency (
	user_id     TEXT NOT NULL,
	key         TEXT NOT NULL,
	fingerprint TEXT NOT NULL,
	response    BYTEA NOT NULL,
	created_at  BIGINT NOT NULL,
	PRIMARY KEY (user_id, key)
);
CREATE INDEX idempotency_age ON idempotency (created_at);
