-- Segue's embedded store. Tables that hold a user's data are keyed by
-- user first. Times are Unix nanoseconds, UTC.
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
	id          TEXT PRIMARY KEY,
	title       TEXT NOT NULL,
	album_id    TEXT NOT NULL REFERENCES albums (id),
	artist_id   TEXT NOT NULL REFERENCES artists (id),
	genre_id    TEXT NOT NULL DEFAULT '',
	composer    TEXT NOT NULL DEFAULT '',
	duration_ms INTEGER NOT NULL,
	isrc        TEXT NOT NULL DEFAULT '',
	format      TEXT NOT NULL,
	media_type  TEXT NOT NULL DEFAULT 'AUDIO',
	audio_path  TEXT NOT NULL DEFAULT '',
	album_pos   INTEGER NOT NULL
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
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE,
	tier       TEXT NOT NULL,
	created_at INTEGER NOT NULL
);

CREATE TABLE api_keys (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE,
	hash       TEXT NOT NULL UNIQUE,
	disabled   INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL
);

CREATE TABLE tokens (
	hash       TEXT PRIMARY KEY,
	user_id    TEXT NOT NULL REFERENCES users (id),
	scopes     TEXT NOT NULL,
	expires_at INTEGER NOT NULL,
	revoked    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE sessions (
	user_id       TEXT NOT NULL,
	id            TEXT NOT NULL,
	device_id     TEXT NOT NULL,
	current_ref   TEXT NOT NULL,
	loop_mode     TEXT NOT NULL,
	shuffle       INTEGER NOT NULL,
	station       INTEGER NOT NULL,
	autoplay      INTEGER NOT NULL,
	station_seed  TEXT NOT NULL,
	seed          INTEGER NOT NULL,
	shuffle_epoch INTEGER NOT NULL,
	nat_head      TEXT NOT NULL,
	nat_tail      TEXT NOT NULL,
	shuf_head     TEXT NOT NULL,
	shuf_tail     TEXT NOT NULL,
	upnext_tail   TEXT NOT NULL,
	length        INTEGER NOT NULL,
	ref_counter   INTEGER NOT NULL,
	play_seq      INTEGER NOT NULL,
	cycle_start   INTEGER NOT NULL,
	version       INTEGER NOT NULL,
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL,
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
	last_played INTEGER NOT NULL,
	up_next     INTEGER NOT NULL,
	PRIMARY KEY (user_id, session_id, ref)
) WITHOUT ROWID;

-- plays and events are the play ledger: they outlive purged sessions.
CREATE TABLE plays (
	user_id    TEXT NOT NULL,
	metric_id  TEXT NOT NULL,
	session_id TEXT NOT NULL,
	ref        TEXT NOT NULL,
	track_id   TEXT NOT NULL,
	device_id  TEXT NOT NULL,
	started_at INTEGER NOT NULL,
	PRIMARY KEY (user_id, metric_id)
);

CREATE TABLE events (
	user_id          TEXT NOT NULL,
	metric_id        TEXT NOT NULL,
	type             TEXT NOT NULL,
	client_ts        INTEGER NOT NULL,
	session_id       TEXT NOT NULL,
	ref              TEXT NOT NULL,
	track_id         TEXT NOT NULL,
	device_id        TEXT NOT NULL,
	progress_s       REAL,
	duration_s       REAL,
	reason           TEXT NOT NULL,
	initial_delay_ms INTEGER,
	rebuffer_count   INTEGER,
	takeover         TEXT NOT NULL,
	received_at      INTEGER NOT NULL,
	PRIMARY KEY (user_id, metric_id, type, client_ts)
);
