-- Subscription tiers, skip budgets, streams and the play ledger (SPEC.md §5).
ALTER TABLE users ADD COLUMN max_streams INTEGER NOT NULL DEFAULT 1;

ALTER TABLE tracks ADD COLUMN unlimited_only INTEGER NOT NULL DEFAULT 0;
-- The demo catalog's Unlimited-only albums: Led Zeppelin's and Metallica's.
UPDATE tracks SET unlimited_only = 1 WHERE artist_id IN ('B0CR000022', 'B0CR000050');

-- The state of a session's stream, as the active-sessions list shows it.
ALTER TABLE sessions ADD COLUMN playback_state TEXT NOT NULL DEFAULT 'STOPPED';
ALTER TABLE sessions ADD COLUMN taken_by_session TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN taken_by_device TEXT NOT NULL DEFAULT '';

-- The streams an account holds now: one row per playing session.
CREATE TABLE streams (
	user_id       TEXT NOT NULL,
	session_id    TEXT NOT NULL,
	device_id     TEXT NOT NULL,
	claimed_at    INTEGER NOT NULL,
	last_event_at INTEGER NOT NULL,
	PRIMARY KEY (user_id, session_id)
);

-- Skips spent, per user across devices, for the rolling skip budget.
CREATE TABLE skips (
	user_id    TEXT NOT NULL,
	at         INTEGER NOT NULL,
	metric_id  TEXT NOT NULL,
	PRIMARY KEY (user_id, at, metric_id)
);
CREATE INDEX skips_at ON skips (at);

-- When a play started to count (30 s played or finished), for history.
ALTER TABLE plays ADD COLUMN counted_at INTEGER;
CREATE INDEX plays_counted ON plays (user_id, counted_at) WHERE counted_at IS NOT NULL;
